-- One row per accepted transaction: the key PROCESS_RAW_POS looks transaction ids up in, instead of
-- scanning Silver's line items (three or so per transaction, clustered by business date and
-- store, so a lookup by id cannot prune). The id lookups are equality joins with the run's few
-- thousand ids on the small side: search optimization ON EQUALITY(TRANSACTION_ID) serves them
-- (R__silver_search_optimization.sql); without it (Standard Edition) they read this table's two
-- narrow columns. No clustering key: transaction ids are random (UUIDs), so every new
-- micro-partition would overlap all others and Automatic Clustering would rewrite the table
-- forever. PROCESS_RAW_POS fills it once from Silver on its first run after the upgrade
-- (docs/snowflake.md, "Dedupe lookups").
CREATE TABLE IF NOT EXISTS {{ database }}.SILVER.RETAIL_POS_TRANSACTION_KEY (
    TRANSACTION_ID VARCHAR NOT NULL,
    CONTENT_HASH VARCHAR(64) NOT NULL COMMENT 'Content identity accepted for this id (as Silver CONTENT_HASH)',
    BUSINESS_DATE DATE NOT NULL,
    STORE_ID VARCHAR(16) NOT NULL,
    ACCEPTED_AT TIMESTAMP_TZ NOT NULL,
    RUN_ID VARCHAR(36) NOT NULL COMMENT 'Run that accepted it (or that copied it from Silver)'
)
COMMENT = 'Silver: accepted transaction ids and their content hash (dedupe and conflict lookups)';
