-- Task runs that failed (or failed and auto-suspended the task) and completed inside the window.
-- Catches what the run log cannot: a run that never reached its procedure (privilege, warehouse,
-- timeout). Runs are looked up from history_start: 2 h before the window (a run can outlast its
-- start by the task timeout, 15 min), never more than 7 days back (TASK_HISTORY refuses older
-- ranges). Needs MONITOR on the tasks (R__ops_monitor_role.sql).
SELECT
    STATE,
    ERROR_MESSAGE,
    DATABASE_NAME || '.' || SCHEMA_NAME || '.' || NAME AS TASK_NAME
FROM
    TABLE(
        {{ database }}.INFORMATION_SCHEMA.TASK_HISTORY(
            SCHEDULED_TIME_RANGE_START => %(history_start)s::TIMESTAMP_LTZ,
            RESULT_LIMIT => 10000,
            ERROR_ONLY => TRUE
        )
    )
WHERE
    STATE IN ('FAILED', 'FAILED_AND_AUTO_SUSPENDED')
    AND COMPLETED_TIME >= %(window_start)s::TIMESTAMP_TZ
    AND COMPLETED_TIME < %(window_end)s::TIMESTAMP_TZ
