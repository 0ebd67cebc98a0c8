-- Silver line items waiting for SILVER.UPDATE_INVENTORY, and when the oldest was processed (UTC).
-- A SELECT never consumes a stream (only committed DML does).
SELECT
    COUNT(*) AS ROWS_WAITING,
    MIN(CONVERT_TIMEZONE('UTC', PROCESSED_AT)::TIMESTAMP_NTZ) AS OLDEST_WAITING_AT
FROM {{ database }}.SILVER.PROCESSED_FOR_INVENTORY_STREAM
