-- Dead letter -> PROCESS_RAW_POS again, in one transaction: the selected records leave
-- SILVER.RETAIL_POS_REJECTED and enter SILVER.RETAIL_POS_REDRIVE (with the rejection each
-- replaced), whose stream PROCESS_RAW_POS reads in the same statement as the Bronze stream. Each
-- record is then judged by the path every new record takes, with today's rules and dimensions:
-- accepted into Silver (INVENTORY and Gold follow through their streams), rejected again with
-- today's reasons, or recognised as a copy; that run writes the outcome to
-- RETAIL_POS_REDRIVE_OUTCOME in its own transaction. A row in PROCESS_RAW_POS_CONTINUATION wakes
-- its task.
-- Selection: RULE_ID given (`pos redrive rejected`): the rejected records that failed that rule,
-- optionally rejected at or after SINCE and of one TRANSACTION_ID. RULE_ID NULL (the automatic
-- redrive, REDRIVE_FIXED_DIMENSIONS_TASK): the records whose only failed rules are UNKNOWN_STORE /
-- UNKNOWN_PRODUCT / UNKNOWN_PAYMENT_METHOD and whose keys all exist now
-- (SILVER.RETAIL_POS_REJECTED_REDRIVABLE); it also consumes the dimension streams that trigger it.
-- A record already sent back and not decided yet is no longer in REJECTED, so running this again
-- sends nothing twice. An unknown rule id is refused before anything is read.
CREATE OR REPLACE PROCEDURE {{ database }}.SILVER.REDRIVE_REJECTED(
    RULE_ID VARCHAR, REJECTED_SINCE TIMESTAMP_TZ, ONLY_TRANSACTION_ID VARCHAR
)
RETURNS VARIANT
LANGUAGE SQL
COMMENT = 'Send rejected records back through PROCESS_RAW_POS (by rule, or automatically once their dimension rows exist)'
EXECUTE AS OWNER
AS
$$
DECLARE
    redrive_id VARCHAR DEFAULT UUID_STRING();
    started_at TIMESTAMP_TZ DEFAULT CURRENT_TIMESTAMP();
    automatic BOOLEAN DEFAULT FALSE;
    rows_sent NUMBER DEFAULT 0;
    rows_removed NUMBER DEFAULT 0;
    error_message VARCHAR DEFAULT '';
    error_sqlstate VARCHAR DEFAULT '';
    unknown_rule EXCEPTION (-20011, 'REDRIVE_REJECTED: unknown rule id; the rule ids are SILVER.DQ_RULE.RULE_ID');
    removed_disagree EXCEPTION (-20012, 'REDRIVE_REJECTED: another redrive took some of these records first; rolled back, run it again');
