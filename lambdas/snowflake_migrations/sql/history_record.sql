INSERT INTO {{ database }}.OPS.SCHEMA_CHANGE_HISTORY (
    SCRIPT, SCRIPT_TYPE, VERSION, DESCRIPTION, CHECKSUM, STATUS, ERROR_MESSAGE, EXECUTION_MS, INSTALLED_ON
)
SELECT
    %(script)s,
    %(script_type)s,
    %(version)s,
    %(description)s,
    %(checksum)s,
    %(status)s,
    %(error_message)s,
    %(execution_ms)s,
    CURRENT_TIMESTAMP()
