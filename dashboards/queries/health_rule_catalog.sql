-- The data-quality rules, for the reject filter and the rule legend.
SELECT
    RULE_ID,
    DESCRIPTION
FROM SILVER.DQ_RULE
ORDER BY RULE_ID
