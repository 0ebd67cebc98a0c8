-- The rule ids `pos redrive rejected --rule` accepts.
SELECT RULE_ID
FROM {{ database }}.SILVER.DQ_RULE
ORDER BY RULE_ID
