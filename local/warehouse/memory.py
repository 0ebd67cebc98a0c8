"""What keeps a long-lived local warehouse's memory bounded.

1. fakesnow's results cache (query id -> the query's result). fakesnow keeps every statement's
result (an Arrow table, row count, SQL, parameters) in one plain dict for ``RESULT_SCAN`` and for
fetching a result by query id, and never drops one: a local warehouse left running grows by every
statement it runs. Snowflake itself keeps results for 24
hours ("Returns the result set of a previous command (within 24 hours of when you ran the
query)", https://docs.snowflake.com/en/sql-reference/functions/result_scan). The local warehouse
keeps the most recent results instead, bounded by count and by the Arrow bytes they hold: nothing
in this project reads a result by id after the statement that made it, and a client that fetches
its own result does so right away. An evicted id is answered as Snowflake answers an expired one
(fakesnow's "Statement ... not found").

2. DuckDB's buffer manager. It caches the blocks of the database files it reads, up to
``memory_limit``, "80% of RAM" by default ("This limit only applies to the buffer manager",
https://duckdb.org/docs/2.0/operations_manual/limits.html): as the tables grow, so would the
process, for hours. The local warehouse sets a limit (``POS_LOCAL_WAREHOUSE_MEMORY_MB``, default
512 MB; DuckDB evicts cached blocks and spills larger operations to disk beyond it) and puts the
spill folder inside the warehouse folder: DuckDB's default, ``.tmp``, is relative to the current
directory.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from local.warehouse import internal_sql

MAX_RESULTS = 256
MAX_RESULT_BYTES = 64 * 1024 * 1024
MEMORY_LIMIT_ENV = "POS_LOCAL_WAREHOUSE_MEMORY_MB"
DEFAULT_MEMORY_LIMIT_MB = 512
SPILL_FOLDER = "duckdb_spill"


def _arrow_bytes(entry: Any) -> int:
    table = entry[0] if isinstance(entry, tuple) and entry else None
    return int(getattr(table, "nbytes", 0) or 0)


class RecentResults(dict[str, tuple[Any, ...]]):
    """The dict fakesnow reads (``get``) and writes (``[id] = ...``), keeping the newest entries.

    Every result stays until at least ``max_results`` newer ones are stored or the newer ones
    hold ``max_bytes`` of Arrow data; the newest result is always kept, however large.
    """

    def __init__(self, max_results: int = MAX_RESULTS, max_bytes: int = MAX_RESULT_BYTES) -> None:
        super().__init__()
        self._order: OrderedDict[str, int] = OrderedDict()  # id -> bytes, oldest first
        self._bytes = 0
        self._lock = threading.Lock()
        self.max_results = max_results
        self.max_bytes = max_bytes

    def __setitem__(self, key: str, value: tuple[Any, ...]) -> None:
        size = _arrow_bytes(value)
        with self._lock:
            if key in self._order:
                self._bytes -= self._order.pop(key)
            super().__setitem__(key, value)
            self._order[key] = size
            self._bytes += size
            while len(self._order) > 1 and (
                len(self._order) > self.max_results or self._bytes > self.max_bytes
            ):
                oldest, oldest_size = self._order.popitem(last=False)
                self._bytes -= oldest_size
                super().pop(oldest, None)

    def __delitem__(self, key: str) -> None:
        with self._lock:
            self._bytes -= self._order.pop(key, 0)
            super().__delitem__(key)

    @property
    def held_bytes(self) -> int:
        return self._bytes


def memory_limit_mb() -> int:
    raw = os.environ.get(MEMORY_LIMIT_ENV, str(DEFAULT_MEMORY_LIMIT_MB))
    if not raw.isdigit() or int(raw) < 256:
        raise ValueError(f"{MEMORY_LIMIT_ENV} must be a whole number of MB, at least 256: {raw!r}")
    return int(raw)


def bound(fakesnow: Any, db_dir: Path) -> None:
    """Bound a fakesnow instance's memory: its results cache and DuckDB's buffer manager."""
    fakesnow.results_cache = RecentResults()
    duck = fakesnow.duck_conn
    duck.execute(internal_sql.render("memory_limit"), [f"{memory_limit_mb()}MB"])
    duck.execute(
        internal_sql.render("spill_folder"), [str((Path(db_dir) / SPILL_FOLDER).resolve())]
    )


def usage(duck: Any) -> dict[str, int]:
    """DuckDB's memory accounting on ``duck``'s instance: bytes per tag (``duckdb_memory()``).
    ``BASE_TABLE`` is its cache of table blocks, the part the memory limit evicts."""
    rows = duck.execute(internal_sql.render("memory_usage")).fetchall()
    return {str(tag): int(used) for tag, used in rows}
