-- Kinesis arrival to Gold latency per UTC hour over the lookback window (parameter: hours), per
-- accepted transaction: Kinesis arrival -> Silver (the accepting run's finish) -> Gold (the first
-- successful Gold run that started after that). Every figure starts at Kinesis arrival, which AWS
-- stamps: the POS's own sale time can be skewed and is compared with arrival apart
-- (health_pos_clock_skew.sql). Matching is done per run, not per row, so the cost follows the
-- number of runs. A Gold run starting in the instant between a Silver run's last statement and
-- its commit is credited, so Gold times can be one Gold run early.
WITH silver_runs AS (
    SELECT
        RUN_ID,
        CONVERT_TIMEZONE('UTC', FINISHED_AT)::TIMESTAMP_NTZ AS SILVER_AT
    FROM OPS.PIPELINE_RUN_LOG
    WHERE
        PROCEDURE_NAME = 'SILVER.PROCESS_RAW_POS'
        AND STATUS = 'SUCCEEDED'
        AND ROWS_ACCEPTED > 0
        AND STARTED_AT >= DATEADD('HOUR', -?, CURRENT_TIMESTAMP())
),

gold_runs AS (
    SELECT
        CONVERT_TIMEZONE('UTC', STARTED_AT)::TIMESTAMP_NTZ AS STARTED_UTC,
        CONVERT_TIMEZONE('UTC', FINISHED_AT)::TIMESTAMP_NTZ AS FINISHED_UTC
    FROM OPS.PIPELINE_RUN_LOG
    WHERE
        PROCEDURE_NAME = 'GOLD.UPDATE_DAILY_SUMMARY'
        AND STATUS = 'SUCCEEDED'
),

silver_to_gold AS (
    SELECT
        sr.RUN_ID,
        sr.SILVER_AT,
        MIN(gr.FINISHED_UTC) AS GOLD_AT
    FROM silver_runs AS sr
    LEFT JOIN gold_runs AS gr ON gr.STARTED_UTC >= sr.SILVER_AT
    GROUP BY sr.RUN_ID, sr.SILVER_AT
),

transactions AS (
    SELECT
        l.KINESIS_ARRIVAL_AT,
        sg.SILVER_AT,
        sg.GOLD_AT
    FROM SILVER.RETAIL_POS_PROCESSED AS l
    INNER JOIN silver_to_gold AS sg ON l.RUN_ID = sg.RUN_ID
    WHERE l.LINE_NUMBER = 1
)

SELECT
    DATE_TRUNC('HOUR', SILVER_AT) AS HOUR_UTC,
    COUNT(*) AS TRANSACTIONS,
    COUNT(GOLD_AT) AS IN_GOLD,
    MEDIAN(DATEDIFF('MILLISECOND', KINESIS_ARRIVAL_AT, SILVER_AT)) / 1000 AS P50_KINESIS_TO_SILVER_S,
    MEDIAN(DATEDIFF('MILLISECOND', SILVER_AT, GOLD_AT)) / 1000 AS P50_SILVER_TO_GOLD_S,
    MEDIAN(DATEDIFF('MILLISECOND', KINESIS_ARRIVAL_AT, GOLD_AT)) / 1000 AS P50_KINESIS_TO_GOLD_S,
    PERCENTILE_CONT(0.95) WITHIN GROUP (
        ORDER BY DATEDIFF('MILLISECOND', KINESIS_ARRIVAL_AT, GOLD_AT)
    ) / 1000 AS P95_KINESIS_TO_GOLD_S,
    MAX(DATEDIFF('MILLISECOND', KINESIS_ARRIVAL_AT, GOLD_AT)) / 1000 AS MAX_KINESIS_TO_GOLD_S
FROM transactions
WHERE KINESIS_ARRIVAL_AT IS NOT NULL
GROUP BY HOUR_UTC
ORDER BY HOUR_UTC
