-- Dead letter of the cdc kind: one row per distinct rejected record (RECORD_HASH, the transform's
-- meta.content_sha256) with every failed rule. A redelivered copy adds nothing.
CREATE TABLE IF NOT EXISTS {{ database }}.SILVER.CDC_REJECTED (
    RECORD_HASH VARCHAR(64) NOT NULL,
    RECORD_CONTENT VARIANT COMMENT 'The Bronze RECORD_CONTENT, unchanged',
    RECORD_METADATA VARIANT COMMENT 'The Bronze RECORD_METADATA, unchanged',
    ROW_KEY VARCHAR COMMENT 'When readable',
    FAILED_RULES VARIANT NOT NULL COMMENT 'ARRAY of {rule_id, detail}, one per failed rule',
    FAILED_RULE_COUNT NUMBER(6, 0) NOT NULL,
    STAGE VARCHAR NOT NULL COMMENT 'Procedure that rejected the record',
    KINESIS_SHARD_ID VARCHAR,
    KINESIS_SEQUENCE_NUMBER VARCHAR,
    REJECTED_AT TIMESTAMP_TZ NOT NULL,
    RUN_ID VARCHAR(36) NOT NULL
)
COMMENT = 'Silver dead letter of cdc records: rejected records and the reasons';
