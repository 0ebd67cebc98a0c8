-- Every delivered Kinesis record's coordinates, to trace produced lines to Bronze.
SELECT DISTINCT
    RECORD_METADATA:kinesisStreamName::VARCHAR AS STREAM_NAME,
    RECORD_METADATA:kinesisShardId::VARCHAR AS SHARD_ID,
    RECORD_METADATA:kinesisSequenceNumber::VARCHAR AS SEQUENCE_NUMBER
FROM {{ database }}.BRONZE.JSON_RAW_DATA
