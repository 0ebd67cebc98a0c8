-- Rejected records per UTC hour and failed rule over the lookback window (parameter: hours).
-- A record that fails two rules counts once under each.
SELECT
    DATE_TRUNC('HOUR', CONVERT_TIMEZONE('UTC', r.REJECTED_AT)::TIMESTAMP_NTZ) AS HOUR_UTC,
    f.VALUE:rule_id::STRING AS RULE_ID,
    COUNT(*) AS REJECTED_RECORDS
FROM SILVER.RETAIL_POS_REJECTED AS r,
    LATERAL FLATTEN(input => r.FAILED_RULES) AS f
WHERE r.REJECTED_AT >= DATEADD('HOUR', -?, CURRENT_TIMESTAMP())
GROUP BY HOUR_UTC, RULE_ID
ORDER BY HOUR_UTC, RULE_ID
