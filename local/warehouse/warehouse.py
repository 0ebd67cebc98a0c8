"""LocalWarehouse: the embedded Snowflake for local mode (fakesnow + streams, tasks, procedures).

It applies the same ``snowflake/`` scripts that deploy to Snowflake, keeps its data in DuckDB
files under ``db_dir`` (one per database, kept across restarts), and runs triggered tasks.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from lambdas.snowflake_migrations.apply import ApplyResult, apply_migrations
from lambdas.snowflake_migrations.scripts import SqlVariables, validate_identifier
from local.warehouse import bronze, memory, quiet, streams
from local.warehouse.connection import RunnerConnection
from local.warehouse.objects import ObjectName
from local.warehouse.runtime import WarehouseRuntime
from local.warehouse.server import WarehouseServer
from local.warehouse.tasks import TaskRun

LOGGER = logging.getLogger(__name__)
BRONZE_TABLE = ("BRONZE", "JSON_RAW_DATA")


class LocalWarehouse:
    def __init__(self, db_dir: Path | str, variables: SqlVariables | None = None) -> None:
        quiet.install()
        self.db_dir = Path(db_dir)
        self.db_dir.mkdir(parents=True, exist_ok=True)
        self.variables = variables or SqlVariables()
        self._runtime = WarehouseRuntime(self.db_dir)
        self._server: WarehouseServer | None = None
        # Attach every database already on disk so its registry (streams, tasks) is loaded.
        databases = {self.variables.database}
        databases |= {path.stem for path in self.db_dir.glob("*.db")}
        for database in sorted(databases):
            validate_identifier("database", database)
            self._runtime.connect(database).close()

    # connections and migrations ----------------------------------------------------------------
    def connect(
        self, database: str | None = None, schema: str | None = None, *, autocommit: bool = True
    ) -> RunnerConnection:
        """A DB-API connection that runs Snowflake SQL, streams, CALL and MERGE included."""
        return self._runtime.connect(
            database or self.variables.database, schema, autocommit=autocommit
        )

    def apply_migrations(self, scripts_dir: Path) -> ApplyResult:
        connection = self.connect()
        try:
            return apply_migrations(connection, scripts_dir, self.variables)
        finally:
            connection.close()

    # data ----------------------------------------------------------------------------------------
    def load_bronze(self, rows: Iterable[tuple[str, str]]) -> int:
        """Bulk-insert (RECORD_CONTENT, RECORD_METADATA) JSON pairs into Bronze in one commit."""
        table = ObjectName(self.variables.database, *BRONZE_TABLE)
        return bronze.load(self._runtime, table, rows)

    def stream_backlog(self, stream: str) -> int:
        """Rows committed to the stream's source and not yet consumed."""
        name = ObjectName.parse(stream, self.variables.database, None)
        definition = self._runtime.registry.stream(name)
        if definition is None:
            raise LookupError(f"stream {name} does not exist")
        duck = self._runtime.duck()
        try:
            return streams.pending_rows(duck, definition)
        finally:
            duck.close()

    def memory_usage(self) -> dict[str, int]:
        """DuckDB's own memory accounting, bytes per tag (see memory.py)."""
        duck = self._runtime.duck()
        try:
            return memory.usage(duck)
        finally:
            duck.close()

    # tasks ----------------------------------------------------------------------------------------
    def run_due_tasks(self) -> list[TaskRun]:
        """Each resumed task whose time or trigger has come, once, in dependency order."""
        return self._runtime.scheduler.run_due()

    def run_until_idle(self, max_rounds: int = 20) -> list[TaskRun]:
        """Rounds of :meth:`run_due_tasks` until a round succeeds at nothing (so a task that
        keeps failing does not spin); at most ``max_rounds`` rounds."""
        runs: list[TaskRun] = []
        for _ in range(max_rounds):
            round_runs = self.run_due_tasks()
            runs.extend(round_runs)
            if not any(run.state == "SUCCEEDED" for run in round_runs):
                break
        return runs

    def run_tasks_forever(self, stop: threading.Event, interval_s: float = 0.5) -> None:
        """The pipeline's task loop; a failed run is recorded and retried on the next trigger."""
        while not stop.is_set():
            try:
                self.run_due_tasks()
            except Exception:
                LOGGER.exception("task round failed")
            stop.wait(interval_s)

    @contextmanager
    def fail_statement(self, procedure: str, statement_number: int) -> Iterator[None]:
        """Make body statement ``statement_number`` (1-based, main block, in order executed) of
        the next CALL of ``procedure`` raise; for tests of rollback and recovery."""
        name = ObjectName.parse(procedure, self.variables.database, None)
        self._runtime.failures.arm(str(name), statement_number)
        try:
            yield
        finally:
            self._runtime.failures.disarm(str(name))

    # server and lifecycle -------------------------------------------------------------------------
    def serve(self, port: int = 0) -> tuple[str, int]:
        """Serve this warehouse to other processes over the Snowflake connector protocol."""
        if self._server is None:
            self._server = WarehouseServer(self._runtime, port)
            return self._server.start()
        return "127.0.0.1", self._server.port

    def close(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        self._runtime.fakesnow.duck_conn.close()

    def __enter__(self) -> LocalWarehouse:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
