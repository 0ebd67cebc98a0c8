-- Rows waiting in each stream, as one plain SELECT that runs unchanged on Snowflake and on the
-- local warehouse (which has no SELECT over streams). Each stream is append-only on an insert-only
-- table and was created with that table, and every successful consumer run logs the stream rows it
-- read (OPS.PIPELINE_RUN_LOG.ROWS_READ), so: waiting = rows in the source - rows consumed.
WITH consumed AS (
    SELECT
        PROCEDURE_NAME,
        SUM(ROWS_READ) AS ROWS_CONSUMED,
        MAX(FINISHED_AT) AS LAST_CONSUMED_AT
    FROM OPS.PIPELINE_RUN_LOG
    WHERE STATUS = 'SUCCEEDED'
    GROUP BY PROCEDURE_NAME
),

sources AS (
    SELECT
        1 AS HOP,
        'BRONZE.JSON_RAW_DATA_STREAM' AS STREAM_NAME,
        'SILVER.PROCESS_RAW_POS' AS CONSUMER,
        COUNT(*) AS SOURCE_ROWS
    FROM BRONZE.JSON_RAW_DATA
    UNION ALL
    SELECT
        2 AS HOP,
        'SILVER.PROCESSED_FOR_INVENTORY_STREAM' AS STREAM_NAME,
        'SILVER.UPDATE_INVENTORY' AS CONSUMER,
        COUNT(*) AS SOURCE_ROWS
    FROM SILVER.RETAIL_POS_PROCESSED
    UNION ALL
    SELECT
        3 AS HOP,
        'SILVER.PROCESSED_FOR_GOLD_STREAM' AS STREAM_NAME,
        'GOLD.UPDATE_DAILY_SUMMARY' AS CONSUMER,
        COUNT(*) AS SOURCE_ROWS
    FROM SILVER.RETAIL_POS_PROCESSED
)

SELECT
    s.STREAM_NAME,
    s.CONSUMER,
    s.SOURCE_ROWS,
    COALESCE(c.ROWS_CONSUMED, 0) AS ROWS_CONSUMED,
    s.SOURCE_ROWS - COALESCE(c.ROWS_CONSUMED, 0) AS ROWS_WAITING,
    c.LAST_CONSUMED_AT
FROM sources AS s
LEFT JOIN consumed AS c ON s.CONSUMER = c.PROCEDURE_NAME
ORDER BY s.HOP
