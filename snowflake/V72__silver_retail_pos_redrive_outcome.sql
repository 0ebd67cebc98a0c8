-- Where each sent back record ended: one row per record per attempt, written by the
-- PROCESS_RAW_POS run that decided it, in that run's transaction. OUTCOME ACCEPTED: the record is
-- in Silver and RUN_ID is the run that accepted it (RETAIL_POS_PROCESSED.RUN_ID); REJECTED: it is
-- back in RETAIL_POS_REJECTED with FAILED_RULES, today's reasons; DUPLICATE: its content was
-- already accepted or rejected under another copy, which stays. Insert-only.
CREATE TABLE IF NOT EXISTS {{ database }}.SILVER.RETAIL_POS_REDRIVE_OUTCOME (
    REDRIVE_ID VARCHAR(36) NOT NULL,
    RECORD_HASH VARCHAR(64) NOT NULL,
    TRANSACTION_ID VARCHAR,
    OUTCOME VARCHAR(9) NOT NULL COMMENT 'ACCEPTED, REJECTED or DUPLICATE',
    FAILED_RULES VARIANT COMMENT 'REJECTED: every rule it fails today',
    RUN_ID VARCHAR(36) NOT NULL COMMENT 'The PROCESS_RAW_POS run that decided it',
    DECIDED_AT TIMESTAMP_TZ NOT NULL
)
COMMENT = 'Dead-letter redrive outcomes: where each sent back record ended, and which run put it there';
