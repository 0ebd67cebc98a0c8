-- Local-warehouse adaptation of task_failures.sql: the runner records every task run in
-- _LOCAL.TASK_HISTORY (its emulation of INFORMATION_SCHEMA.TASK_HISTORY, names already
-- qualified), which fakesnow can query; the output columns are the same.
SELECT
    STATE,
    ERROR_MESSAGE,
    NAME AS TASK_NAME
FROM {{ database }}._LOCAL.TASK_HISTORY
WHERE
    STATE IN ('FAILED', 'FAILED_AND_AUTO_SUSPENDED')
    AND COMPLETED_TIME >= %(window_start)s::TIMESTAMP_TZ
    AND COMPLETED_TIME < %(window_end)s::TIMESTAMP_TZ
