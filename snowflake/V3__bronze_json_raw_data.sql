-- Firehose's Snowflake destination writes here with VARIANT_CONTENT_AND_METADATA_MAPPING.
-- Snowpipe Streaming forbids DEFAULT, IDENTITY/AUTOINCREMENT and collation, so the table has only
-- the two columns. Never CREATE OR REPLACE it: that would make every stream on it stale.
CREATE TABLE IF NOT EXISTS {{ database }}.BRONZE.JSON_RAW_DATA (
    RECORD_CONTENT VARIANT COMMENT 'Transform envelope: payload (or raw) plus meta tags',
    RECORD_METADATA VARIANT COMMENT 'Firehose metadata: Kinesis stream, shard, sequence number'
)
COMMENT = 'Bronze: one row per Firehose record, insert-only';
