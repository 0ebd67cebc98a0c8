-- First and last business date with sales: the default date range ends at the latest one.
SELECT
    MIN(BUSINESS_DATE) AS FIRST_DATE,
    MAX(BUSINESS_DATE) AS LAST_DATE
FROM GOLD.DAILY_SALES_SUMMARY
