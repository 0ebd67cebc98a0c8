-- POS terminal errors per store, register and store-local hour: ERROR and FATAL log lines, and
-- WARN apart. A view over SILVER.APP_LOG_EVENTS: always equal to a recomputation.
CREATE OR REPLACE VIEW {{ database }}.GOLD.TERMINAL_ERRORS_HOURLY
COPY GRANTS
COMMENT = 'POS terminal errors and warnings per store, register and local hour'
AS (
    SELECT
        LG.STORE_ID,
        LG.REGISTER_ID,
        DATE_TRUNC('HOUR', CONVERT_TIMEZONE('UTC', ST.TIME_ZONE, LG.EVENT_TS_UTC)) AS LOCAL_HOUR,
        SUM(IFF(LG.LEVEL IN ('ERROR', 'FATAL'), 1, 0)) AS ERRORS,
        SUM(IFF(LG.LEVEL = 'WARN', 1, 0)) AS WARNINGS,
        COUNT(*) AS LOG_LINES
    FROM {{ database }}.SILVER.APP_LOG_EVENTS AS LG
    INNER JOIN {{ database }}.SILVER.DIM_STORE AS ST ON LG.STORE_ID = ST.STORE_ID
    GROUP BY 1, 2, 3
);

GRANT SELECT ON VIEW {{ database }}.GOLD.TERMINAL_ERRORS_HOURLY TO ROLE {{ dashboard_role }};
