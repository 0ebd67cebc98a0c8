-- Per accepted transaction: when the POS stamped it, when it reached Kinesis, and which run
-- accepted it.
SELECT
    TRANSACTION_ID,
    MIN(EVENT_TS_UTC) AS SOLD_AT,
    MIN(KINESIS_ARRIVAL_AT) AS ARRIVED_AT,
    MIN(RUN_ID) AS RUN_ID
FROM {{ database }}.SILVER.RETAIL_POS_PROCESSED
GROUP BY TRANSACTION_ID
