CREATE OR REPLACE PROCEDURE {{ database }}.SILVER.PROCESS_RAW()
RETURNS VARIANT
LANGUAGE SQL
EXECUTE AS OWNER
AS
$$
DECLARE
    run_id VARCHAR DEFAULT UUID_STRING();
    started_at TIMESTAMP_TZ DEFAULT CURRENT_TIMESTAMP();
    rows_read NUMBER DEFAULT 0;
    error_message VARCHAR;
BEGIN
    BEGIN TRANSACTION;
    rows_read := (SELECT COUNT(*) FROM BRONZE.JSON_RAW_DATA_STREAM);
    MERGE INTO SILVER.SALES AS tgt
    USING (
        SELECT
            RECORD_CONTENT:payload:transaction_id::STRING AS transaction_id,
            RECORD_CONTENT:payload:store_id::STRING AS store_id,
            RECORD_CONTENT:payload:total_amount::NUMBER(12, 2) AS amount
        FROM BRONZE.JSON_RAW_DATA_STREAM
        WHERE METADATA$ACTION = 'INSERT'
        QUALIFY ROW_NUMBER() OVER (PARTITION BY transaction_id ORDER BY METADATA$ROW_ID) = 1
    ) AS src
    ON tgt.TRANSACTION_ID = src.transaction_id
    WHEN NOT MATCHED THEN INSERT (TRANSACTION_ID, STORE_ID, AMOUNT, RUN_ID)
    VALUES (src.transaction_id, src.store_id, src.amount, :run_id);
    LET accepted NUMBER := (SELECT COUNT(*) FROM SILVER.SALES WHERE RUN_ID = :run_id);
    INSERT INTO OPS.RUN_LOG (RUN_ID, PROCEDURE_NAME, STARTED_AT, STATUS, ROWS_READ, ROWS_ACCEPTED)
    SELECT :run_id, 'SILVER.PROCESS_RAW', :started_at, 'SUCCEEDED', :rows_read, :accepted;
    COMMIT;
    RETURN OBJECT_CONSTRUCT('run_id', :run_id, 'rows_read', :rows_read, 'accepted', :accepted);
EXCEPTION
    WHEN OTHER THEN
        ROLLBACK;
        error_message := SQLERRM;
        INSERT INTO OPS.RUN_LOG (RUN_ID, PROCEDURE_NAME, STARTED_AT, STATUS, ERROR_MESSAGE)
        SELECT :run_id, 'SILVER.PROCESS_RAW', :started_at, 'FAILED', :error_message;
        RAISE;
END;
$$;
