-- Transaction ids of rejected records that a redrive later put in Silver.
SELECT DISTINCT TRANSACTION_ID
FROM {{ database }}.SILVER.RETAIL_POS_REDRIVE_OUTCOME
WHERE OUTCOME = 'ACCEPTED' AND TRANSACTION_ID IS NOT NULL
