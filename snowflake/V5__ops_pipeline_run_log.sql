-- One row per procedure run, written in the run's own transaction when it succeeds and after the
-- rollback when it fails. ROWS_READ = ROWS_ACCEPTED + ROWS_REJECTED + ROWS_DUPLICATE for
-- PROCESS_RAW_POS (the reconciliation the health dashboard and alarms read).
CREATE TABLE IF NOT EXISTS {{ database }}.OPS.PIPELINE_RUN_LOG (
    RUN_ID VARCHAR(36) NOT NULL,
    PROCEDURE_NAME VARCHAR NOT NULL,
    STARTED_AT TIMESTAMP_TZ NOT NULL,
    FINISHED_AT TIMESTAMP_TZ NOT NULL,
    DURATION_MS NUMBER(38, 0) NOT NULL,
    STATUS VARCHAR(9) NOT NULL COMMENT 'SUCCEEDED or FAILED',
    ROWS_READ NUMBER(38, 0) COMMENT 'Stream rows read',
    ROWS_ACCEPTED NUMBER(38, 0) COMMENT 'Transactions accepted (or stream rows applied)',
    ROWS_REJECTED NUMBER(38, 0) COMMENT 'Records written to RETAIL_POS_REJECTED',
    ROWS_DUPLICATE NUMBER(38, 0) COMMENT 'Redelivered copies ignored (no effect)',
    ROWS_WRITTEN NUMBER(38, 0) COMMENT 'Target rows inserted or updated',
    ERROR_MESSAGE VARCHAR COMMENT 'SQLERRM of a failed run',
    ERROR_SQLSTATE VARCHAR(5) COMMENT 'SQLSTATE of a failed run'
)
COMMENT = 'Pipeline run log (health dashboard, task failure and lag alarms)';
