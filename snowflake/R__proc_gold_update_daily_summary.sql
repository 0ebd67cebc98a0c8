-- Silver line items -> GOLD.DAILY_SALES_SUMMARY, in one transaction over its own stream.
-- Transaction-level amounts (TOTAL_AMOUNT, REFUND_AMOUNT) are repeated on each line of a
-- transaction, so they are counted once, on LINE_NUMBER = 1. A whole transaction always arrives in
-- one stream delta (it is inserted by one statement), and late events simply add to the row of
-- their own (earlier) business date. The new totals of each touched day are computed once, in the
-- MERGE's source (the day's row so far plus the stream's lines), and both branches write them.
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
    source_rows_seen NUMBER DEFAULT NULL;
    rows_read NUMBER DEFAULT 0;
    rows_written NUMBER DEFAULT 0;
    error_message VARCHAR DEFAULT '';
    error_sqlstate VARCHAR DEFAULT '';
BEGIN
    BEGIN TRANSACTION;

    -- Silver rows as of this transaction, for OPS.STREAM_BACKLOG (COUNT(*) of a table is metadata).
    source_rows_seen := (SELECT COUNT(*) FROM {{ database }}.SILVER.RETAIL_POS_PROCESSED);
    rows_read := (SELECT COUNT(*) FROM {{ database }}.SILVER.PROCESSED_FOR_GOLD_STREAM);

    -- The DML that consumes the stream (at COMMIT).
    -- AVG_BASKET = GROSS_SALES / TRANSACTIONS rounded once, half away from zero, to cents. A
    -- fixed-point division rounds on its own ("If the result of the division operation exceeds
    -- the output scale, Snowflake rounds the output", Arithmetic operators), so rounding its
    -- result again could move a basket by a cent; instead whole cents and their remainder (MOD)
    -- are computed exactly (the division is exact: the cents minus the remainder are a multiple
    -- of TRANSACTIONS, so ::NUMBER(38, 0) only types the whole quotient), and the remainder decides
    -- the last cent.
    MERGE INTO {{ database }}.GOLD.DAILY_SALES_SUMMARY AS tgt
    USING (
        SELECT
            totals.*,
            IFF(
                totals.TRANSACTIONS = 0,
                0,
                (
                    ((totals.GROSS_CENTS - MOD(totals.GROSS_CENTS, totals.TRANSACTIONS)) / totals.TRANSACTIONS)::NUMBER(38, 0)
                    + IFF(
                        2 * ABS(MOD(totals.GROSS_CENTS, totals.TRANSACTIONS)) >= totals.TRANSACTIONS,
                        SIGN(totals.GROSS_CENTS),
                        0
                    )
                ) * 0.01
            ) AS AVG_BASKET
        FROM (
            SELECT
                day.BUSINESS_DATE,
                day.STORE_ID,
                day.CURRENCY,
                COALESCE(so_far.GROSS_SALES, 0) + day.GROSS_SALES AS GROSS_SALES,
                COALESCE(so_far.REFUNDS, 0) + day.REFUNDS AS REFUNDS,
                COALESCE(so_far.NET_SALES, 0) + day.NET_SALES AS NET_SALES,
                COALESCE(so_far.TRANSACTIONS, 0) + day.TRANSACTIONS AS TRANSACTIONS,
                COALESCE(so_far.UNITS, 0) + day.UNITS AS UNITS,
                COALESCE(so_far.CANCELED_LINES, 0) + day.CANCELED_LINES AS CANCELED_LINES,
                (COALESCE(so_far.GROSS_SALES, 0) + day.GROSS_SALES) * 100 AS GROSS_CENTS,
                CURRENT_TIMESTAMP() AS LAST_UPDATED
            FROM (
                SELECT
                    line.BUSINESS_DATE,
                    line.STORE_ID,
                    MAX(line.CURRENCY) AS CURRENCY,
                    SUM(IFF(line.LINE_NUMBER = 1, line.TOTAL_AMOUNT, 0)) AS GROSS_SALES,
                    SUM(IFF(line.LINE_NUMBER = 1, line.REFUND_AMOUNT, 0)) AS REFUNDS,
                    SUM(IFF(line.LINE_NUMBER = 1, line.TOTAL_AMOUNT - line.REFUND_AMOUNT, 0)) AS NET_SALES,
                    COUNT_IF(line.LINE_NUMBER = 1) AS TRANSACTIONS,
                    SUM(IFF(line.CANCELED, 0, line.QUANTITY)) AS UNITS,
                    COUNT_IF(line.CANCELED) AS CANCELED_LINES
                FROM {{ database }}.SILVER.PROCESSED_FOR_GOLD_STREAM AS line
                GROUP BY line.BUSINESS_DATE, line.STORE_ID
            ) AS day
            LEFT OUTER JOIN {{ database }}.GOLD.DAILY_SALES_SUMMARY AS so_far
                ON day.BUSINESS_DATE = so_far.BUSINESS_DATE AND day.STORE_ID = so_far.STORE_ID
        ) AS totals
    ) AS src
        ON tgt.BUSINESS_DATE = src.BUSINESS_DATE AND tgt.STORE_ID = src.STORE_ID
    WHEN MATCHED THEN UPDATE SET
        GROSS_SALES = src.GROSS_SALES,
        REFUNDS = src.REFUNDS,
        NET_SALES = src.NET_SALES,
        TRANSACTIONS = src.TRANSACTIONS,
        UNITS = src.UNITS,
        CANCELED_LINES = src.CANCELED_LINES,
        AVG_BASKET = src.AVG_BASKET,
        LAST_UPDATED = src.LAST_UPDATED
    WHEN NOT MATCHED THEN INSERT (
        BUSINESS_DATE, STORE_ID, CURRENCY, GROSS_SALES, REFUNDS, NET_SALES, TRANSACTIONS, UNITS, CANCELED_LINES,
        AVG_BASKET, LAST_UPDATED
    ) VALUES (
        src.BUSINESS_DATE, src.STORE_ID, src.CURRENCY, src.GROSS_SALES, src.REFUNDS, src.NET_SALES,
        src.TRANSACTIONS, src.UNITS, src.CANCELED_LINES, src.AVG_BASKET, src.LAST_UPDATED
    );
    -- One Gold row inserted or updated per (business date, store) in the delta.
    rows_written := SQLROWCOUNT;

    INSERT INTO {{ database }}.OPS.PIPELINE_RUN_LOG (
        RUN_ID, PROCEDURE_NAME, STARTED_AT, FINISHED_AT, DURATION_MS, STATUS, ROWS_READ, ROWS_ACCEPTED,
        ROWS_REJECTED, ROWS_DUPLICATE, ROWS_WRITTEN, ERROR_MESSAGE, ERROR_SQLSTATE, SOURCE_ROWS_SEEN
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
        NULL,
        :source_rows_seen;

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
