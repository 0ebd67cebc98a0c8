-- `pos redrive rejected --dry-run`: the records the same selection as SILVER.REDRIVE_REJECTED
-- would send back, by the verdict SILVER.RETAIL_POS_REJECTED_REDRIVABLE forecasts, and the rules
-- those still failing would fail. Reads only.
WITH selected AS (
    SELECT
        outlook.VERDICT,
        outlook.STILL_FAILING_RULES
    FROM {{ database }}.SILVER.RETAIL_POS_REJECTED_REDRIVABLE AS outlook
    WHERE
        outlook.RECORD_HASH IN (
            SELECT dead.RECORD_HASH
            FROM {{ database }}.SILVER.RETAIL_POS_REJECTED AS dead,
                LATERAL FLATTEN(INPUT => dead.FAILED_RULES) AS failed
            WHERE failed.VALUE:rule_id::STRING = %(rule_id)s
        )
        AND (%(since)s::TIMESTAMP_TZ IS NULL OR outlook.REJECTED_AT >= %(since)s::TIMESTAMP_TZ)
        AND (%(transaction_id)s IS NULL OR outlook.TRANSACTION_ID = %(transaction_id)s)
)

SELECT
    'VERDICT' AS KIND,
    selected.VERDICT AS NAME,
    COUNT(*) AS RECORDS
FROM selected
GROUP BY selected.VERDICT
UNION ALL
SELECT
    'STILL_FAILING_RULE' AS KIND,
    still.VALUE::STRING AS NAME,
    COUNT(*) AS RECORDS
FROM selected,
    LATERAL FLATTEN(INPUT => selected.STILL_FAILING_RULES) AS still
GROUP BY still.VALUE::STRING
