-- ISO 4217 minor units (ISO 4217 list one, "Minor unit") of the currencies the stores use and of
-- common ones a new store may bring. Upsert, so a correction re-applies; add a currency before a
-- store that uses it (a store currency missing here is checked against Silver's 2 decimals).
MERGE INTO {{ database }}.SILVER.DIM_CURRENCY AS TGT
USING (
    SELECT
        SEED_ROWS.CURRENCY_CODE,
        SEED_ROWS.CURRENCY_NAME,
        SEED_ROWS.MINOR_UNIT::NUMBER(1, 0) AS MINOR_UNIT
    FROM (
        VALUES
        ('USD', 'US Dollar', 2),
        ('EUR', 'Euro', 2),
        ('GBP', 'Pound Sterling', 2),
        ('JPY', 'Yen', 0),
        ('AUD', 'Australian Dollar', 2),
        ('CAD', 'Canadian Dollar', 2),
        ('CHF', 'Swiss Franc', 2),
        ('CNY', 'Yuan Renminbi', 2),
        ('SEK', 'Swedish Krona', 2),
        ('KRW', 'Won', 0),
        ('ISK', 'Iceland Krona', 0),
        ('KWD', 'Kuwaiti Dinar', 3),
        ('BHD', 'Bahraini Dinar', 3),
        ('OMR', 'Rial Omani', 3),
        ('JOD', 'Jordanian Dinar', 3),
        ('TND', 'Tunisian Dinar', 3)
    ) AS SEED_ROWS (CURRENCY_CODE, CURRENCY_NAME, MINOR_UNIT)
) AS SRC
    ON TGT.CURRENCY_CODE = SRC.CURRENCY_CODE
WHEN MATCHED THEN
    UPDATE SET
        CURRENCY_NAME = SRC.CURRENCY_NAME,
        MINOR_UNIT = SRC.MINOR_UNIT
WHEN NOT MATCHED THEN
    INSERT (CURRENCY_CODE, CURRENCY_NAME, MINOR_UNIT)
    VALUES (SRC.CURRENCY_CODE, SRC.CURRENCY_NAME, SRC.MINOR_UNIT);
