-- The dead letter as it would fare today: one row per rejected record, with the rules it would
-- still fail if it were processed again now. The rules that depend on data that can change since
-- the rejection are judged again against today's dimensions and transaction keys (UNKNOWN_STORE,
-- UNKNOWN_PRODUCT, UNKNOWN_PAYMENT_METHOD, CURRENCY_MISMATCH, TRANSACTION_ID_CONFLICT), with the
-- same reading of the payload as SILVER.PROCESS_RAW_POS; every other rule depends on the record
-- alone and is carried over as recorded. VERDICT: ACCEPT (no rule left), STILL_FAIL, or DUPLICATE
-- (its content has been accepted since). A forecast: the redrive itself runs the record through
-- PROCESS_RAW_POS with today's rules, which decides (a rule changed since, or AMOUNT_SCALE_NOT_ALLOWED
-- under a store's currency now known, shows only there). Read by `pos redrive rejected --dry-run`,
-- by SILVER.REDRIVE_REJECTED for the automatic redrive (ONLY_DIMENSION_RULES and ACCEPT), by the
-- pipeline health page and by the monitor.
CREATE OR REPLACE VIEW {{ database }}.SILVER.RETAIL_POS_REJECTED_REDRIVABLE
COPY GRANTS
COMMENT = 'Dead letter: the rules each rejected record would still fail today, and its verdict'
AS (
    WITH FAILED AS (
        SELECT
            DEAD.RECORD_HASH,
            FAILED_RULE.VALUE:rule_id::STRING AS RULE_ID
        FROM {{ database }}.SILVER.RETAIL_POS_REJECTED AS DEAD,
            LATERAL FLATTEN(INPUT => DEAD.FAILED_RULES) AS FAILED_RULE
    ),

    RECORDED AS (
        SELECT
            FAILED.RECORD_HASH,
            COUNT_IF(FAILED.RULE_ID NOT IN ('UNKNOWN_STORE', 'UNKNOWN_PRODUCT', 'UNKNOWN_PAYMENT_METHOD')) AS OTHER_RULES
        FROM FAILED
        GROUP BY FAILED.RECORD_HASH
    ),

    STILL_FAILING AS (
        -- Rules that depend on the record alone, as recorded.
        SELECT
            FAILED.RECORD_HASH,
            FAILED.RULE_ID
        FROM FAILED
        WHERE
            FAILED.RULE_ID NOT IN (
                'UNKNOWN_STORE', 'UNKNOWN_PRODUCT', 'UNKNOWN_PAYMENT_METHOD', 'CURRENCY_MISMATCH',
                'TRANSACTION_ID_CONFLICT'
            )
        UNION DISTINCT
        SELECT
            DEAD.RECORD_HASH,
            'UNKNOWN_STORE' AS RULE_ID
        FROM {{ database }}.SILVER.RETAIL_POS_REJECTED AS DEAD
        LEFT OUTER JOIN {{ database }}.SILVER.DIM_STORE AS STORE
            ON DEAD.STORE_ID = STORE.STORE_ID
        WHERE DEAD.STORE_ID IS NOT NULL AND STORE.STORE_ID IS NULL
        UNION DISTINCT
        SELECT
            DEAD.RECORD_HASH,
            'UNKNOWN_PAYMENT_METHOD' AS RULE_ID
        FROM {{ database }}.SILVER.RETAIL_POS_REJECTED AS DEAD
        LEFT OUTER JOIN {{ database }}.SILVER.DIM_PAYMENT_METHOD AS PAYMENT
            ON NULLIF(TRIM(DEAD.RECORD_CONTENT:payload:payment_method::STRING), '') = PAYMENT.PAYMENT_METHOD
        WHERE
            NULLIF(TRIM(DEAD.RECORD_CONTENT:payload:payment_method::STRING), '') IS NOT NULL
            AND PAYMENT.PAYMENT_METHOD IS NULL
        UNION DISTINCT
        SELECT
            DEAD.RECORD_HASH,
            'UNKNOWN_PRODUCT' AS RULE_ID
        FROM {{ database }}.SILVER.RETAIL_POS_REJECTED AS DEAD,
            -- Flattened only when an array (FLATTEN of NULL yields no row), as the procedure does.
            LATERAL FLATTEN(
                INPUT => IFF(IS_ARRAY(DEAD.RECORD_CONTENT:payload:items), DEAD.RECORD_CONTENT:payload:items, NULL)
            ) AS ITEM
        LEFT OUTER JOIN {{ database }}.SILVER.DIM_PRODUCT AS PRODUCT
            ON NULLIF(TRIM(ITEM.VALUE:product_id::STRING), '') = PRODUCT.PRODUCT_ID
        WHERE
            NULLIF(TRIM(ITEM.VALUE:product_id::STRING), '') IS NOT NULL
            AND PRODUCT.PRODUCT_ID IS NULL
        UNION DISTINCT
        SELECT
            DEAD.RECORD_HASH,
            'CURRENCY_MISMATCH' AS RULE_ID
        FROM {{ database }}.SILVER.RETAIL_POS_REJECTED AS DEAD
        INNER JOIN {{ database }}.SILVER.DIM_STORE AS STORE
            ON DEAD.STORE_ID = STORE.STORE_ID
        WHERE
            NULLIF(TRIM(DEAD.RECORD_CONTENT:payload:currency::STRING), '') IS NOT NULL
            AND NULLIF(TRIM(DEAD.RECORD_CONTENT:payload:currency::STRING), '') <> STORE.CURRENCY
        UNION DISTINCT
        SELECT
            DEAD.RECORD_HASH,
            'TRANSACTION_ID_CONFLICT' AS RULE_ID
        FROM {{ database }}.SILVER.RETAIL_POS_REJECTED AS DEAD
        INNER JOIN {{ database }}.SILVER.RETAIL_POS_TRANSACTION_KEY AS KEYED
            ON DEAD.TRANSACTION_ID = KEYED.TRANSACTION_ID
        WHERE KEYED.CONTENT_HASH <> DEAD.RECORD_HASH
    ),

    REMAINING AS (
        SELECT
            STILL_FAILING.RECORD_HASH,
            COUNT(*) AS RULE_COUNT,
            ARRAY_AGG(STILL_FAILING.RULE_ID) WITHIN GROUP (ORDER BY STILL_FAILING.RULE_ID) AS RULE_IDS
        FROM STILL_FAILING
        GROUP BY STILL_FAILING.RECORD_HASH
    )

    SELECT
        REJECTED.RECORD_HASH,
        REJECTED.TRANSACTION_ID,
        REJECTED.STORE_ID,
        REJECTED.REJECTED_AT,
        REJECTED.RUN_ID,
        REJECTED.FAILED_RULES,
        COALESCE(RECORDED.OTHER_RULES, 0) = 0 AS ONLY_DIMENSION_RULES,
        COALESCE(REMAINING.RULE_COUNT, 0) AS STILL_FAILING_RULE_COUNT,
        COALESCE(REMAINING.RULE_IDS, ARRAY_CONSTRUCT()) AS STILL_FAILING_RULES,
        CASE
            WHEN KEYED.CONTENT_HASH = REJECTED.RECORD_HASH THEN 'DUPLICATE'
            WHEN COALESCE(REMAINING.RULE_COUNT, 0) = 0 THEN 'ACCEPT'
            ELSE 'STILL_FAIL'
        END AS VERDICT
    FROM {{ database }}.SILVER.RETAIL_POS_REJECTED AS REJECTED
    LEFT OUTER JOIN {{ database }}.SILVER.RETAIL_POS_TRANSACTION_KEY AS KEYED
        ON REJECTED.TRANSACTION_ID = KEYED.TRANSACTION_ID
    LEFT OUTER JOIN RECORDED
        ON REJECTED.RECORD_HASH = RECORDED.RECORD_HASH
    LEFT OUTER JOIN REMAINING
        ON REJECTED.RECORD_HASH = REMAINING.RECORD_HASH
);

GRANT SELECT ON VIEW {{ database }}.SILVER.RETAIL_POS_REJECTED_REDRIVABLE TO ROLE {{ transform_role }};

GRANT SELECT ON VIEW {{ database }}.SILVER.RETAIL_POS_REJECTED_REDRIVABLE TO ROLE {{ dashboard_role }};

GRANT SELECT ON VIEW {{ database }}.SILVER.RETAIL_POS_REJECTED_REDRIVABLE TO ROLE {{ monitor_role }};
