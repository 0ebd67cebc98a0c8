-- The Kinesis records that arrived in one window (by their Kinesis arrival time, which the
-- transform copies into meta.kinesis.arrival_ms), each counted once however many times Firehose
-- delivered it, and where each went: its content is in its kind's Silver (accepted, or a copy of
-- accepted content), in its kind's dead letter, or nowhere yet. Windows are [start_ms, end_ms) in
-- epoch milliseconds.
-- Envelopes from before transform 1.1.0 carry no content_sha256 and count as having no place.
WITH ARRIVED AS (
    SELECT DISTINCT
        -- Firehose's metadata names the source stream (docs/contracts.md): a record's
        -- sequence number is unique only within its stream's shard.
        RECORD_METADATA:kinesisStreamName::STRING AS STREAM_NAME,
        RECORD_CONTENT:meta:kinesis:shard::STRING AS SHARD_ID,
        RECORD_CONTENT:meta:kinesis:seq::STRING AS SEQUENCE_NUMBER,
        RECORD_CONTENT:meta:content_sha256::STRING AS RECORD_HASH
    FROM {{ database }}.BRONZE.JSON_RAW_DATA
    WHERE
        RECORD_CONTENT:meta:kinesis:arrival_ms::NUMBER >= %(start_ms)s
        AND RECORD_CONTENT:meta:kinesis:arrival_ms::NUMBER < %(end_ms)s
),

-- Every kind's place (docs/contracts.md, event kinds): a sale's line items, the other kinds'
-- Silver tables, CDC's change log (applied, superseded and deletes of absent rows alike).
SILVER_HASHES AS (
    SELECT DISTINCT LANDED.RECORD_HASH
    FROM (
        SELECT CONTENT_HASH AS RECORD_HASH
        FROM {{ database }}.SILVER.RETAIL_POS_PROCESSED
        WHERE CONTENT_HASH IN (SELECT ARRIVED.RECORD_HASH FROM ARRIVED)
        UNION ALL
        SELECT CONTENT_HASH AS RECORD_HASH
        FROM {{ database }}.SILVER.CLICKSTREAM_EVENTS
        WHERE CONTENT_HASH IN (SELECT ARRIVED.RECORD_HASH FROM ARRIVED)
        UNION ALL
        SELECT CONTENT_HASH AS RECORD_HASH
        FROM {{ database }}.SILVER.IOT_READINGS
        WHERE CONTENT_HASH IN (SELECT ARRIVED.RECORD_HASH FROM ARRIVED)
        UNION ALL
        SELECT CONTENT_HASH AS RECORD_HASH
        FROM {{ database }}.SILVER.APP_LOG_EVENTS
        WHERE CONTENT_HASH IN (SELECT ARRIVED.RECORD_HASH FROM ARRIVED)
        UNION ALL
        SELECT CONTENT_HASH AS RECORD_HASH
        FROM {{ database }}.SILVER.DIM_CHANGE_LOG
        WHERE CONTENT_HASH IN (SELECT ARRIVED.RECORD_HASH FROM ARRIVED)
    ) AS LANDED
),

-- Every kind's dead letter, records of no known kind included.
REJECTED_HASHES AS (
    SELECT DISTINCT DEAD_LETTER.RECORD_HASH
    FROM (
        SELECT RECORD_HASH
        FROM {{ database }}.SILVER.RETAIL_POS_REJECTED
        WHERE RECORD_HASH IN (SELECT ARRIVED.RECORD_HASH FROM ARRIVED)
        UNION ALL
        SELECT RECORD_HASH
        FROM {{ database }}.SILVER.CLICKSTREAM_REJECTED
        WHERE RECORD_HASH IN (SELECT ARRIVED.RECORD_HASH FROM ARRIVED)
        UNION ALL
        SELECT RECORD_HASH
        FROM {{ database }}.SILVER.IOT_REJECTED
        WHERE RECORD_HASH IN (SELECT ARRIVED.RECORD_HASH FROM ARRIVED)
        UNION ALL
        SELECT RECORD_HASH
        FROM {{ database }}.SILVER.APP_LOG_REJECTED
        WHERE RECORD_HASH IN (SELECT ARRIVED.RECORD_HASH FROM ARRIVED)
        UNION ALL
        SELECT RECORD_HASH
        FROM {{ database }}.SILVER.CDC_REJECTED
        WHERE RECORD_HASH IN (SELECT ARRIVED.RECORD_HASH FROM ARRIVED)
        UNION ALL
        SELECT RECORD_HASH
        FROM {{ database }}.SILVER.UNCLASSIFIED_REJECTED
        WHERE RECORD_HASH IN (SELECT ARRIVED.RECORD_HASH FROM ARRIVED)
    ) AS DEAD_LETTER
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
