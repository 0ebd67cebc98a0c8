-- Highest delivered sequence number per Kinesis stream and shard (a shard delivers in order).
SELECT
    RECORD_METADATA:kinesisStreamName::VARCHAR AS STREAM_NAME,
    RECORD_METADATA:kinesisShardId::VARCHAR AS SHARD_ID,
    MAX(RECORD_METADATA:kinesisSequenceNumber::NUMBER(38, 0)) AS MAX_SEQUENCE
FROM {{ database }}.BRONZE.JSON_RAW_DATA
GROUP BY
    RECORD_METADATA:kinesisStreamName::VARCHAR,
    RECORD_METADATA:kinesisShardId::VARCHAR
