-- Terminal errors (ERROR and FATAL log lines) and warnings per store and register over the last
-- ? hours of store-local time ending now, for one store or all (a bound NULL).
SELECT
    e.STORE_ID,
    s.CITY,
    e.REGISTER_ID,
    SUM(e.ERRORS) AS ERRORS,
    SUM(e.WARNINGS) AS WARNINGS,
    MAX(IFF(e.ERRORS > 0, e.LOCAL_HOUR, NULL)) AS LAST_ERROR_HOUR
FROM GOLD.TERMINAL_ERRORS_HOURLY AS e
INNER JOIN SILVER.DIM_STORE AS s ON e.STORE_ID = s.STORE_ID
WHERE
    e.LOCAL_HOUR >= DATEADD(
        HOUR, -?, CONVERT_TIMEZONE('UTC', s.TIME_ZONE, CONVERT_TIMEZONE('UTC', CURRENT_TIMESTAMP())::TIMESTAMP_NTZ)
    )
    AND (? IS NULL OR e.STORE_ID = ?)
GROUP BY e.STORE_ID, s.CITY, e.REGISTER_ID
ORDER BY ERRORS DESC, e.STORE_ID, e.REGISTER_ID
