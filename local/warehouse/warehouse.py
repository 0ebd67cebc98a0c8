"""LocalWarehouse: the embedded Snowflake for local mode (fakesnow + streams, tasks, procedures,
access control).

It applies the same ``snowflake/`` scripts that deploy to Snowflake, keeps its data in DuckDB
files under ``db_dir`` (one per database, kept across restarts), and runs triggered tasks. Every
part acts as its own principal (``principals``): the admin bootstrap as ACCOUNTADMIN, the
migrations as the deploy user, Bronze loads as the Firehose user, tasks as their owner role.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from lambdas.snowflake_migrations.apply import ApplyResult, MigrationError, apply_migrations
from lambdas.snowflake_migrations.bootstrap import (
    AccountNames,
    bootstrap_path,
    bootstrap_statements,
)
from lambdas.snowflake_migrations.grants import require_executed
from lambdas.snowflake_migrations.scripts import SqlVariables, validate_identifier
from local.warehouse import bronze, streams
from local.warehouse.access import adoption
from local.warehouse.access.principals import LocalPrincipals, Principal
from local.warehouse.connection import RunnerConnection
from local.warehouse.objects import ObjectName
from local.warehouse.runtime import WarehouseRuntime
from local.warehouse.server import WarehouseServer
from local.warehouse.tasks import TaskRun

LOGGER = logging.getLogger(__name__)
BRONZE_TABLE = ("BRONZE", "JSON_RAW_DATA")


class LocalWarehouse:
    def __init__(
        self,
        db_dir: Path | str,
        variables: SqlVariables | None = None,
        names: AccountNames | None = None,
    ) -> None:
        self.db_dir = Path(db_dir)
        self.db_dir.mkdir(parents=True, exist_ok=True)
        self.variables = variables or SqlVariables()
        self.names = names or AccountNames()
        self.principals = LocalPrincipals.of(self.variables, self.names)
        self._runtime = WarehouseRuntime(self.db_dir)
        self._server: WarehouseServer | None = None
        # Attach every database already on disk so its registry (streams, tasks) is loaded.
        databases = {self.variables.database}
        databases |= {path.stem for path in self.db_dir.glob("*.db")}
        self._databases = sorted(databases)
        for database in self._databases:
            validate_identifier("database", database)
            self._runtime.attach(database)

    # connections and migrations ----------------------------------------------------------------
    def connect(
        self,
        database: str | None = None,
        schema: str | None = None,
        *,
        user: str,
        role: str | None = None,
        warehouse: str | None = None,
        autocommit: bool = True,
    ) -> RunnerConnection:
        """A DB-API connection that runs Snowflake SQL (streams, CALL and MERGE included) as
        ``user``, with ``role`` and ``warehouse`` or the user's defaults, as a Snowflake login
        would (an unknown user or a role not granted to it is refused)."""
        session = self._runtime.login(user, role, warehouse)
        return self._runtime.connect(
            database or self.variables.database, schema, session=session, autocommit=autocommit
        )

    def connect_as(
        self,
        principal: Principal,
        database: str | None = None,
        schema: str | None = None,
        *,
        autocommit: bool = True,
    ) -> RunnerConnection:
        return self.connect(
            database,
            schema,
            user=principal.user,
            role=principal.role,
            warehouse=principal.warehouse,
            autocommit=autocommit,
        )

    def bootstrap(self, scripts_dir: Path) -> int:
        """Run ``scripts_dir/admin/bootstrap.sql`` as the local admin with ACCOUNTADMIN, as a
        person would before the first deploy; every GRANT must answer that it executed."""
        connection = self.connect_as(self.principals.admin)
        try:
            cursor = connection.cursor()
            statements = bootstrap_statements(scripts_dir, self.variables, self.names)
            for statement in statements:
                cursor.execute(statement)
                require_executed(statement, cursor)
            return len(statements)
        finally:
            connection.close()

    def apply_migrations(
        self, scripts_dir: Path, *, user: str | None = None, role: str | None = None
    ) -> ApplyResult:
        """Apply ``scripts_dir`` as the deploy user, after its admin bootstrap (when it has one)
        and, for a warehouse built before access control, its adoption. ``user``/``role`` apply
        a directory as another principal instead (test fixtures), without bootstrap."""
        principal = self.principals.deploy
        if user is None:
            if bootstrap_path(scripts_dir).exists():
                self.bootstrap(scripts_dir)
            if self._runtime.access.adoption_pending:
                self._adopt(scripts_dir)
        else:
            principal = Principal(user, role, self.variables.warehouse)
        connection = self.connect_as(principal)
        try:
            return apply_migrations(connection, scripts_dir, self.variables)
        finally:
            connection.close()

    def _adopt(self, scripts_dir: Path) -> None:
        connection = self.connect_as(self.principals.deploy)
        try:
            adoption.adopt(
                self._runtime,
                connection,
                self._databases,
                scripts_dir,
                self.variables,
                self.names.deploy_role,
            )
        except MigrationError:
            raise
        except Exception as error:
            raise MigrationError(
                f"adopting a warehouse built before access control: {error}"
            ) from error
        finally:
            connection.close()

    # data ----------------------------------------------------------------------------------------
    def load_bronze(
        self, rows: Iterable[tuple[str, str]], *, principal: Principal | None = None
    ) -> int:
        """Bulk-insert (RECORD_CONTENT, RECORD_METADATA) JSON pairs into Bronze in one commit, as
        the Firehose user with the ingest role (or ``principal``)."""
        login = principal or self.principals.firehose
        session = self._runtime.login(login.user, login.role, login.warehouse)
        table = ObjectName(self.variables.database, *BRONZE_TABLE)
        return bronze.load(self._runtime, table, rows, session)

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
