-- Work rows of the non-POS kinds' procedures (PROCESS_RAW_CLICKSTREAM, _IOT, _APP_LOG, _CDC): one
-- row per failed rule of a record of the run, inserted and deleted inside the run's transaction
-- (empty between runs). RUN_ID keeps concurrent runs of different kinds apart; runs only INSERT
-- and DELETE their own RUN_ID's rows.
CREATE TRANSIENT TABLE IF NOT EXISTS {{ database }}.SILVER.EVENT_WORK_FAILURE (
    RUN_ID VARCHAR(36) NOT NULL,
    RECORD_SEQ NUMBER(38, 0) NOT NULL,
    RULE_ID VARCHAR NOT NULL,
    DETAIL VARCHAR
)
DATA_RETENTION_TIME_IN_DAYS = 0
COMMENT = 'Failed rules of the records of a running non-POS Silver procedure';
