-- Every distinct accepted CDC event of the ERP's product and store tables, in the order of the
-- source's log (LSN): the history of DIM_PRODUCT and DIM_STORE. OUTCOME says what the event did:
-- APPLIED (its change is part of the row's history; the row holds the newest applied change),
-- SUPERSEDED (it arrived after a change with a later LSN of the same row had been applied: ignored,
-- so out-of-order events converge to the source's state), DELETE_OF_ABSENT_ROW (a delete of a row
-- the dimension did not hold: nothing to delete, kept as the row's latest LSN so an older create
-- arriving later does not bring it back). Insert-only; (TABLE_NAME, LSN) is the event's identity.
CREATE TABLE IF NOT EXISTS {{ database }}.SILVER.DIM_CHANGE_LOG (
    TABLE_NAME VARCHAR(16) NOT NULL COMMENT 'product or store (source.table)',
    ROW_KEY VARCHAR(16) NOT NULL COMMENT 'product_id or store_id',
    LSN NUMBER(38, 0) NOT NULL COMMENT 'source.lsn: position in the source log',
    OP VARCHAR(1) NOT NULL COMMENT 'c, u, d or r',
    BEFORE_IMAGE VARIANT,
    AFTER_IMAGE VARIANT,
    SOURCE_TS TIMESTAMP_NTZ COMMENT 'ts_ms, UTC',
    OUTCOME VARCHAR(20) NOT NULL COMMENT 'APPLIED, SUPERSEDED or DELETE_OF_ABSENT_ROW',
    CONTENT_HASH VARCHAR(64) NOT NULL COMMENT 'meta.content_sha256 of the record',
    KINESIS_SHARD_ID VARCHAR,
    KINESIS_SEQUENCE_NUMBER VARCHAR,
    KINESIS_ARRIVAL_AT TIMESTAMP_NTZ COMMENT 'UTC',
    INGESTED_AT TIMESTAMP_NTZ COMMENT 'meta.received_at, UTC',
    PROCESSED_AT TIMESTAMP_TZ NOT NULL,
    RUN_ID VARCHAR(36) NOT NULL,
    CONSTRAINT PK_DIM_CHANGE_LOG PRIMARY KEY (TABLE_NAME, LSN)
)
COMMENT = 'Silver: history of the CDC changes applied to DIM_PRODUCT and DIM_STORE (cdc.v1)';
