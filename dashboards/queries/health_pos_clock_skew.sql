-- How far the POS clocks are from Kinesis arrival, over the lookback window (parameter: hours):
-- per accepted transaction, Kinesis arrival minus the sale time the POS stamped (send delay plus
-- the POS clock's offset; negative when a POS clock runs ahead). Shown apart from the latency,
-- which starts at arrival and so does not depend on any POS clock.
SELECT
    COUNT(*) AS TRANSACTIONS,
    MEDIAN(DATEDIFF('MILLISECOND', EVENT_TS_UTC, KINESIS_ARRIVAL_AT)) / 1000 AS P50_SKEW_S,
    MIN(DATEDIFF('MILLISECOND', EVENT_TS_UTC, KINESIS_ARRIVAL_AT)) / 1000 AS MIN_SKEW_S,
    MAX(DATEDIFF('MILLISECOND', EVENT_TS_UTC, KINESIS_ARRIVAL_AT)) / 1000 AS MAX_SKEW_S
FROM SILVER.RETAIL_POS_PROCESSED
WHERE
    LINE_NUMBER = 1
    AND KINESIS_ARRIVAL_AT IS NOT NULL
    AND PROCESSED_AT >= DATEADD('HOUR', -?, CURRENT_TIMESTAMP())
