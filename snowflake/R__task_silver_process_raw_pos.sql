-- Triggered task (no SCHEDULE): runs when new Bronze rows arrive or when a run left records in
-- PROCESS_RAW_POS's queue (its continuation stream), at most every 10 s. Warehouse or serverless
-- by configuration (task_warehouse empty = serverless). Created suspended (CREATE OR REPLACE TASK
-- always is); A__2_resume_tasks.sql resumes the tasks, downstream first.
-- SUSPEND_TASK_AFTER_NUM_FAILURES = 3: bad input never fails a run (it is rejected), so three
-- failures in a row mean a systemic fault (privilege, object, bug); retrying forever would bill a run
-- every 10 s while the stream holds data, so the task stops and the FAILED_AND_AUTO_SUSPENDED state
-- and the run log alarm page someone. Nothing is lost meanwhile: the stream keeps its offset and
-- the queue its records. Each run takes at most process_raw_pos_max_records records, so a backlog
-- after an outage drains in runs of bounded length instead of one run that times out.
CREATE OR REPLACE TASK {{ database }}.SILVER.PROCESS_RAW_POS_TASK
    USER_TASK_TIMEOUT_MS = 900000
    SUSPEND_TASK_AFTER_NUM_FAILURES = 3
    COMMENT = 'New Bronze rows: parse, validate and route them to Silver'
    USER_TASK_MINIMUM_TRIGGER_INTERVAL_IN_SECONDS = 10
    {% if task_warehouse %}WAREHOUSE = {{ task_warehouse }}{% else %}TARGET_COMPLETION_INTERVAL = '60 SECONDS'{% endif %}
WHEN
    SYSTEM$STREAM_HAS_DATA('{{ database }}.BRONZE.JSON_RAW_DATA_STREAM')
    OR SYSTEM$STREAM_HAS_DATA('{{ database }}.SILVER.PROCESS_RAW_POS_CONTINUATION_STREAM')
AS
    CALL {{ database }}.SILVER.PROCESS_RAW_POS();

GRANT OWNERSHIP ON TASK {{ database }}.SILVER.PROCESS_RAW_POS_TASK TO ROLE {{ transform_role }} COPY CURRENT GRANTS;
