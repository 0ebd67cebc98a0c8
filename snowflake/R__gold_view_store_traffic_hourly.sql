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
            RD.STORE_ID,
            DATE_TRUNC('HOUR', CONVERT_TIMEZONE('UTC', ST.TIME_ZONE, RD.EVENT_TS_UTC)) AS LOCAL_HOUR,
            SUM(RD.READING_VALUE) AS VISITORS
        FROM {{ database }}.SILVER.IOT_READINGS AS RD
        INNER JOIN {{ database }}.SILVER.DIM_STORE AS ST ON RD.STORE_ID = ST.STORE_ID
        WHERE RD.MEASURE = 'door_count'
        GROUP BY 1, 2
    ),

    SALES AS (
        SELECT
            LN.STORE_ID,
            DATE_TRUNC('HOUR', CONVERT_TIMEZONE('UTC', ST.TIME_ZONE, LN.EVENT_TS_UTC)) AS LOCAL_HOUR,
            COUNT(DISTINCT LN.TRANSACTION_ID) AS TRANSACTIONS
        FROM {{ database }}.SILVER.RETAIL_POS_PROCESSED AS LN
        INNER JOIN {{ database }}.SILVER.DIM_STORE AS ST ON LN.STORE_ID = ST.STORE_ID
        -- The verification canary's sales are no business figure (docs/verify.md, V40).
        WHERE NOT COALESCE(ST.IS_CANARY, FALSE)
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
