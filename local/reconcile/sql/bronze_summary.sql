-- Bronze rows, and distinct Firehose records among them (redeliveries share a record id).
SELECT
    COUNT(*) AS BRONZE_ROWS,
    COUNT(DISTINCT RECORD_CONTENT:meta:record_id::VARCHAR) AS BRONZE_RECORDS
FROM {{ database }}.BRONZE.JSON_RAW_DATA
