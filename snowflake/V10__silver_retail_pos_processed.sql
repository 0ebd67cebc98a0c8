-- One row per accepted line item; insert-only (a transaction is accepted once, whole).
-- Business key (TRANSACTION_ID, LINE_NUMBER), enforced by PROCESS_RAW_POS's MERGE (Snowflake does
-- not enforce key constraints). Transaction-level amounts are repeated on every line; aggregates
-- count them once, on LINE_NUMBER = 1 (docs/snowflake.md).
CREATE TABLE IF NOT EXISTS {{ database }}.SILVER.RETAIL_POS_PROCESSED (
    TRANSACTION_ID VARCHAR NOT NULL,
    LINE_NUMBER NUMBER(6, 0) NOT NULL COMMENT '1-based position in the items array',
    LINE_COUNT NUMBER(6, 0) NOT NULL COMMENT 'Lines in the transaction',
    STORE_ID VARCHAR(16) NOT NULL,
    CITY VARCHAR,
    REGISTER_ID VARCHAR,
    CASHIER_ID VARCHAR,
    CURRENCY VARCHAR(3) NOT NULL COMMENT 'The store currency',
    EVENT_TS TIMESTAMP_TZ NOT NULL COMMENT 'Sale time as sent, with its offset',
    EVENT_TS_UTC TIMESTAMP_NTZ NOT NULL COMMENT 'Sale time in UTC',
    BUSINESS_DATE DATE NOT NULL COMMENT 'Store-local date of EVENT_TS (DIM_STORE.TIME_ZONE)',
    PRODUCT_ID VARCHAR(16) NOT NULL,
    UNIT_PRICE NUMBER(12, 2) NOT NULL,
    QUANTITY NUMBER(12, 0) NOT NULL,
    CANCELED BOOLEAN NOT NULL,
    LINE_AMOUNT NUMBER(12, 2) NOT NULL COMMENT 'UNIT_PRICE * QUANTITY (also for canceled lines)',
    PAYMENT_METHOD VARCHAR(32) NOT NULL,
    TOTAL_AMOUNT NUMBER(12, 2) NOT NULL COMMENT 'Transaction level: count once (LINE_NUMBER = 1)',
    REFUND_AMOUNT NUMBER(12, 2) NOT NULL COMMENT 'Transaction level, 0 without refund',
    REFUND_METHOD VARCHAR,
    REFUND_TS TIMESTAMP_TZ,
    SCHEMA_VERSION VARCHAR(16),
    CONTENT_HASH VARCHAR(64) NOT NULL COMMENT 'SHA-256 of the payload: replay and conflict check',
    KINESIS_SHARD_ID VARCHAR,
    KINESIS_SEQUENCE_NUMBER VARCHAR,
    KINESIS_ARRIVAL_AT TIMESTAMP_NTZ COMMENT 'UTC, Kinesis ApproximateArrivalTimestamp',
    INGESTED_AT TIMESTAMP_NTZ COMMENT 'UTC, when the transform handled the record for Bronze',
    PROCESSED_AT TIMESTAMP_TZ NOT NULL,
    RUN_ID VARCHAR(36) NOT NULL COMMENT 'OPS.PIPELINE_RUN_LOG.RUN_ID of the accepting run'
)
CLUSTER BY (BUSINESS_DATE, STORE_ID)
COMMENT = 'Silver: accepted POS line items (insert-only)';
