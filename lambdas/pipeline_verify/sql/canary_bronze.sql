-- Bronze rows of one canary run (the prefix is CANARY-<run id>- and a LIKE wildcard).
SELECT RECORD_CONTENT:payload:transaction_id::STRING AS TRANSACTION_ID
FROM {{ database }}.BRONZE.JSON_RAW_DATA
WHERE RECORD_CONTENT:payload:transaction_id::STRING LIKE %(prefix)s
