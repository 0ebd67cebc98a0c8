-- The canary store (V40): where `pos verify` and the scheduled canary send their synthetic sales.
-- UTC, so a canary sale's business date is its UTC date. The POS producer never sends this id.
MERGE INTO {{ database }}.SILVER.DIM_STORE AS TGT
USING (
    SELECT
        'CANARY' AS STORE_ID,
        'Verification canary' AS CITY,
        'UTC' AS TIME_ZONE,
        'ZZ' AS COUNTRY,
        'USD' AS CURRENCY,
        '2026-01-01'::DATE AS OPENED_ON
) AS SRC
    ON TGT.STORE_ID = SRC.STORE_ID
WHEN MATCHED THEN
    UPDATE SET IS_CANARY = TRUE
WHEN NOT MATCHED THEN
    INSERT (STORE_ID, CITY, TIME_ZONE, COUNTRY, CURRENCY, OPENED_ON, IS_CANARY)
    VALUES (SRC.STORE_ID, SRC.CITY, SRC.TIME_ZONE, SRC.COUNTRY, SRC.CURRENCY, SRC.OPENED_ON, TRUE);
