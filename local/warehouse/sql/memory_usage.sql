-- DuckDB's own memory accounting, bytes per tag; BASE_TABLE is its cache of table blocks.
SELECT
    tag,
    memory_usage_bytes
FROM duckdb_memory()
