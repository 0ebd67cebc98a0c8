-- Rows waiting for each consumer, for the read-only dashboard role, which may not read BRONZE or
-- the streams themselves: the view runs with its owner's privileges and exposes only counts.
-- Every successful consumer run logs how many rows its stream's source table held when it
-- consumed the stream (OPS.PIPELINE_RUN_LOG.SOURCE_ROWS_SEEN). The sources are insert-only, so
-- waiting = rows in the source now - rows at the last consumption; counting consumed rows instead
-- would stay wrong for good once a stale stream is recreated (its new offset skips rows no run
-- ever reads). After such a recreation the view counts the skipped rows as waiting only until
-- the consumer's next run. ROWS_WAITING of the Bronze stream also counts the records
-- PROCESS_RAW_POS has taken into its queue and not processed yet (ROWS_QUEUED). Runs logged
-- before SOURCE_ROWS_SEEN existed fall back to the rows they read. The same SELECT runs on the
-- local warehouse. (The health monitor counts the streams directly; see
-- lambdas/snowflake_monitor/sql/backlog_*.sql.)
CREATE OR REPLACE VIEW {{ database }}.OPS.STREAM_BACKLOG
COPY GRANTS
AS (
    WITH CONSUMED AS (
        SELECT
            PROCEDURE_NAME,
            COALESCE(MAX(SOURCE_ROWS_SEEN), SUM(IFF(STATUS = 'SUCCEEDED', ROWS_READ, 0))) AS ROWS_CONSUMED,
            MAX(IFF(STATUS = 'SUCCEEDED', FINISHED_AT, NULL)) AS LAST_CONSUMED_AT
        FROM {{ database }}.OPS.PIPELINE_RUN_LOG
        GROUP BY PROCEDURE_NAME
    ),

    SOURCES AS (
        SELECT
            1 AS HOP,
            'BRONZE.JSON_RAW_DATA_STREAM' AS STREAM_NAME,
            'SILVER.PROCESS_RAW_POS' AS CONSUMER,
            (SELECT COUNT(*) FROM {{ database }}.BRONZE.JSON_RAW_DATA) AS SOURCE_ROWS,
            (SELECT COUNT(*) FROM {{ database }}.SILVER.PROCESS_RAW_POS_QUEUE) AS ROWS_QUEUED
        UNION ALL
        SELECT
            2 AS HOP,
            'SILVER.PROCESSED_FOR_INVENTORY_STREAM' AS STREAM_NAME,
            'SILVER.UPDATE_INVENTORY' AS CONSUMER,
            (SELECT COUNT(*) FROM {{ database }}.SILVER.RETAIL_POS_PROCESSED) AS SOURCE_ROWS,
            0 AS ROWS_QUEUED
        UNION ALL
        SELECT
            3 AS HOP,
            'SILVER.PROCESSED_FOR_GOLD_STREAM' AS STREAM_NAME,
            'GOLD.UPDATE_DAILY_SUMMARY' AS CONSUMER,
            (SELECT COUNT(*) FROM {{ database }}.SILVER.RETAIL_POS_PROCESSED) AS SOURCE_ROWS,
            0 AS ROWS_QUEUED
    )

    SELECT
        S.HOP,
        S.STREAM_NAME,
        S.CONSUMER,
        S.SOURCE_ROWS,
        COALESCE(C.ROWS_CONSUMED, 0) AS ROWS_CONSUMED,
        S.ROWS_QUEUED,
        GREATEST(S.SOURCE_ROWS - COALESCE(C.ROWS_CONSUMED, 0), 0) + S.ROWS_QUEUED AS ROWS_WAITING,
        C.LAST_CONSUMED_AT
    FROM SOURCES AS S
    LEFT JOIN CONSUMED AS C ON S.CONSUMER = C.PROCEDURE_NAME
);

GRANT SELECT ON VIEW {{ database }}.OPS.STREAM_BACKLOG TO ROLE {{ dashboard_role }};
