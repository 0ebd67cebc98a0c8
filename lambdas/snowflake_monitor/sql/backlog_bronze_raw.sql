-- Bronze rows waiting for SILVER.PROCESS_RAW_POS: in the stream, or already in its queue and not
-- processed yet; and when the oldest of them reached Bronze (UTC). A SELECT never consumes a
-- stream (only committed DML does). IngestionTime is not documented by AWS (epoch milliseconds
-- as observed): TRY_TO_NUMBER leaves the oldest time unknown rather than fail if it is a string
-- that is not a number.
SELECT
    COUNT(*) AS ROWS_WAITING,
    MIN(TO_TIMESTAMP_NTZ(TRY_TO_NUMBER(WAITING.RECORD_METADATA:IngestionTime::STRING), 3)) AS OLDEST_WAITING_AT
FROM (
    SELECT RECORD_METADATA FROM {{ database }}.BRONZE.JSON_RAW_DATA_STREAM
    UNION ALL
    SELECT RECORD_METADATA FROM {{ database }}.SILVER.PROCESS_RAW_POS_QUEUE
) AS WAITING
