-- rowids of an insert-only table follow commit order, so this bounds what a reader has seen.
SELECT COALESCE(MAX(ROWID), -1)
FROM {{ table }}
