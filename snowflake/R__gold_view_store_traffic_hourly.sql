-- Store traffic per store-local hour from the door counters (visitors = the sum of door_count
-- readings, each the visitors since the counter's previous reading), beside the transactions
-- Silver accepted in that hour and the conversion rate (transactions / visitors; NULL without
-- visitors). A view over Silver: it always equals a recomputation from Silver, with no task or
-- stream between them. Hours are the store's local time, like Gold's business date.
CREATE OR REPLACE VIEW {{ database }}.GOLD.STORE_TRAFFIC_HOURLY
COPY GRANTS
COMMENT = 'Visitors (door counters), transactions and conversion per store and local hour'
AS (
    WITH VISITS AS (
        SELECT
            reading.STORE_ID,
            DATE_TRUNC('HOUR', CONVERT_TIMEZONE('UTC', store.TIME_ZONE, reading.EVENT_TS_UTC)) AS LOCAL_HOUR,
            SUM(reading.VALUE) AS VISITORS
        FROM {{ database }}.SILVER.IOT_READINGS AS reading
        INNER JOIN {{ database }}.SILVER.DIM_STORE AS store ON reading.STORE_ID = store.STORE_ID
        WHERE reading.MEASURE = 'door_count'
        GROUP BY 1, 2
    ),

    SALES AS (
        SELECT
            line.STORE_ID,
            DATE_TRUNC('HOUR', CONVERT_TIMEZONE('UTC', store.TIME_ZONE, line.EVENT_TS_UTC)) AS LOCAL_HOUR,
            COUNT(DISTINCT line.TRANSACTION_ID) AS TRANSACTIONS
        FROM {{ database }}.SILVER.RETAIL_POS_PROCESSED AS line
        INNER JOIN {{ database }}.SILVER.DIM_STORE AS store ON line.STORE_ID = store.STORE_ID
        GROUP BY 1, 2
    )

    SELECT
        COALESCE(VISITS.STORE_ID, SALES.STORE_ID) AS STORE_ID,
        COALESCE(VISITS.LOCAL_HOUR, SALES.LOCAL_HOUR) AS LOCAL_HOUR,
        COALESCE(VISITS.LOCAL_HOUR, SALES.LOCAL_HOUR)::DATE AS BUSINESS_DATE,
        COALESCE(VISITS.VISITORS, 0) AS VISITORS,
        COALESCE(SALES.TRANSACTIONS, 0) AS TRANSACTIONS,
        ROUND(COALESCE(SALES.TRANSACTIONS, 0) / NULLIF(VISITS.VISITORS, 0), 4) AS CONVERSION_RATE
    FROM VISITS
    FULL OUTER JOIN SALES ON VISITS.STORE_ID = SALES.STORE_ID AND VISITS.LOCAL_HOUR = SALES.LOCAL_HOUR
);

GRANT SELECT ON VIEW {{ database }}.GOLD.STORE_TRAFFIC_HOURLY TO ROLE {{ dashboard_role }};
