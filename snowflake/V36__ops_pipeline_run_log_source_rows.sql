-- What OPS.STREAM_BACKLOG needs to count waiting rows correctly, also after a stale stream is
-- recreated: the source table's row count as of each run's consuming transaction, and (for
-- PROCESS_RAW_POS) what the run moved into and left in its queue.
ALTER TABLE {{ database }}.OPS.PIPELINE_RUN_LOG
ADD COLUMN IF NOT EXISTS SOURCE_ROWS_SEEN NUMBER(38, 0) COMMENT 'Rows in the stream''s source table when the run consumed the stream';

ALTER TABLE {{ database }}.OPS.PIPELINE_RUN_LOG
ADD COLUMN IF NOT EXISTS ROWS_ENQUEUED NUMBER(38, 0) COMMENT 'PROCESS_RAW_POS: stream rows moved into its queue';

ALTER TABLE {{ database }}.OPS.PIPELINE_RUN_LOG
ADD COLUMN IF NOT EXISTS ROWS_QUEUED NUMBER(38, 0) COMMENT 'PROCESS_RAW_POS: records left in its queue after the run';
