-- First and last business date with sales: the default date range ends at the latest one.
SELECT
    MIN(BUSINESS_DATE) AS FIRST_DATE,
    MAX(BUSINESS_DATE) AS LAST_DATE
FROM GOLD.DAILY_SALES_SUMMARY
-- Not the verify canary's store (V40).
WHERE STORE_ID NOT IN (SELECT STORE_ID FROM SILVER.DIM_STORE WHERE IS_CANARY)
