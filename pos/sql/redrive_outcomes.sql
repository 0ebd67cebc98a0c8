-- Where the records of one redrive ended, as PROCESS_RAW_POS decided them: by outcome and
-- deciding run, and the rules those rejected again fail today.
SELECT
    'OUTCOME' AS KIND,
    outcome.OUTCOME AS NAME,
    outcome.RUN_ID AS RUN_ID,
    COUNT(*) AS RECORDS
FROM {{ database }}.SILVER.RETAIL_POS_REDRIVE_OUTCOME AS outcome
WHERE outcome.REDRIVE_ID = %(redrive_id)s
GROUP BY outcome.OUTCOME, outcome.RUN_ID
UNION ALL
SELECT
    'STILL_FAILING_RULE' AS KIND,
    failed.VALUE:rule_id::STRING AS NAME,
    NULL AS RUN_ID,
    COUNT(DISTINCT outcome.RECORD_HASH) AS RECORDS
FROM {{ database }}.SILVER.RETAIL_POS_REDRIVE_OUTCOME AS outcome,
    LATERAL FLATTEN(INPUT => outcome.FAILED_RULES) AS failed
WHERE outcome.REDRIVE_ID = %(redrive_id)s AND outcome.OUTCOME = 'REJECTED'
GROUP BY failed.VALUE:rule_id::STRING
