-- The latest rejected records with every failed rule and the record as received. Parameters:
-- rule id (NULL = any, twice), how many.
SELECT
    r.REJECTED_AT,
    r.STORE_ID,
    r.TRANSACTION_ID,
    r.FAILED_RULE_COUNT,
    TO_JSON(r.FAILED_RULES) AS FAILED_RULES,
    r.RECORD_CONTENT:meta:status::STRING AS TRANSFORM_STATUS,
    COALESCE(TO_JSON(r.RECORD_CONTENT:payload), r.RECORD_CONTENT:raw::STRING) AS RECORD,
    r.KINESIS_SHARD_ID,
    r.KINESIS_SEQUENCE_NUMBER
FROM SILVER.RETAIL_POS_REJECTED AS r
WHERE
    ? IS NULL
    OR r.RECORD_HASH IN (
        SELECT rule_hit.RECORD_HASH
        FROM SILVER.RETAIL_POS_REJECTED AS rule_hit,
            LATERAL FLATTEN(input => rule_hit.FAILED_RULES) AS f
        WHERE f.VALUE:rule_id::STRING = ?
    )
QUALIFY ROW_NUMBER() OVER (ORDER BY r.REJECTED_AT DESC, r.RECORD_HASH) <= ?
ORDER BY r.REJECTED_AT DESC, r.RECORD_HASH
