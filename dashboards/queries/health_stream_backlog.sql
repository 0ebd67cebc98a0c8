-- Rows waiting in each stream (the OPS.STREAM_BACKLOG view: source rows minus rows consumed).
SELECT
    STREAM_NAME,
    CONSUMER,
    SOURCE_ROWS,
    ROWS_CONSUMED,
    ROWS_WAITING,
    LAST_CONSUMED_AT
FROM OPS.STREAM_BACKLOG
ORDER BY HOP
