-- Rows waiting in each stream, for the read-only dashboard role, which may not read BRONZE or the
-- streams themselves: the view runs with its owner's privileges and exposes only counts.
-- Each stream is append-only on an insert-only table and was created with that table, and every
-- successful consumer run logs the stream rows it read (OPS.PIPELINE_RUN_LOG.ROWS_READ), so
-- waiting = rows in the source - rows consumed. The same SELECT runs on the local warehouse, which
-- has no SELECT over streams. (The health monitor counts the streams directly; see
-- lambdas/snowflake_monitor/sql/backlog_*.sql.)
CREATE OR REPLACE VIEW {{ database }}.OPS.STREAM_BACKLOG
COPY GRANTS
AS (
    WITH CONSUMED AS (
        SELECT
            PROCEDURE_NAME,
            SUM(ROWS_READ) AS ROWS_CONSUMED,
            MAX(FINISHED_AT) AS LAST_CONSUMED_AT
        FROM {{ database }}.OPS.PIPELINE_RUN_LOG
        WHERE STATUS = 'SUCCEEDED'
        GROUP BY PROCEDURE_NAME
    ),

    SOURCES AS (
        SELECT
            1 AS HOP,
            'BRONZE.JSON_RAW_DATA_STREAM' AS STREAM_NAME,
            'SILVER.PROCESS_RAW_POS' AS CONSUMER,
            COUNT(*) AS SOURCE_ROWS
        FROM {{ database }}.BRONZE.JSON_RAW_DATA
        UNION ALL
        SELECT
            2 AS HOP,
            'SILVER.PROCESSED_FOR_INVENTORY_STREAM' AS STREAM_NAME,
            'SILVER.UPDATE_INVENTORY' AS CONSUMER,
            COUNT(*) AS SOURCE_ROWS
        FROM {{ database }}.SILVER.RETAIL_POS_PROCESSED
        UNION ALL
        SELECT
            3 AS HOP,
            'SILVER.PROCESSED_FOR_GOLD_STREAM' AS STREAM_NAME,
            'GOLD.UPDATE_DAILY_SUMMARY' AS CONSUMER,
            COUNT(*) AS SOURCE_ROWS
        FROM {{ database }}.SILVER.RETAIL_POS_PROCESSED
    )

    SELECT
        S.HOP,
        S.STREAM_NAME,
        S.CONSUMER,
        S.SOURCE_ROWS,
        COALESCE(C.ROWS_CONSUMED, 0) AS ROWS_CONSUMED,
        S.SOURCE_ROWS - COALESCE(C.ROWS_CONSUMED, 0) AS ROWS_WAITING,
        C.LAST_CONSUMED_AT
    FROM SOURCES AS S
    LEFT JOIN CONSUMED AS C ON S.CONSUMER = C.PROCEDURE_NAME
);

GRANT SELECT ON VIEW {{ database }}.OPS.STREAM_BACKLOG TO ROLE {{ dashboard_role }};
