-- Records rejected inside the window, per failed rule: a record counts once under each rule it
-- failed, however many of its fields failed that rule.
SELECT
    FAILED.VALUE:rule_id::VARCHAR AS RULE_ID,
    COUNT(DISTINCT REJECTED.RECORD_HASH) AS RECORDS
FROM {{ database }}.SILVER.RETAIL_POS_REJECTED AS REJECTED,
    LATERAL FLATTEN(input => REJECTED.FAILED_RULES) AS FAILED
WHERE
    REJECTED.REJECTED_AT >= %(window_start)s::TIMESTAMP_TZ
    AND REJECTED.REJECTED_AT < %(window_end)s::TIMESTAMP_TZ
GROUP BY FAILED.VALUE:rule_id::VARCHAR
ORDER BY RECORDS DESC, RULE_ID ASC
