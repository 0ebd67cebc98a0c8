-- Dead letter of records of no known kind (meta.schema 'unknown', or a kind this Silver does not
-- know): one row per distinct record with its reason, never a bad sale in RETAIL_POS_REJECTED.
CREATE TABLE IF NOT EXISTS {{ database }}.SILVER.UNCLASSIFIED_REJECTED (
    RECORD_HASH VARCHAR(64) NOT NULL,
    RECORD_CONTENT VARIANT COMMENT 'The Bronze RECORD_CONTENT, unchanged',
    RECORD_METADATA VARIANT COMMENT 'The Bronze RECORD_METADATA, unchanged',
    SCHEMA_TAG VARCHAR COMMENT 'meta.schema as the transform tagged it',
    FAILED_RULES VARIANT NOT NULL COMMENT 'ARRAY of {rule_id, detail}',
    FAILED_RULE_COUNT NUMBER(6, 0) NOT NULL,
    STAGE VARCHAR NOT NULL COMMENT 'Procedure that rejected the record',
    KINESIS_SHARD_ID VARCHAR,
    KINESIS_SEQUENCE_NUMBER VARCHAR,
    REJECTED_AT TIMESTAMP_TZ NOT NULL,
    RUN_ID VARCHAR(36) NOT NULL
)
COMMENT = 'Silver dead letter of records of no known kind';
