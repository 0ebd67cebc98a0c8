-- The Kinesis records that arrived in one window (by their Kinesis arrival time, which the
-- transform copies into meta.kinesis.arrival_ms), each counted once however many times Firehose
-- delivered it, and where each went: its content is in Silver (accepted, or a copy of accepted
-- content), in REJECTED, or nowhere yet. Windows are [start_ms, end_ms) in epoch milliseconds.
-- Envelopes from before transform 1.1.0 carry no content_sha256 and count as having no place.
WITH ARRIVED AS (
    SELECT DISTINCT
        RECORD_CONTENT:meta:kinesis:shard::STRING AS SHARD_ID,
        RECORD_CONTENT:meta:kinesis:seq::STRING AS SEQUENCE_NUMBER,
        RECORD_CONTENT:meta:content_sha256::STRING AS RECORD_HASH
    FROM {{ database }}.BRONZE.JSON_RAW_DATA
    WHERE
        RECORD_CONTENT:meta:kinesis:arrival_ms::NUMBER >= %(start_ms)s
        AND RECORD_CONTENT:meta:kinesis:arrival_ms::NUMBER < %(end_ms)s
),

SILVER_HASHES AS (
    SELECT DISTINCT CONTENT_HASH AS RECORD_HASH
    FROM {{ database }}.SILVER.RETAIL_POS_PROCESSED
    WHERE CONTENT_HASH IN (SELECT ARRIVED.RECORD_HASH FROM ARRIVED)
),

REJECTED_HASHES AS (
    SELECT DISTINCT RECORD_HASH
    FROM {{ database }}.SILVER.RETAIL_POS_REJECTED
    WHERE RECORD_HASH IN (SELECT ARRIVED.RECORD_HASH FROM ARRIVED)
)

SELECT
    COUNT(*) AS BRONZE_RECORDS,
    COUNT(DISTINCT ARRIVED.RECORD_HASH) AS DISTINCT_CONTENTS,
    COUNT(SILVER_HASHES.RECORD_HASH) AS IN_SILVER,
    COUNT(REJECTED_HASHES.RECORD_HASH) AS IN_REJECTED,
    COUNT_IF(SILVER_HASHES.RECORD_HASH IS NULL AND REJECTED_HASHES.RECORD_HASH IS NULL) AS NO_PLACE
FROM ARRIVED
LEFT OUTER JOIN SILVER_HASHES ON ARRIVED.RECORD_HASH = SILVER_HASHES.RECORD_HASH
LEFT OUTER JOIN REJECTED_HASHES ON ARRIVED.RECORD_HASH = REJECTED_HASHES.RECORD_HASH
