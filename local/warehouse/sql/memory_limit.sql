-- DuckDB's buffer manager limit (bound: the size, e.g. '512MB'); see memory.py.
SET memory_limit = ?
