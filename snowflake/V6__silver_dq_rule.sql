-- Catalog of the data-quality rules PROCESS_RAW_POS applies; every RULE_ID found in
-- RETAIL_POS_REJECTED.FAILED_RULES is listed here (seeded by R__seed_dq_rule.sql).
CREATE TABLE IF NOT EXISTS {{ database }}.SILVER.DQ_RULE (
    RULE_ID VARCHAR(64) NOT NULL,
    DESCRIPTION VARCHAR NOT NULL,
    SCOPE VARCHAR(16) NOT NULL COMMENT 'RECORD, TRANSACTION or LINE',
    FAILURE_ACTION VARCHAR(16) NOT NULL COMMENT 'REJECT: the whole transaction goes to RETAIL_POS_REJECTED',
    CONSTRAINT PK_DQ_RULE PRIMARY KEY (RULE_ID)
)
COMMENT = 'Data-quality rule catalog';
