-- The online shop's funnel per UTC day and product: product views, adds to cart and checkouts,
-- and the step rates (NULL where the step before had none). Page views carry no product and
-- are counted apart. A view over SILVER.CLICKSTREAM_EVENTS: always equal to a recomputation.
CREATE OR REPLACE VIEW {{ database }}.GOLD.ONLINE_FUNNEL_DAILY
COPY GRANTS
COMMENT = 'Online funnel per day and product: views -> add to cart -> checkout'
AS (
    SELECT
        EVENT_DATE,
        PRODUCT_ID,
        SUM(IFF(EVENT_TYPE = 'product_view', 1, 0)) AS PRODUCT_VIEWS,
        SUM(IFF(EVENT_TYPE = 'add_to_cart', 1, 0)) AS ADDS_TO_CART,
        SUM(IFF(EVENT_TYPE = 'checkout', 1, 0)) AS CHECKOUTS,
        COUNT(DISTINCT SESSION_ID) AS SESSIONS,
        ROUND(
            SUM(IFF(EVENT_TYPE = 'add_to_cart', 1, 0)) / NULLIF(SUM(IFF(EVENT_TYPE = 'product_view', 1, 0)), 0), 4
        ) AS VIEW_TO_CART_RATE,
        ROUND(
            SUM(IFF(EVENT_TYPE = 'checkout', 1, 0)) / NULLIF(SUM(IFF(EVENT_TYPE = 'add_to_cart', 1, 0)), 0), 4
        ) AS CART_TO_CHECKOUT_RATE
    FROM {{ database }}.SILVER.CLICKSTREAM_EVENTS
    WHERE PRODUCT_ID IS NOT NULL
    GROUP BY EVENT_DATE, PRODUCT_ID
);

GRANT SELECT ON VIEW {{ database }}.GOLD.ONLINE_FUNNEL_DAILY TO ROLE {{ dashboard_role }};
