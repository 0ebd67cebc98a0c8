-- Consumed only by SILVER.PROCESS_RAW_POS. IF NOT EXISTS: recreating a stream resets its offset
-- and silently skips or replays Bronze rows.
CREATE STREAM IF NOT EXISTS {{ database }}.BRONZE.JSON_RAW_DATA_STREAM
ON TABLE {{ database }}.BRONZE.JSON_RAW_DATA
APPEND_ONLY = TRUE
COMMENT = 'New Bronze rows for SILVER.PROCESS_RAW_POS';