BEGIN
    automatic := (rule_id IS NULL);
    IF (NOT :automatic AND (SELECT COUNT(*) FROM {{ database }}.SILVER.DQ_RULE WHERE RULE_ID = :rule_id) = 0) THEN
        RAISE unknown_rule;
    END IF;

    BEGIN TRANSACTION;

    -- The automatic redrive consumes the dimension streams that woke it (at COMMIT; the documented
    -- way to move a stream's offset without using its rows): which keys changed does not matter,
    -- the selection below reads today's dimensions whole.
    IF (:automatic) THEN
        INSERT INTO {{ database }}.SILVER.RETAIL_POS_REDRIVE (
            REDRIVE_ID, RECORD_HASH, FAILED_RULES, REJECTED_AT, REJECTED_RUN_ID, TRIGGERED_BY, REQUESTED_AT
        )
        SELECT
            :redrive_id,
            changed.DIMENSION_KEY,
            ARRAY_CONSTRUCT(),
            CURRENT_TIMESTAMP(),
            :redrive_id,
            'DIMENSION',
            CURRENT_TIMESTAMP()
        FROM (
            SELECT store.STORE_ID AS DIMENSION_KEY
            FROM {{ database }}.SILVER.DIM_STORE_REDRIVE_STREAM AS store
            UNION ALL
            SELECT product.PRODUCT_ID AS DIMENSION_KEY
            FROM {{ database }}.SILVER.DIM_PRODUCT_REDRIVE_STREAM AS product
            UNION ALL
            SELECT payment.PAYMENT_METHOD AS DIMENSION_KEY
            FROM {{ database }}.SILVER.DIM_PAYMENT_METHOD_REDRIVE_STREAM AS payment
        ) AS changed
        WHERE 0 = 1;
    END IF;

    INSERT INTO {{ database }}.SILVER.RETAIL_POS_REDRIVE (
        REDRIVE_ID, RECORD_HASH, TRANSACTION_ID, STORE_ID, RECORD_CONTENT, RECORD_METADATA, FAILED_RULES,
        REJECTED_AT, REJECTED_RUN_ID, TRIGGERED_BY, REQUESTED_RULE_ID, REQUESTED_SINCE, REQUESTED_TRANSACTION_ID,
        REQUESTED_AT
    )
    SELECT
        :redrive_id,
        rejected.RECORD_HASH,
        rejected.TRANSACTION_ID,
        rejected.STORE_ID,
        rejected.RECORD_CONTENT,
        rejected.RECORD_METADATA,
        rejected.FAILED_RULES,
        rejected.REJECTED_AT,
        rejected.RUN_ID,
        IFF(:automatic, 'DIMENSION', 'REQUEST'),
        :rule_id,
        :rejected_since,
        :only_transaction_id,
        CURRENT_TIMESTAMP()
    FROM {{ database }}.SILVER.RETAIL_POS_REJECTED AS rejected
    WHERE
        (
            :automatic
            AND rejected.RECORD_HASH IN (
                SELECT outlook.RECORD_HASH
                FROM {{ database }}.SILVER.RETAIL_POS_REJECTED_REDRIVABLE AS outlook
                WHERE outlook.ONLY_DIMENSION_RULES AND outlook.VERDICT = 'ACCEPT'
            )
        )
        OR (
            NOT :automatic
            AND rejected.RECORD_HASH IN (
                SELECT dead.RECORD_HASH
                FROM {{ database }}.SILVER.RETAIL_POS_REJECTED AS dead,
                    LATERAL FLATTEN(INPUT => dead.FAILED_RULES) AS rule
                WHERE rule.VALUE:rule_id::STRING = :rule_id
            )
            AND (:rejected_since IS NULL OR rejected.REJECTED_AT >= :rejected_since)
            AND (:only_transaction_id IS NULL OR rejected.TRANSACTION_ID = :only_transaction_id)
        );
    rows_sent := SQLROWCOUNT;

    -- They leave the dead letter now; PROCESS_RAW_POS puts each in its final place.
    DELETE FROM {{ database }}.SILVER.RETAIL_POS_REJECTED
    WHERE RECORD_HASH IN (
        SELECT sent.RECORD_HASH
        FROM {{ database }}.SILVER.RETAIL_POS_REDRIVE AS sent
        WHERE sent.REDRIVE_ID = :redrive_id
    );
    rows_removed := SQLROWCOUNT;
    -- A concurrent redrive that took the same records committed first: nothing of this one stays.
    IF (:rows_removed <> :rows_sent) THEN
        RAISE removed_disagree;
    END IF;

    -- Wake PROCESS_RAW_POS_TASK (its WHEN watches this table's stream).
    INSERT INTO {{ database }}.SILVER.PROCESS_RAW_POS_CONTINUATION (RUN_ID, QUEUED_RECORDS, CREATED_AT)
    SELECT
        :redrive_id,
        :rows_sent,
        CURRENT_TIMESTAMP()
    WHERE :rows_sent > 0;

    INSERT INTO {{ database }}.OPS.PIPELINE_RUN_LOG (
        RUN_ID, PROCEDURE_NAME, STARTED_AT, FINISHED_AT, DURATION_MS, STATUS, ROWS_READ, ROWS_WRITTEN
    )
    SELECT
        :redrive_id,
        'SILVER.REDRIVE_REJECTED',
        :started_at,
        CURRENT_TIMESTAMP(),
        DATEDIFF(MILLISECOND, :started_at, CURRENT_TIMESTAMP()),
        'SUCCEEDED',
        :rows_sent,
        :rows_sent;

    COMMIT;
    RETURN OBJECT_CONSTRUCT('redrive_id', redrive_id, 'records_sent', rows_sent);
EXCEPTION
    WHEN OTHER THEN
        ROLLBACK;
        error_message := SQLERRM;
        error_sqlstate := SQLSTATE;
        INSERT INTO {{ database }}.OPS.PIPELINE_RUN_LOG (
            RUN_ID, PROCEDURE_NAME, STARTED_AT, FINISHED_AT, DURATION_MS, STATUS, ERROR_MESSAGE, ERROR_SQLSTATE
        )
        SELECT
            :redrive_id,
            'SILVER.REDRIVE_REJECTED',
            :started_at,
            CURRENT_TIMESTAMP(),
            DATEDIFF(MILLISECOND, :started_at, CURRENT_TIMESTAMP()),
            'FAILED',
            LEFT(:error_message, 4000),
            :error_sqlstate;
        RAISE;
END;
$$;

GRANT OWNERSHIP ON PROCEDURE {{ database }}.SILVER.REDRIVE_REJECTED(VARCHAR, TIMESTAMP_TZ, VARCHAR)
TO ROLE {{ transform_role }} COPY CURRENT GRANTS;
