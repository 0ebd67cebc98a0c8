-- Fridge temperature excursions: readings above 8 degrees Celsius (chilled food is kept at 0-8 C;
-- the UK Food Standards Agency's limit for chilled food is 8 C), per store, sensor and reading,
-- in store-local time. A view over SILVER.IOT_READINGS: always equal to a recomputation.
CREATE OR REPLACE VIEW {{ database }}.GOLD.FRIDGE_EXCURSIONS
COPY GRANTS
COMMENT = 'Fridge readings above 8 C, per store and sensor'
AS (
    SELECT
        reading.STORE_ID,
        reading.SENSOR_ID,
        CONVERT_TIMEZONE('UTC', store.TIME_ZONE, reading.EVENT_TS_UTC) AS LOCAL_TIME,
        reading.VALUE AS TEMPERATURE_C
    FROM {{ database }}.SILVER.IOT_READINGS AS reading
    INNER JOIN {{ database }}.SILVER.DIM_STORE AS store ON reading.STORE_ID = store.STORE_ID
    WHERE reading.MEASURE = 'fridge_temp_c' AND reading.VALUE > 8
);

GRANT SELECT ON VIEW {{ database }}.GOLD.FRIDGE_EXCURSIONS TO ROLE {{ dashboard_role }};
