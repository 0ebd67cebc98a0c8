-- Silver line items -> GOLD.DAILY_SALES_SUMMARY, in one transaction over its own stream.
-- Transaction-level amounts (TOTAL_AMOUNT, REFUND_AMOUNT) are repeated on each line of a
-- transaction, so they are counted once, on LINE_NUMBER = 1. A whole transaction always arrives in
-- one stream delta (it is inserted by one statement), and late events simply add to the row of
-- their own (earlier) business date. AVG_BASKET divides through NUMBER(38, 6) so that half-cent
-- results round the same way on every engine.
CREATE OR REPLACE PROCEDURE {{ database }}.GOLD.UPDATE_DAILY_SUMMARY()
RETURNS VARIANT
LANGUAGE SQL
COMMENT = 'Add new Silver line items to GOLD.DAILY_SALES_SUMMARY'
EXECUTE AS OWNER
AS
$$
DECLARE
    run_id VARCHAR DEFAULT UUID_STRING();
    started_at TIMESTAMP_TZ DEFAULT CURRENT_TIMESTAMP();
    rows_read NUMBER DEFAULT 0;
    rows_written NUMBER DEFAULT 0;
    error_message VARCHAR DEFAULT '';
    error_sqlstate VARCHAR DEFAULT '';
BEGIN
    BEGIN TRANSACTION;

    rows_read := (SELECT COUNT(*) FROM {{ database }}.SILVER.PROCESSED_FOR_GOLD_STREAM);
    rows_written := (
        SELECT COUNT(*) FROM (
            SELECT DISTINCT
                BUSINESS_DATE,
                STORE_ID
            FROM {{ database }}.SILVER.PROCESSED_FOR_GOLD_STREAM
        ) AS days
    );

    -- The DML that consumes the stream (at COMMIT).
    MERGE INTO {{ database }}.GOLD.DAILY_SALES_SUMMARY AS tgt
    USING (
        SELECT
            line.BUSINESS_DATE,
            line.STORE_ID,
            MAX(line.CURRENCY) AS CURRENCY,
            SUM(IFF(line.LINE_NUMBER = 1, line.TOTAL_AMOUNT, 0)) AS GROSS_SALES,
            SUM(IFF(line.LINE_NUMBER = 1, line.REFUND_AMOUNT, 0)) AS REFUNDS,
            SUM(IFF(line.LINE_NUMBER = 1, line.TOTAL_AMOUNT - line.REFUND_AMOUNT, 0)) AS NET_SALES,
            COUNT_IF(line.LINE_NUMBER = 1) AS TRANSACTIONS,
            SUM(IFF(line.CANCELED, 0, line.QUANTITY)) AS UNITS,
            COUNT_IF(line.CANCELED) AS CANCELED_LINES,
            CURRENT_TIMESTAMP() AS LAST_UPDATED
        FROM {{ database }}.SILVER.PROCESSED_FOR_GOLD_STREAM AS line
        GROUP BY line.BUSINESS_DATE, line.STORE_ID
    ) AS src
        ON tgt.BUSINESS_DATE = src.BUSINESS_DATE AND tgt.STORE_ID = src.STORE_ID
    WHEN MATCHED THEN UPDATE SET
        GROSS_SALES = tgt.GROSS_SALES + src.GROSS_SALES,
        REFUNDS = tgt.REFUNDS + src.REFUNDS,
        NET_SALES = tgt.NET_SALES + src.NET_SALES,
        TRANSACTIONS = tgt.TRANSACTIONS + src.TRANSACTIONS,
        UNITS = tgt.UNITS + src.UNITS,
        CANCELED_LINES = tgt.CANCELED_LINES + src.CANCELED_LINES,
        AVG_BASKET = ROUND(
            IFF(
                tgt.TRANSACTIONS + src.TRANSACTIONS = 0,
                0,
                ((tgt.GROSS_SALES + src.GROSS_SALES) / (tgt.TRANSACTIONS + src.TRANSACTIONS))::NUMBER(38, 6)
            ),
            2
        ),
        LAST_UPDATED = src.LAST_UPDATED
    WHEN NOT MATCHED THEN INSERT (
        BUSINESS_DATE, STORE_ID, CURRENCY, GROSS_SALES, REFUNDS, NET_SALES, TRANSACTIONS, UNITS, CANCELED_LINES,
        AVG_BASKET, LAST_UPDATED
    ) VALUES (
        src.BUSINESS_DATE, src.STORE_ID, src.CURRENCY, src.GROSS_SALES, src.REFUNDS, src.NET_SALES,
        src.TRANSACTIONS, src.UNITS, src.CANCELED_LINES,
        ROUND(IFF(src.TRANSACTIONS = 0, 0, (src.GROSS_SALES / src.TRANSACTIONS)::NUMBER(38, 6)), 2), src.LAST_UPDATED
    );

    INSERT INTO {{ database }}.OPS.PIPELINE_RUN_LOG (
        RUN_ID, PROCEDURE_NAME, STARTED_AT, FINISHED_AT, DURATION_MS, STATUS, ROWS_READ, ROWS_ACCEPTED,
        ROWS_REJECTED, ROWS_DUPLICATE, ROWS_WRITTEN, ERROR_MESSAGE, ERROR_SQLSTATE
    )
    SELECT
        :run_id,
        'GOLD.UPDATE_DAILY_SUMMARY',
        :started_at,
        CURRENT_TIMESTAMP(),
        DATEDIFF(MILLISECOND, :started_at, CURRENT_TIMESTAMP()),
        'SUCCEEDED',
        :rows_read,
        :rows_read,
        0,
        0,
        :rows_written,
        NULL,
        NULL;

    COMMIT;
    RETURN OBJECT_CONSTRUCT('run_id', run_id, 'rows_read', rows_read, 'rows_written', rows_written);
EXCEPTION
    WHEN OTHER THEN
        ROLLBACK;
        error_message := SQLERRM;
        error_sqlstate := SQLSTATE;
        INSERT INTO {{ database }}.OPS.PIPELINE_RUN_LOG (
            RUN_ID, PROCEDURE_NAME, STARTED_AT, FINISHED_AT, DURATION_MS, STATUS, ERROR_MESSAGE, ERROR_SQLSTATE
        )
        SELECT
            :run_id,
            'GOLD.UPDATE_DAILY_SUMMARY',
            :started_at,
            CURRENT_TIMESTAMP(),
            DATEDIFF(MILLISECOND, :started_at, CURRENT_TIMESTAMP()),
            'FAILED',
            LEFT(:error_message, 4000),
            :error_sqlstate;
        RAISE;
END;
$$;

GRANT OWNERSHIP ON PROCEDURE {{ database }}.GOLD.UPDATE_DAILY_SUMMARY() TO ROLE {{ transform_role }} COPY CURRENT GRANTS;
