-- Send the selected rejected records back through PROCESS_RAW_POS (one transaction; returns the
-- redrive id and how many records were sent).
CALL {{ database }}.SILVER.REDRIVE_REJECTED(
    %(rule_id)s, %(since)s::TIMESTAMP_TZ, %(transaction_id)s
)
