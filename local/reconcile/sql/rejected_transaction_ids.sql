-- Transaction ids of rejected records that had a readable one.
SELECT DISTINCT TRANSACTION_ID
FROM {{ database }}.SILVER.RETAIL_POS_REJECTED
WHERE TRANSACTION_ID IS NOT NULL
