-- Consumed only by SILVER.PROCESS_RAW_CLICKSTREAM, which takes the clickstream records of each delta (every
-- consumer of Bronze has its own stream: a stream's offset moves for the one DML that consumes
-- it). IF NOT EXISTS: recreating a stream resets its offset and silently skips or replays rows.
CREATE STREAM IF NOT EXISTS {{ database }}.BRONZE.JSON_RAW_DATA_CLICKSTREAM_STREAM
ON TABLE {{ database }}.BRONZE.JSON_RAW_DATA
APPEND_ONLY = TRUE
COMMENT = 'New Bronze rows for SILVER.PROCESS_RAW_CLICKSTREAM';
