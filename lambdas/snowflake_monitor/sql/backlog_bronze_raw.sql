-- Bronze rows waiting for SILVER.PROCESS_RAW_POS, and when the oldest reached Bronze (UTC).
-- A SELECT never consumes a stream (only committed DML does).
SELECT
    COUNT(*) AS ROWS_WAITING,
    MIN(TO_TIMESTAMP_NTZ(RECORD_METADATA:IngestionTime::NUMBER, 3)) AS OLDEST_WAITING_AT
FROM {{ database }}.BRONZE.JSON_RAW_DATA_STREAM
