-- Stores for the daily sales filters: currency first (amounts are never summed across
-- currencies), then city and store.
SELECT
    STORE_ID,
    CITY,
    CURRENCY
FROM SILVER.DIM_STORE
WHERE NOT COALESCE(IS_CANARY, FALSE)  -- the verify canary's store (V40)
ORDER BY CURRENCY, CITY, STORE_ID
