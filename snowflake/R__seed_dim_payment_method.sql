-- Payment methods, in the lowercase codes the POS sends.
MERGE INTO {{ database }}.SILVER.DIM_PAYMENT_METHOD AS TGT
USING (
    SELECT
        SEED_ROWS.PAYMENT_METHOD,
        SEED_ROWS.DESCRIPTION,
        SEED_ROWS.IS_CASH_EQUIVALENT
    FROM (
        VALUES
        ('cash', 'Cash', TRUE),
        ('credit_card', 'Credit card', FALSE),
        ('debit_card', 'Debit card', FALSE),
        ('mobile_wallet', 'Mobile wallet (Apple Pay, Google Pay, ...)', FALSE),
        ('gift_card', 'Store gift card', TRUE)
    ) AS SEED_ROWS (PAYMENT_METHOD, DESCRIPTION, IS_CASH_EQUIVALENT)
) AS SRC
    ON TGT.PAYMENT_METHOD = SRC.PAYMENT_METHOD
WHEN MATCHED THEN
    UPDATE SET
        DESCRIPTION = SRC.DESCRIPTION,
        IS_CASH_EQUIVALENT = SRC.IS_CASH_EQUIVALENT
WHEN NOT MATCHED THEN
    INSERT (PAYMENT_METHOD, DESCRIPTION, IS_CASH_EQUIVALENT)
    VALUES (SRC.PAYMENT_METHOD, SRC.DESCRIPTION, SRC.IS_CASH_EQUIVALENT);
