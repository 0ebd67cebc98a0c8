"""Silences the known, harmless library messages a local warehouse triggers, and nothing else.

- sqlglot logs a warning each time it drops a Snowflake clause that DuckDB has no counterpart
  for while fakesnow translates a statement. The clauses ``snowflake/`` uses on purpose carry no
  meaning in a single-user DuckDB file (comments, clustering, Time Travel retention, transient
  tables, grants copied on replace), so exactly those messages are dropped, and the note that a
  SHOW statement the local warehouse answers itself is parsed as a command. Any other clause
  sqlglot drops still shows: it may be one the emulator needs to learn.
- DuckDB warns that Arrow output of a DB-API result copies the rows; fakesnow's cursor and the
  runner's (``connection.py``) build results that way by design, so that one message, raised from
  those two modules, is ignored.

Warnings from this project's own code, and every other library message, stay visible.
"""

from __future__ import annotations

import logging
import re
import warnings

# sqlglot's wording for each clause (sqlglot/generator.py), and the Snowflake clause it stands for.
DROPPED_CLAUSES = {
    "CommentColumnConstraint unsupported": "column COMMENT",
    "Unsupported property schemacommentproperty": "table or schema COMMENT",
    "Unsupported property clusterproperty": "CLUSTER BY",
    "Unsupported property transientproperty": "CREATE TRANSIENT TABLE",
    "Unsupported property property": "DATA_RETENTION_TIME_IN_DAYS = n",
    "Unsupported property copygrantsproperty": "COPY GRANTS",
}
# sqlglot parses SHOW statements it has no grammar for (SHOW TASKS, SHOW STREAMS: what verify
# reads) as a generic command, with a warning naming the statement; the local warehouse answers
# them itself (``show.py``).
SHOW_AS_COMMAND = re.compile(
    r"^'SHOW [^']*' contains unsupported syntax\. Falling back to parsing as a 'Command'\.$",
    re.IGNORECASE,
)
ARROW_COPY_MESSAGE = r"Arrow output on a DB-API result makes an extra copy"
ARROW_COPY_MODULES = r"(fakesnow\.cursor|local\.warehouse\.connection)$"


class _DroppedClauseFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return message not in DROPPED_CLAUSES and not SHOW_AS_COMMAND.match(message)


_FILTER = _DroppedClauseFilter()


def install() -> None:
    """Idempotent; process-wide, as logging and warnings filters are."""
    logger = logging.getLogger("sqlglot")
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
    warnings.filterwarnings(
        "ignore", message=ARROW_COPY_MESSAGE, category=UserWarning, module=ARROW_COPY_MODULES
    )
