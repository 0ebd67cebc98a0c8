-- Where DuckDB spills operations larger than its memory limit (bound: a folder).
SET temp_directory = ?
