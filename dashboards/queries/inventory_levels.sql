-- Stock per store and product with its movement figures. Parameters: run-rate window in days
-- (three times: window, divisor, divisor), store (NULL = all, twice), category (NULL = all, twice).
-- Sell-through = units sold / opening stock. Days of cover = on hand / average daily units sold
-- over the window (store-local business dates, today included); NULL when nothing sold lately.
WITH recent_sales AS (
    SELECT
        STORE_ID,
        PRODUCT_ID,
        SUM(QUANTITY) AS RECENT_UNITS
    FROM SILVER.RETAIL_POS_PROCESSED
    WHERE
        NOT CANCELED
        AND BUSINESS_DATE > DATEADD('DAY', -?, CURRENT_DATE())
    GROUP BY STORE_ID, PRODUCT_ID
)

SELECT
    i.STORE_ID,
    s.CITY,
    i.PRODUCT_ID,
    p.PRODUCT_NAME,
    p.CATEGORY,
    i.INITIAL_STOCK,
    i.UNITS_SOLD,
    i.ON_HAND,
    i.REORDER_POINT,
    i.ON_HAND <= i.REORDER_POINT AS AT_OR_BELOW_REORDER,
    DIV0(i.UNITS_SOLD, i.INITIAL_STOCK) AS SELL_THROUGH,
    COALESCE(r.RECENT_UNITS, 0) / ? AS DAILY_RUN_RATE,
    IFF(COALESCE(r.RECENT_UNITS, 0) = 0, NULL, i.ON_HAND / (r.RECENT_UNITS / ?)) AS DAYS_OF_COVER,
    i.LAST_MOVEMENT_AT
FROM SILVER.INVENTORY AS i
INNER JOIN SILVER.DIM_STORE AS s ON i.STORE_ID = s.STORE_ID
INNER JOIN SILVER.DIM_PRODUCT AS p ON i.PRODUCT_ID = p.PRODUCT_ID
LEFT JOIN recent_sales AS r ON i.STORE_ID = r.STORE_ID AND i.PRODUCT_ID = r.PRODUCT_ID
WHERE
    (? IS NULL OR i.STORE_ID = ?)
    AND (? IS NULL OR p.CATEGORY = ?)
ORDER BY AT_OR_BELOW_REORDER DESC, DAYS_OF_COVER ASC NULLS LAST, i.STORE_ID, i.PRODUCT_ID
