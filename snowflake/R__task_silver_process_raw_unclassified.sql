-- Triggered task: runs when Bronze has new rows (of any kind: a stream cannot filter; the
-- procedure takes those of no known kind), at most every 10 s. Same settings and reasons as
-- R__task_silver_process_raw_pos.sql. Created suspended; A__2_resume_tasks.sql resumes it.
CREATE OR REPLACE TASK {{ database }}.SILVER.PROCESS_RAW_UNCLASSIFIED_TASK
    USER_TASK_TIMEOUT_MS = 900000
    SUSPEND_TASK_AFTER_NUM_FAILURES = 3
    COMMENT = 'New Bronze rows: parse, validate and dead-letter the records of no known kind'
    USER_TASK_MINIMUM_TRIGGER_INTERVAL_IN_SECONDS = 10
    {% if task_warehouse %}WAREHOUSE = {{ task_warehouse }}{% else %}TARGET_COMPLETION_INTERVAL = '60 SECONDS'{% endif %}
WHEN SYSTEM$STREAM_HAS_DATA('{{ database }}.BRONZE.JSON_RAW_DATA_UNCLASSIFIED_STREAM')
AS
    CALL {{ database }}.SILVER.PROCESS_RAW_UNCLASSIFIED();

GRANT OWNERSHIP ON TASK {{ database }}.SILVER.PROCESS_RAW_UNCLASSIFIED_TASK TO ROLE {{ transform_role }} COPY CURRENT GRANTS;
