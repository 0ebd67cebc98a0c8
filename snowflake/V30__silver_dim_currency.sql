-- ISO 4217 currencies and their minor unit (decimals of the smallest coin: USD 2, JPY 0, KWD 3).
-- A money amount with more decimals than its currency allows is rejected
-- (AMOUNT_SCALE_NOT_ALLOWED), never rounded into Silver. Its own dimension rather than a column of
-- DIM_STORE: the minor unit belongs to the currency (every store in it shares the value) and the
-- optional payload currency of a sale from an unknown store still finds it. Seeded by
-- R__seed_dim_currency.sql.
CREATE TABLE IF NOT EXISTS {{ database }}.SILVER.DIM_CURRENCY (
    CURRENCY_CODE VARCHAR(3) NOT NULL COMMENT 'ISO 4217 alphabetic code',
    CURRENCY_NAME VARCHAR NOT NULL,
    MINOR_UNIT NUMBER(1, 0) NOT NULL COMMENT 'ISO 4217 minor unit: decimals an amount may have',
    CONSTRAINT PK_DIM_CURRENCY PRIMARY KEY (CURRENCY_CODE)
)
COMMENT = 'Currencies and their minor units (seeded by R__seed_dim_currency.sql)';
