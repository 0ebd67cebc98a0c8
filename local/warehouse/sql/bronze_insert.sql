-- One INSERT ... SELECT from the registered Arrow batch: the stream sees the batch atomically.
-- JSON() is what fakesnow turns PARSE_JSON into, so values are stored exactly as Snowflake SQL
-- inserting PARSE_JSON(...) would store them locally.
INSERT INTO {{ table }} (RECORD_CONTENT, RECORD_METADATA)
SELECT
    JSON(RECORD_CONTENT),
    JSON(RECORD_METADATA)
FROM {{ staging }}
