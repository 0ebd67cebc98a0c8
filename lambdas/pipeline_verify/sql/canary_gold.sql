-- The canary store's Gold row for the run's business date.
SELECT
    TRANSACTIONS,
    LAST_UPDATED
FROM {{ database }}.GOLD.DAILY_SALES_SUMMARY
WHERE
    STORE_ID = %(store)s
    AND BUSINESS_DATE = %(business_date)s
