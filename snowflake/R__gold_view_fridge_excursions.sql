-- Fridge temperature excursions: readings above 8 degrees Celsius (chilled food is kept at 0-8 C;
-- the UK Food Standards Agency's limit for chilled food is 8 C), per store, sensor and reading,
-- in store-local time. A view over SILVER.IOT_READINGS: always equal to a recomputation.
CREATE OR REPLACE VIEW {{ database }}.GOLD.FRIDGE_EXCURSIONS
COPY GRANTS
COMMENT = 'Fridge readings above 8 C, per store and sensor'
AS (
    SELECT
        RD.STORE_ID,
        RD.SENSOR_ID,
        CONVERT_TIMEZONE('UTC', ST.TIME_ZONE, RD.EVENT_TS_UTC) AS LOCAL_TIME,
        RD.READING_VALUE AS TEMPERATURE_C
    FROM {{ database }}.SILVER.IOT_READINGS AS RD
    INNER JOIN {{ database }}.SILVER.DIM_STORE AS ST ON RD.STORE_ID = ST.STORE_ID
    WHERE RD.MEASURE = 'fridge_temp_c' AND RD.READING_VALUE > 8
);

GRANT SELECT ON VIEW {{ database }}.GOLD.FRIDGE_EXCURSIONS TO ROLE {{ dashboard_role }};
