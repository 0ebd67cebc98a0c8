-- Headline figures for the filter (dates, currency, city, store); a NULL city or store means all.
-- The average basket is recomputed from the sums, never averaged from daily averages.
SELECT
    COUNT(*) AS SUMMARY_ROWS,
    COALESCE(SUM(g.NET_SALES), 0) AS NET_SALES,
    COALESCE(SUM(g.GROSS_SALES), 0) AS GROSS_SALES,
    COALESCE(SUM(g.REFUNDS), 0) AS REFUNDS,
    COALESCE(SUM(g.TRANSACTIONS), 0) AS TRANSACTIONS,
    COALESCE(SUM(g.UNITS), 0) AS UNITS,
    COALESCE(SUM(g.CANCELED_LINES), 0) AS CANCELED_LINES,
    DIV0(COALESCE(SUM(g.GROSS_SALES), 0), COALESCE(SUM(g.TRANSACTIONS), 0)) AS AVG_BASKET
FROM GOLD.DAILY_SALES_SUMMARY AS g
INNER JOIN SILVER.DIM_STORE AS s ON g.STORE_ID = s.STORE_ID
WHERE
    NOT COALESCE(s.IS_CANARY, FALSE)  -- the verify canary's store (V40)
    AND g.BUSINESS_DATE BETWEEN ? AND ?
    AND g.CURRENCY = ?
    AND (? IS NULL OR s.CITY = ?)
    AND (? IS NULL OR g.STORE_ID = ?)
