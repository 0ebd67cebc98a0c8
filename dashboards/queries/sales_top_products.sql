-- Best sellers for the filter, from Silver line items (non-canceled lines, before refunds, which
-- the POS records per transaction, not per product). The last parameter is how many to keep.
SELECT
    l.PRODUCT_ID,
    p.PRODUCT_NAME,
    p.CATEGORY,
    SUM(l.QUANTITY) AS UNITS,
    SUM(l.LINE_AMOUNT) AS SALES
FROM SILVER.RETAIL_POS_PROCESSED AS l
INNER JOIN SILVER.DIM_STORE AS s ON l.STORE_ID = s.STORE_ID
INNER JOIN SILVER.DIM_PRODUCT AS p ON l.PRODUCT_ID = p.PRODUCT_ID
WHERE
    NOT COALESCE(s.IS_CANARY, FALSE)  -- the verify canary's store (V40)
    AND NOT l.CANCELED
    AND l.BUSINESS_DATE BETWEEN ? AND ?
    AND l.CURRENCY = ?
    AND (? IS NULL OR s.CITY = ?)
    AND (? IS NULL OR l.STORE_ID = ?)
GROUP BY l.PRODUCT_ID, p.PRODUCT_NAME, p.CATEGORY
QUALIFY ROW_NUMBER() OVER (ORDER BY SUM(l.LINE_AMOUNT) DESC, l.PRODUCT_ID) <= ?
ORDER BY SALES DESC, l.PRODUCT_ID
