-- Store traffic beside the sales for the same filter (dates, currency, city, store): visitors
-- counted by the door counters and the transactions of the same store-local hours, and the
-- conversion rate over hours with visitors (a store without a door counter adds nothing).
SELECT
    COALESCE(SUM(t.VISITORS), 0) AS VISITORS,
    COALESCE(SUM(IFF(t.VISITORS > 0, t.TRANSACTIONS, 0)), 0) AS COUNTED_TRANSACTIONS,
    DIV0(
        COALESCE(SUM(IFF(t.VISITORS > 0, t.TRANSACTIONS, 0)), 0), COALESCE(SUM(t.VISITORS), 0)
    ) AS CONVERSION_RATE
FROM GOLD.STORE_TRAFFIC_HOURLY AS t
INNER JOIN SILVER.DIM_STORE AS s ON t.STORE_ID = s.STORE_ID
WHERE
    t.BUSINESS_DATE BETWEEN ? AND ?
    AND s.CURRENCY = ?
    AND (? IS NULL OR s.CITY = ?)
    AND (? IS NULL OR t.STORE_ID = ?)
