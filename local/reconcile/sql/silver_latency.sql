-- Per accepted transaction: when it reached Kinesis and which run accepted it.
SELECT
    TRANSACTION_ID,
    MIN(KINESIS_ARRIVAL_AT) AS ARRIVED_AT,
    MIN(RUN_ID) AS RUN_ID
FROM {{ database }}.SILVER.RETAIL_POS_PROCESSED
GROUP BY TRANSACTION_ID
