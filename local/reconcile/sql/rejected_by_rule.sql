-- Rejected records per failed rule (a record that fails several rules counts under each).
SELECT
    FAILED.VALUE:rule_id::VARCHAR AS RULE_ID,
    COUNT(*) AS RECORDS
FROM {{ database }}.SILVER.RETAIL_POS_REJECTED AS REJECTED,
    LATERAL FLATTEN(input => REJECTED.FAILED_RULES) AS FAILED
GROUP BY FAILED.VALUE:rule_id::VARCHAR
ORDER BY RECORDS DESC
