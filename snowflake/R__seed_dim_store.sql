-- Stores. The POS producer sends exactly these ids; a test checks both sides agree.
MERGE INTO {{ database }}.SILVER.DIM_STORE AS TGT
USING (
    SELECT
        SEED_ROWS.STORE_ID,
        SEED_ROWS.CITY,
        SEED_ROWS.TIME_ZONE,
        SEED_ROWS.COUNTRY,
        SEED_ROWS.CURRENCY,
        SEED_ROWS.OPENED_ON::DATE AS OPENED_ON
    FROM (
        VALUES
        ('S001', 'New York', 'America/New_York', 'US', 'USD', '2015-03-01'),
        ('S002', 'Chicago', 'America/Chicago', 'US', 'USD', '2016-06-15'),
        ('S003', 'Los Angeles', 'America/Los_Angeles', 'US', 'USD', '2017-09-01'),
        ('S004', 'Seattle', 'America/Los_Angeles', 'US', 'USD', '2018-04-20'),
        ('S005', 'London', 'Europe/London', 'GB', 'GBP', '2019-02-11'),
        ('S006', 'Berlin', 'Europe/Berlin', 'DE', 'EUR', '2020-10-05'),
        ('S007', 'Tokyo', 'Asia/Tokyo', 'JP', 'JPY', '2021-07-01'),
        ('S008', 'Sydney', 'Australia/Sydney', 'AU', 'AUD', '2022-11-14')
    ) AS SEED_ROWS (STORE_ID, CITY, TIME_ZONE, COUNTRY, CURRENCY, OPENED_ON)
) AS SRC
    ON TGT.STORE_ID = SRC.STORE_ID
WHEN MATCHED THEN
    UPDATE SET
        CITY = SRC.CITY,
        TIME_ZONE = SRC.TIME_ZONE,
        COUNTRY = SRC.COUNTRY,
        CURRENCY = SRC.CURRENCY,
        OPENED_ON = SRC.OPENED_ON
WHEN NOT MATCHED THEN
    INSERT (STORE_ID, CITY, TIME_ZONE, COUNTRY, CURRENCY, OPENED_ON)
    VALUES (SRC.STORE_ID, SRC.CITY, SRC.TIME_ZONE, SRC.COUNTRY, SRC.CURRENCY, SRC.OPENED_ON);
