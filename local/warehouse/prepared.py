"""Statements fakesnow has already parsed and transformed, kept by their text.

fakesnow parses and transforms every statement it runs (sqlglot, in Python): for the large
statements of the procedures that was ~2 s of every CALL, while the text of a procedure's
statements never changes between calls (its binds are ``?`` parameters, the stream bounds DuckDB
variables). The cache keeps fakesnow's final DuckDB SQL per statement text and session context;
the runner then executes it directly on the connection's DuckDB cursor with the call's
parameters, shaping the result as fakesnow would.

Only statements whose transformed text depends on nothing but that key are kept: queries and
INSERT/UPDATE/DELETE/MERGE that fakesnow handled as one statement, consumed no parameter while
transforming (``IDENTIFIER(?)``), carry none of fakesnow's side-effect markers (stages, USE,
RESULT_SCAN, seeds, ...) and do not evaluate ``SYSTEM$STREAM_HAS_DATA`` at rewrite time.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from fakesnow import expr as fakesnow_expr
from sqlglot import exp

from local.warehouse.access.requirements import NO_ACCESS, StatementAccess
from local.warehouse.registry import StreamDefinition

# fakesnow's _execute acts on these markers of a transformed expression; a statement carrying
# one is never cached (its effect is more than the DuckDB SQL).
FAKESNOW_MARKERS = (
    "create_db_name", "create_file_format_name", "create_stage_name", "list_stage_name",
    "merge_counts", "put_stage_data", "put_stage_name", "result_scan_sfqid", "seed",
    "set_autocommit", "set_database", "set_schema", "table_comment", "text_lengths",
)  # fmt: skip
DML_COMMANDS = ("INSERT", "UPDATE", "DELETE", "MERGE")
MAX_ENTRIES = 1024

# (statement text after session variables, database, schema, database set, schema set,
#  stream registry generation)
CacheKey = tuple[str, str | None, str | None, bool, bool, int]


@dataclass(frozen=True)
class PreparedStatement:
    sql: str  # fakesnow's DuckDB SQL plus the runner's rewrites; binds are ``?``
    command: str  # fakesnow's key command: SELECT, INSERT, UPDATE, DELETE, MERGE, ...
    expression: exp.Expr  # the transformed expression (read only: result metadata)
    streams: tuple[StreamDefinition, ...]  # streams read, by variable position
    consumes: bool  # a DML statement that moves the offsets of the streams it reads
    has_binds: bool  # fakesnow passes parameters only to a statement with placeholders
    merge_operations: tuple[str, ...] = ()  # MERGE: "inserted", "updated", "deleted" in order
    # The objects and privileges it needs: checked for each session's role before every run.
    access: StatementAccess = NO_ACCESS


def cacheable(transformed: exp.Expr) -> bool:
    """Whether fakesnow's effect for this transformed statement is just running its SQL."""
    if not isinstance(transformed, (exp.Query, exp.Insert, exp.Update, exp.Delete, exp.Merge)):
        return False
    if isinstance(transformed, exp.Select) and transformed.args.get("into"):
        return False
    return not any(transformed.args.get(marker) for marker in FAKESNOW_MARKERS)


def key_command(transformed: exp.Expr) -> str:
    return fakesnow_expr.key_command(transformed)


class StatementCache:
    """Thread-safe map of statement key -> PreparedStatement, bounded (cleared when full)."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._lock = threading.Lock()
        self._entries: dict[CacheKey, PreparedStatement] = {}
        self._max_entries = max_entries
        self.hits = 0
        self.misses = 0

    def get(self, key: CacheKey) -> PreparedStatement | None:
        with self._lock:
            prepared = self._entries.get(key)
            if prepared is None:
                self.misses += 1
            else:
                self.hits += 1
            return prepared

    def put(self, key: CacheKey, prepared: PreparedStatement) -> None:
        with self._lock:
            if len(self._entries) >= self._max_entries:
                self._entries.clear()
            self._entries[key] = prepared

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


def as_params(values: Any) -> list[Any] | None:
    """Parameters as fakesnow hands them to DuckDB (a list), or None."""
    if values is None:
        return None
    return list(values)
