-- Kinesis arrival to Silver, in seconds, for the transactions accepted inside the window.
SELECT
    COUNT(*) AS TRANSACTIONS,
    MEDIAN(LATENCY_MS) / 1000 AS P50_SECONDS,
    PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY LATENCY_MS) / 1000 AS P95_SECONDS,
    MAX(LATENCY_MS) / 1000 AS MAX_SECONDS
FROM (
    SELECT
        DATEDIFF(
            'MILLISECOND',
            KINESIS_ARRIVAL_AT,
            CONVERT_TIMEZONE('UTC', PROCESSED_AT)::TIMESTAMP_NTZ
        ) AS LATENCY_MS
    FROM {{ database }}.SILVER.RETAIL_POS_PROCESSED
    WHERE
        LINE_NUMBER = 1
        AND KINESIS_ARRIVAL_AT IS NOT NULL
        AND PROCESSED_AT >= %(window_start)s::TIMESTAMP_TZ
        AND PROCESSED_AT < %(window_end)s::TIMESTAMP_TZ
)
