"""Tasks: CREATE/ALTER/EXECUTE/DROP TASK, and the scheduler that runs them.

A resumed task runs when it is due: a triggered task (WHEN, no SCHEDULE) whenever its WHEN
holds, a scheduled one when its interval has passed and its WHEN (if any) holds (else its run is
SKIPPED), a child (AFTER) right after all its predecessors succeeded in the same round. Tasks
run in dependency order: predecessors first, and a task that writes a table before the tasks
whose streams read that table, so one round carries a batch from Bronze through Gold. Every run
is recorded in the task's database, ``_LOCAL.TASK_HISTORY`` (like INFORMATION_SCHEMA.TASK_HISTORY).
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot import TokenType, exp

from local.warehouse import internal_sql
from local.warehouse.access.gate import require_task_owner_may_run
from local.warehouse.access.model import Kind, Securable
from local.warehouse.access.session import SYSTEM_USER, Session
from local.warehouse.objects import ObjectName
from local.warehouse.registry import DefinitionKind, StoredDefinition
from local.warehouse.scripting import Sql, UnsupportedConstructError
from local.warehouse.sql_text import TokenReader, replace_binds

if TYPE_CHECKING:
    from local.warehouse.runtime import WarehouseRuntime

LOGGER = logging.getLogger(__name__)
STARTED, SUSPENDED = "started", "suspended"
_INTERVAL = re.compile(r"^\s*(\d+)\s*(SECOND|MINUTE|HOUR)S?\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"SECOND": 1, "MINUTE": 60, "HOUR": 3600}
_STREAM_HAS_DATA = re.compile(r"SYSTEM\$STREAM_HAS_DATA\s*\(\s*'([^']+)'\s*\)", re.IGNORECASE)


@dataclass(frozen=True)
class TaskDefinition:
    name_text: str
    or_replace: bool
    if_not_exists: bool
    schedule_seconds: int | None
    after: tuple[str, ...]
    when: str | None
    body: str
    # WAREHOUSE = name, or None for a serverless task.
    warehouse: str | None = None


@dataclass(frozen=True)
class TaskRun:
    """One run of a task, as recorded in the task history."""

    name: str
    state: str  # SUCCEEDED, FAILED or SKIPPED
    scheduled_from: str  # SCHEDULE, TRIGGER, EXECUTE TASK or AFTER
    started_at: datetime
    finished_at: datetime
    error: str | None = None
    return_value: Any = None


def parse_create_task(sql: str) -> TaskDefinition:
    reader = TokenReader(sql)
    reader.expect("CREATE")
    or_replace = reader.accept("OR", "REPLACE")
    reader.expect("TASK")
    if_not_exists = reader.accept("IF", "NOT", "EXISTS")
    name = reader.name()
    schedule: int | None = None
    after: list[str] = []
    when: str | None = None
    warehouse: str | None = None
    while not reader.at_end():
        if reader.accept("AS"):
            break
        if reader.accept("COPY", "GRANTS"):
            continue
        if reader.accept("AFTER"):
            after.append(reader.name())
            while reader.accept(","):
                after.append(reader.name())
            continue
        if reader.accept("WHEN"):
            start = reader.position()
            depth = 0
            while not reader.at_end():
                token_type = reader.tokens[reader.index].token_type
                depth += {TokenType.L_PAREN: 1, TokenType.R_PAREN: -1}.get(token_type, 0)
                if depth == 0 and reader.peek() == "AS":
                    break
                reader.index += 1
            when = sql[start : reader.position()].strip()
            continue
        key = reader.peek()
        reader.index += 1
        reader.expect("=")
        value = reader.value_text()
        if key == "SCHEDULE":
            schedule = _schedule_seconds(name, value)
        elif key == "WAREHOUSE":
            warehouse = value.strip('"') if value.startswith('"') else value.upper()
        elif key == "FINALIZE":
            raise UnsupportedConstructError(f"task {name}: finalizer tasks are not emulated")
        # TARGET_COMPLETION_INTERVAL and other parameters do not change what runs.
    body = reader.rest()
    if not body:
        raise UnsupportedConstructError(f"task {name}: no AS <statement>")
    if body.split(None, 1)[0].upper() in ("BEGIN", "DECLARE", "EXECUTE"):
        raise UnsupportedConstructError(
            f"task {name}: the body must be one SQL statement (e.g. CALL proc()); "
            "scripting blocks belong in a procedure"
        )
    return TaskDefinition(
        name, or_replace, if_not_exists, schedule, tuple(after), when, body, warehouse
    )


def _schedule_seconds(name: str, schedule: str) -> int:
    match = _INTERVAL.match(schedule)
    if match is None:
        raise UnsupportedConstructError(
            f"task {name}: SCHEDULE {schedule!r} is not emulated (use 'N SECONDS|MINUTES|HOURS')"
        )
    return int(match[1]) * _UNIT_SECONDS[match[2].upper()]


def parse_alter_task(sql: str) -> tuple[str, bool, str]:
    """``ALTER TASK [IF EXISTS] n RESUME|SUSPEND|SET ...|UNSET ...`` -> name, if_exists, action."""
    reader = TokenReader(sql)
    reader.expect("ALTER", "TASK")
    if_exists = reader.accept("IF", "EXISTS")
    name = reader.name()
    action = reader.peek()
    if action not in ("RESUME", "SUSPEND", "SET", "UNSET"):
        raise UnsupportedConstructError(f"ALTER TASK ... {action} is not emulated")
    return name, if_exists, action


def parse_task_name(sql: str, *leading: str) -> tuple[str, bool]:
    reader = TokenReader(sql)
    reader.expect(*leading)
    if_exists = reader.accept("IF", "EXISTS")
    return reader.name(), if_exists


class TaskScheduler:
    def __init__(self, runtime: WarehouseRuntime) -> None:
        self.runtime = runtime
        self._run_lock = threading.Lock()
        self._last_start: dict[ObjectName, datetime] = {}
        self._order_cache: tuple[tuple[str, ...], list[StoredDefinition]] | None = None

    # public ----------------------------------------------------------------------------------
    def run_due(self) -> list[TaskRun]:
        """Run each resumed task that is due, once, in dependency order."""
        with self._run_lock:
            runs: list[TaskRun] = []
            succeeded: set[ObjectName] = set()
            for task in self.ordered_tasks():
                if task.state != STARTED:
                    continue
                run = self._run_if_due(task, succeeded)
                if run is not None:
                    runs.append(run)
                    if run.state == "SUCCEEDED":
                        succeeded.add(task.name)
            return runs

    def execute(self, name: ObjectName) -> TaskRun:
        """EXECUTE TASK: one run now, whatever its state and condition."""
        stored = self.runtime.registry.definition(DefinitionKind.TASK, name)
        if stored is None:
            raise LookupError(f"Task '{name}' does not exist or not authorized.")
        with self._run_lock:
            return self._run(stored, "EXECUTE TASK")

    def ordered_tasks(self) -> list[StoredDefinition]:
        tasks = self.runtime.registry.definitions(DefinitionKind.TASK)
        key = tuple(task.definition for task in tasks) + tuple(
            p.definition for p in self.runtime.registry.definitions(DefinitionKind.PROCEDURE)
        )
        if self._order_cache is None or self._order_cache[0] != key:
            self._order_cache = (key, self._dependency_order(tasks))
        by_name = {task.name: task for task in tasks}
        # Same order, current states.
        return [by_name[task.name] for task in self._order_cache[1] if task.name in by_name]

    # running ---------------------------------------------------------------------------------
    def _run_if_due(self, task: StoredDefinition, succeeded: set[ObjectName]) -> TaskRun | None:
        definition = parse_create_task(task.definition)
        predecessors = [self._resolve(text, task) for text in definition.after]
        if predecessors:
            if not all(p in succeeded for p in predecessors):
                return None
            scheduled_from = "AFTER"
        elif definition.schedule_seconds is not None:
            last = self._last_started(task.name)
            elapsed = None if last is None else (_now() - last).total_seconds()
            if elapsed is not None and elapsed < definition.schedule_seconds:
                return None
            scheduled_from = "SCHEDULE"
        elif definition.when is not None:
            scheduled_from = "TRIGGER"
        else:
            return None  # a root task with neither schedule nor trigger only runs by EXECUTE TASK
        if definition.when is not None:
            started = _now()
            try:
                holds = self._condition_holds(task, definition.when)
            except Exception as error:
                return self._record(task, "FAILED", scheduled_from, started, error=str(error))
            if not holds:
                if scheduled_from == "TRIGGER":
                    return None  # a trigger that did not fire is not a run
                return self._record(task, "SKIPPED", scheduled_from, started)
        return self._run(task, scheduled_from)

    def _owner_session(self, task: StoredDefinition) -> Session:
        """Tasks run "by using the system user with the privileges of the task owner role", on
        their warehouse (none: serverless); the owner must still hold what running needs."""
        warehouse = parse_create_task(task.definition).warehouse
        securable = Securable(Kind.TASK, str(task.name))
        record = self.runtime.access.catalog.object(securable)
        if record is None or record.owner is None:
            raise LookupError(f"Task '{task.name}' has no owner role")
        require_task_owner_may_run(self.runtime.access.checker, record.owner, securable, warehouse)
        return Session(SYSTEM_USER, record.owner, warehouse, serverless=warehouse is None)

    def _condition_holds(self, task: StoredDefinition, condition: str) -> bool:
        connection = self.runtime.connect(
            task.database, task.schema, session=self._owner_session(task)
        )
        try:
            cursor = connection.cursor()
            cursor.execute(f"SELECT {condition}")
            row = cursor.fetchone()
            return bool(row and row[0])
        finally:
            connection.close()

    def _run(self, task: StoredDefinition, scheduled_from: str) -> TaskRun:
        definition = parse_create_task(task.definition)
        started = _now()
        self._last_start[task.name] = started
        try:
            session = self._owner_session(task)
        except Exception as error:
            LOGGER.warning("task %s cannot start: %s", task.name, error)
            return self._record(task, "FAILED", scheduled_from, started, error=str(error))
        connection = self.runtime.connect(task.database, task.schema, session=session)
        try:
            cursor = connection.cursor()
            cursor.execute(definition.body)
            row = cursor.fetchone() if definition.body.upper().startswith("CALL") else None
            return self._record(
                task, "SUCCEEDED", scheduled_from, started, return_value=row[0] if row else None
            )
        except Exception as error:
            LOGGER.warning("task %s failed: %s", task.name, error)
            return self._record(task, "FAILED", scheduled_from, started, error=str(error))
        finally:
            connection.close()

    def _record(
        self,
        task: StoredDefinition,
        state: str,
        scheduled_from: str,
        started: datetime,
        *,
        error: str | None = None,
        return_value: Any = None,
    ) -> TaskRun:
        run = TaskRun(str(task.name), state, scheduled_from, started, _now(), error, return_value)
        duck = self.runtime.duck()
        try:
            duck.execute(
                internal_sql.render("task_history_record", database=task.name.database),
                [
                    run.name,
                    run.state,
                    run.scheduled_from,
                    run.started_at,
                    run.finished_at,
                    run.error,
                    None if return_value is None else str(return_value),
                ],
            )
        finally:
            duck.close()
        return run

    def _last_started(self, name: ObjectName) -> datetime | None:
        if name not in self._last_start:
            duck = self.runtime.duck()
            try:
                rows = duck.execute(
                    internal_sql.render("task_last_start", database=name.database)
                ).fetchall()
            finally:
                duck.close()
            for task_name, started in rows:
                if task_name == str(name):
                    self._last_start[name] = started
        return self._last_start.get(name)

    # ordering --------------------------------------------------------------------------------
    def _dependency_order(self, tasks: list[StoredDefinition]) -> list[StoredDefinition]:
        """Topological order: AFTER predecessors, and writers of a table before the tasks whose
        WHEN watches a stream on it; ties (and cycles) by name."""
        writes = {task.name: self._tables_written(task) for task in tasks}
        edges: dict[ObjectName, set[ObjectName]] = {task.name: set() for task in tasks}
        for task in tasks:
            definition = parse_create_task(task.definition)
            for text in definition.after:
                predecessor = self._resolve(text, task)
                if predecessor in edges:
                    edges[task.name].add(predecessor)
            for source in self._tables_watched(task, definition.when or ""):
                for other, written in writes.items():
                    if other != task.name and source in written:
                        edges[task.name].add(other)
        ordered: list[StoredDefinition] = []
        remaining = {task.name: task for task in tasks}
        while remaining:
            ready = sorted(name for name in remaining if not (edges[name] & remaining.keys()))
            chosen = ready[0] if ready else min(remaining)
            ordered.append(remaining.pop(chosen))
        return ordered

    def _tables_watched(self, task: StoredDefinition, condition: str) -> set[ObjectName]:
        sources: set[ObjectName] = set()
        for stream_text in _STREAM_HAS_DATA.findall(condition):
            stream = self.runtime.registry.stream(self._resolve(stream_text, task))
            if stream is not None:
                sources.add(stream.source)
        return sources

    def _tables_written(self, task: StoredDefinition) -> set[ObjectName]:
        body = parse_create_task(task.definition).body
        statements: list[tuple[str, str, str]] = [(body, task.database, task.schema)]
        if body.upper().startswith("CALL"):
            reader = TokenReader(body)
            reader.expect("CALL")
            name = self._resolve(reader.name(), task)
            stored = self.runtime.registry.definition(DefinitionKind.PROCEDURE, name)
            if stored is not None:
                block = self.runtime.procedure(stored).block
                statements = [
                    (s.text, name.database, name.schema)
                    for s in block.statements()
                    if isinstance(s, Sql)
                ]
        written: set[ObjectName] = set()
        for text, database, schema in statements:
            written |= _targets(text, database, schema)
        return written

    def _resolve(self, text: str, task: StoredDefinition) -> ObjectName:
        return ObjectName.parse(text, task.database, task.schema)


def _targets(sql: str, database: str, schema: str) -> set[ObjectName]:
    """Tables a DML statement writes (best effort: unparsable text writes nothing known)."""
    try:
        expression = sqlglot.parse_one(replace_binds(sql, lambda _: "NULL")[0], read="snowflake")
    except Exception:
        return set()
    if not isinstance(expression, (exp.Insert, exp.Merge, exp.Update, exp.Delete)):
        return set()
    target = expression.this
    table = target.this if isinstance(target, exp.Schema) else target
    if not isinstance(table, exp.Table):
        return set()
    try:
        return {
            ObjectName.parse(
                ".".join(filter(None, [table.catalog, table.db, table.name])), database, schema
            )
        }
    except ValueError:
        return set()


def _now() -> datetime:
    return datetime.now(UTC)
