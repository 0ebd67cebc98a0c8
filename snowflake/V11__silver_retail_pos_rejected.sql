-- Dead letter: one row per rejected record with every failed rule. RECORD_HASH (the payload's
-- SHA-256, or of the raw text) makes a redelivered bad record a no-op instead of a second row.
CREATE TABLE IF NOT EXISTS {{ database }}.SILVER.RETAIL_POS_REJECTED (
    RECORD_HASH VARCHAR(64) NOT NULL,
    RECORD_CONTENT VARIANT COMMENT 'The Bronze RECORD_CONTENT, unchanged',
    RECORD_METADATA VARIANT COMMENT 'The Bronze RECORD_METADATA, unchanged',
    TRANSACTION_ID VARCHAR COMMENT 'When readable',
    STORE_ID VARCHAR COMMENT 'When readable',
    FAILED_RULES VARIANT NOT NULL COMMENT 'ARRAY of {rule_id, detail}, one per failed rule',
    FAILED_RULE_COUNT NUMBER(6, 0) NOT NULL,
    STAGE VARCHAR NOT NULL COMMENT 'Procedure that rejected the record',
    KINESIS_SHARD_ID VARCHAR,
    KINESIS_SEQUENCE_NUMBER VARCHAR,
    REJECTED_AT TIMESTAMP_TZ NOT NULL,
    RUN_ID VARCHAR(36) NOT NULL
)
COMMENT = 'Silver dead letter: rejected records and the reasons';
