-- A PROCESS_RAW_POS run that leaves records in its queue (more than one run may take, or a failed
-- run) inserts one row here; the task's WHEN watches a stream on this table as well as the Bronze
-- stream, so the task runs again even when no new Bronze row arrives. Insert-only, one small row
-- per such run: only catch-up and failed runs write it.
CREATE TABLE IF NOT EXISTS {{ database }}.SILVER.PROCESS_RAW_POS_CONTINUATION (
    RUN_ID VARCHAR(36) NOT NULL,
    QUEUED_RECORDS NUMBER(38, 0) NOT NULL COMMENT 'Records left in the queue by that run',
    CREATED_AT TIMESTAMP_TZ NOT NULL
)
COMMENT = 'PROCESS_RAW_POS: signals that queued records wait for another run';
