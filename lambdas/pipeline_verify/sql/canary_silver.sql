-- Canary transactions in Silver for the canary store and business date: the run's own (prefix)
-- and every transaction of that store and date (what Gold must count).
SELECT
    TRANSACTION_ID,
    BUSINESS_DATE
FROM {{ database }}.SILVER.RETAIL_POS_PROCESSED
WHERE
    STORE_ID = %(store)s
    AND BUSINESS_DATE = %(business_date)s
    AND LINE_NUMBER = 1
