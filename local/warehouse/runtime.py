"""Shared state of one local warehouse: the fakesnow instance, the registry, locks, failures.

Every connection the runner hands out (to callers, procedures, tasks and the fakesnow server)
is a cursor on the same DuckDB instance, so they all see one set of committed data.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fakesnow.instance import FakeSnow

from local.warehouse import flatten
from local.warehouse.access.catalog import AccessCatalog
from local.warehouse.access.checker import AccessChecker
from local.warehouse.access.gate import AccessControl
from local.warehouse.access.model import PUBLIC
from local.warehouse.access.session import SYSTEM_USER, Session, login
from local.warehouse.failures import FailurePlan
from local.warehouse.objects import ObjectName
from local.warehouse.prepared import StatementCache
from local.warehouse.procedures import ProcedureDefinition, parse_create_procedure
from local.warehouse.registry import Registry, StoredDefinition
from local.warehouse.tasks import TaskScheduler

if TYPE_CHECKING:
    from local.warehouse.connection import RunnerConnection


class WarehouseRuntime:
    def __init__(self, db_dir: Path) -> None:
        self.db_dir = db_dir
        self.fakesnow = FakeSnow(db_path=db_dir)
        # The account's principals and grants; opened before any database is attached, so a
        # warehouse built before access control is recognised (see access/adoption.py).
        catalog = AccessCatalog(self.fakesnow.duck_conn.cursor(), db_dir)
        self.access = AccessControl(catalog, AccessChecker(catalog))
        self.registry = Registry()
        self.failures = FailurePlan()
        self._connect_lock = threading.Lock()
        self._locks_guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._parsed: dict[str, ProcedureDefinition] = {}
        self._flatten_installed: set[str] = set()
        # fakesnow's transformed SQL per statement text and session context (see prepared.py).
        self.statements = StatementCache()
        self.scheduler = TaskScheduler(self)

    def connect(
        self,
        database: str | None = None,
        schema: str | None = None,
        *,
        session: Session,
        paramstyle: str | None = None,
        autocommit: bool = True,
    ) -> RunnerConnection:
        """A connection acting as ``session`` (see :meth:`login`)."""
        from local.warehouse.connection import RunnerConnection

        # Connecting may ATTACH a database file; two threads attaching at once would collide.
        with self._connect_lock:
            connection = RunnerConnection(
                self,
                self.fakesnow.duck_conn.cursor(),
                session=session,
                database=database,
                schema=schema,
                paramstyle=paramstyle,
                autocommit=autocommit,
            )
            if connection.database:
                self.registry.prepare(connection.duck, connection.database)
                if connection.database not in self._flatten_installed:
                    self.install_flatten(connection.duck, connection.database)
            return connection

    def attach(self, database: str) -> None:
        """Attach a database file and load its registry (no statement runs)."""
        self.connect(database, session=Session(SYSTEM_USER, PUBLIC)).close()

    def login(self, user: str, role: str | None = None, warehouse: str | None = None) -> Session:
        """The session Snowflake opens for this login (LoginError if it would refuse it)."""
        return login(self.access.checker, user, role, warehouse)

    def install_flatten(self, duck: Any, database: str) -> None:
        """Replace fakesnow's FLATTEN macro in ``database`` (after fakesnow (re)created it)."""
        flatten.install(duck, database)
        self._flatten_installed.add(database)

    def duck(self) -> Any:
        """A DuckDB cursor of its own (its own transaction) on the shared instance."""
        return self.fakesnow.duck_conn.cursor()

    @contextmanager
    def exclusive(self, key: str) -> Iterator[None]:
        """Serialize writers of one target: DuckDB fails, rather than waits for, the second of
        two transactions updating the same rows."""
        with self._locks_guard:
            lock = self._locks.setdefault(key.upper(), threading.Lock())
        with lock:
            yield

    def procedure(self, stored: StoredDefinition) -> ProcedureDefinition:
        """The parsed procedure, parsed once per definition text."""
        definition = self._parsed.get(stored.definition)
        if definition is None:
            definition = parse_create_procedure(stored.definition)
            self._parsed[stored.definition] = definition
        return definition

    def object_name(self, text: str, connection: RunnerConnection) -> ObjectName:
        return ObjectName.parse(text, connection.database, connection.schema)
