-- Bronze rows waiting for SILVER.PROCESS_RAW_CLICKSTREAM (every kind: its stream shows all Bronze rows),
-- and when the oldest reached Bronze (UTC). A SELECT never consumes a stream. IngestionTime: see
-- backlog_bronze_raw.sql.
SELECT
    COUNT(*) AS ROWS_WAITING,
    MIN(TO_TIMESTAMP_NTZ(TRY_TO_NUMBER(RECORD_METADATA:IngestionTime::STRING), 3)) AS OLDEST_WAITING_AT
FROM {{ database }}.BRONZE.JSON_RAW_DATA_CLICKSTREAM_STREAM
