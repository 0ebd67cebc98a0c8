-- Canary records of earlier runs since a date, per run id: Silver's accepted sales and REJECTED's
-- bad records. An id reads CANARY-<run id>-<nnn>of<total> (sales) or CANARY-<run id>-B<n>of<total>
-- (bad records), so each run says how many it meant to send.
WITH CANARY_RECORDS AS (
    SELECT
        'silver' AS PLACE,
        TRANSACTION_ID
    FROM {{ database }}.SILVER.RETAIL_POS_PROCESSED
    WHERE
        STORE_ID = %(store)s
        AND BUSINESS_DATE >= %(since)s
        AND LINE_NUMBER = 1
        AND TRANSACTION_ID NOT LIKE %(prefix)s
    UNION ALL
    SELECT
        'rejected' AS PLACE,
        TRANSACTION_ID
    FROM {{ database }}.SILVER.RETAIL_POS_REJECTED
    WHERE
        TRANSACTION_ID LIKE 'CANARY-%%'
        AND TRANSACTION_ID NOT LIKE %(prefix)s
        AND REJECTED_AT >= %(since)s::TIMESTAMP_TZ
),

PARSED AS (
    SELECT
        PLACE,
        SPLIT_PART(TRANSACTION_ID, '-', 2) AS RUN_ID,
        SPLIT_PART(SPLIT_PART(TRANSACTION_ID, '-', 3), 'of', 2) AS TOTAL
    FROM CANARY_RECORDS
)

SELECT
    RUN_ID,
    PLACE,
    COUNT(*) AS RECORDS,
    MAX(TOTAL) AS TOTAL
FROM PARSED
GROUP BY RUN_ID, PLACE
ORDER BY RUN_ID, PLACE
