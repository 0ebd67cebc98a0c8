-- Records sent back from the dead letter (SILVER.RETAIL_POS_REJECTED) to be processed again, by
-- SILVER.REDRIVE_REJECTED: one row per record per attempt, with the rejection it replaced (the
-- first attempt of a record holds its original rejection). Insert-only: it is the request half of
-- the redrive audit trail (RETAIL_POS_REDRIVE_OUTCOME is the other half), and PROCESS_RAW_POS
-- takes the new rows through a stream on it into its queue, the path every Bronze record takes.
CREATE TABLE IF NOT EXISTS {{ database }}.SILVER.RETAIL_POS_REDRIVE (
    REDRIVE_ID VARCHAR(36) NOT NULL COMMENT 'The REDRIVE_REJECTED run (OPS.PIPELINE_RUN_LOG.RUN_ID)',
    RECORD_HASH VARCHAR(64) NOT NULL,
    TRANSACTION_ID VARCHAR,
    STORE_ID VARCHAR,
    RECORD_CONTENT VARIANT COMMENT 'The Bronze RECORD_CONTENT, unchanged',
    RECORD_METADATA VARIANT COMMENT 'The Bronze RECORD_METADATA, unchanged',
    FAILED_RULES VARIANT NOT NULL COMMENT 'The rejection this attempt replaced: ARRAY of {rule_id, detail}',
    REJECTED_AT TIMESTAMP_TZ NOT NULL COMMENT 'When that rejection was made',
    REJECTED_RUN_ID VARCHAR(36) NOT NULL COMMENT 'The PROCESS_RAW_POS run that made it',
    TRIGGERED_BY VARCHAR(16) NOT NULL COMMENT 'REQUEST (pos redrive rejected) or DIMENSION (a dimension row added)',
    REQUESTED_RULE_ID VARCHAR COMMENT 'The selection: rule id',
    REQUESTED_SINCE TIMESTAMP_TZ COMMENT 'The selection: rejected at or after',
    REQUESTED_TRANSACTION_ID VARCHAR COMMENT 'The selection: one transaction id',
    REQUESTED_AT TIMESTAMP_TZ NOT NULL
)
COMMENT = 'Dead-letter redrive requests: records sent back for processing, with the rejection each replaced';
