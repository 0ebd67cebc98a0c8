-- Fridge readings above 8 C over the last ? hours of store-local time ending now, for one store
-- or all (a bound NULL), newest first.
SELECT
    x.STORE_ID,
    s.CITY,
    x.SENSOR_ID,
    x.LOCAL_TIME,
    x.TEMPERATURE_C
FROM GOLD.FRIDGE_EXCURSIONS AS x
INNER JOIN SILVER.DIM_STORE AS s ON x.STORE_ID = s.STORE_ID
WHERE
    x.LOCAL_TIME >= DATEADD(
        HOUR, -?, CONVERT_TIMEZONE('UTC', s.TIME_ZONE, CONVERT_TIMEZONE('UTC', CURRENT_TIMESTAMP())::TIMESTAMP_NTZ)
    )
    AND (? IS NULL OR x.STORE_ID = ?)
ORDER BY x.LOCAL_TIME DESC, x.STORE_ID, x.SENSOR_ID
