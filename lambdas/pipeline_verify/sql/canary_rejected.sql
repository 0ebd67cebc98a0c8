-- REJECTED rows of one canary run, with the rules that failed.
SELECT
    TRANSACTION_ID,
    FAILED_RULES
FROM {{ database }}.SILVER.RETAIL_POS_REJECTED
WHERE TRANSACTION_ID LIKE %(prefix)s
