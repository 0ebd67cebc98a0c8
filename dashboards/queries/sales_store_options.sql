-- Stores for the daily sales filters: currency first (amounts are never summed across
-- currencies), then city and store.
SELECT
    STORE_ID,
    CITY,
    CURRENCY
FROM SILVER.DIM_STORE
ORDER BY CURRENCY, CITY, STORE_ID
