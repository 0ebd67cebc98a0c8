-- The Bronze stream's delta, moved here by one short transaction at the start of each
-- PROCESS_RAW_POS run (a stream is consumed whole by a committing DML). Each run then processes at
-- most process_raw_pos_max_records of these, oldest first, and deletes them in the same
-- transaction as their results: a backlog after an outage drains in bounded runs. QUEUE_SEQ is
-- the processing order (enqueue batch, then Kinesis arrival, shard and sequence number).
-- Transient: Bronze keeps every record permanently; one day of Time Travel to recover from a
-- mistaken delete.
CREATE TRANSIENT TABLE IF NOT EXISTS {{ database }}.SILVER.PROCESS_RAW_POS_QUEUE (
    QUEUE_SEQ NUMBER(38, 0) NOT NULL,
    RECORD_CONTENT VARIANT,
    RECORD_METADATA VARIANT,
    RECORD_HASH VARCHAR(64) NOT NULL COMMENT 'meta.content_sha256, else LEGACY_HASH',
    LEGACY_HASH VARCHAR(64) NOT NULL COMMENT 'SHA-256 of TO_JSON(payload): identity before content_sha256',
    KINESIS_SHARD_ID VARCHAR,
    KINESIS_SEQUENCE_NUMBER VARCHAR,
    KINESIS_ARRIVAL_AT TIMESTAMP_NTZ,
    ENQUEUED_AT TIMESTAMP_TZ NOT NULL,
    RUN_ID VARCHAR(36) NOT NULL COMMENT 'Run that moved it from the stream'
)
DATA_RETENTION_TIME_IN_DAYS = 1
COMMENT = 'PROCESS_RAW_POS: Bronze records taken from the stream and not processed yet';
