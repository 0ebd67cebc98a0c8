-- Rows waiting for each consumer (the OPS.STREAM_BACKLOG view: source rows now minus the rows at
-- its last consumption, plus the records PROCESS_RAW_POS holds in its queue).
SELECT
    STREAM_NAME,
    CONSUMER,
    SOURCE_ROWS,
    ROWS_CONSUMED,
    ROWS_WAITING,
    LAST_CONSUMED_AT
FROM OPS.STREAM_BACKLOG
ORDER BY HOP
