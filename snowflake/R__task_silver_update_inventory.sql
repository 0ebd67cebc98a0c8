-- Triggered task (no SCHEDULE): runs when its stream has data, at most every 10 s. Warehouse or
-- serverless by configuration (task_warehouse empty = serverless). Created suspended (CREATE OR
-- REPLACE TASK always is); A__2_resume_tasks.sql resumes the tasks, downstream first.
-- SUSPEND_TASK_AFTER_NUM_FAILURES = 3: bad input never fails a run (it is rejected), so three
-- failures in a row mean a systemic fault (privilege, object, bug); retrying forever would bill a run
-- every 10 s while the stream holds data, so the task stops and the FAILED_AND_AUTO_SUSPENDED state
-- and the run log alarm page someone. Nothing is lost meanwhile: the stream keeps its offset.
CREATE OR REPLACE TASK {{ database }}.SILVER.UPDATE_INVENTORY_TASK
    USER_TASK_TIMEOUT_MS = 900000
    SUSPEND_TASK_AFTER_NUM_FAILURES = 3
    COMMENT = 'New Silver line items: move INVENTORY'
    USER_TASK_MINIMUM_TRIGGER_INTERVAL_IN_SECONDS = 10
    {% if task_warehouse %}WAREHOUSE = {{ task_warehouse }}{% else %}TARGET_COMPLETION_INTERVAL = '60 SECONDS'{% endif %}
WHEN SYSTEM$STREAM_HAS_DATA('{{ database }}.SILVER.PROCESSED_FOR_INVENTORY_STREAM')
AS
    CALL {{ database }}.SILVER.UPDATE_INVENTORY();

GRANT OWNERSHIP ON TASK {{ database }}.SILVER.UPDATE_INVENTORY_TASK TO ROLE {{ transform_role }} COPY CURRENT GRANTS;
