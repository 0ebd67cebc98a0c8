"""``INFORMATION_SCHEMA.TASK_HISTORY(...)``, answered from the runner's record of task runs.

The scheduler (``tasks.py``) records every run in its database's ``_LOCAL.TASK_HISTORY``. A
statement that reads ``TABLE([db.]INFORMATION_SCHEMA.TASK_HISTORY(...))`` gets, in its place, a
subquery over those records with the function's output columns and argument semantics, so the
monitor's real query (``lambdas/snowflake_monitor/sql/task_failures.sql``) runs here unchanged.

What it follows (https://docs.snowflake.com/en/sql-reference/functions/task_history):

- "All the arguments are optional." ``SCHEDULED_TIME_RANGE_START`` / ``_END`` bound the time the
  run was scheduled ("Time range (in TIMESTAMP_LTZ format), within the last 7 days ... If the time
  range does not fall within the last 7 days, an error is returned"): a start more than 7 days ago
  is refused. Without an end, runs scheduled up to now and later are returned.
- ``RESULT_LIMIT``: "the maximum number of rows returned ... If the number of matching rows is
  greater than this limit, the task executions with the most recent timestamp are returned, up to
  the specified limit. Range: 1 to 10000. Default: 100."
- ``TASK_NAME``: "A case-insensitive string specifying a task. Only non-qualified task names are
  supported." Tasks of that name in every schema.
- ``ERROR_ONLY``: "When set to TRUE, this function returns only task runs that failed or were
  cancelled." (FAILED, FAILED_AND_AUTO_SUSPENDED, CANCELLED.)
- ``ROOT_TASK_ID`` is refused: local tasks have no ids (SHOW TASKS is not emulated).
- The history covers "your entire Snowflake account": every database of the warehouse.
- "To view a task graph in this function, the calling role must have one of the following
  privileges: the OWNERSHIP privilege on the task ..., the MONITOR or OPERATE privilege on the
  task, the global MONITOR EXECUTION privilege, the ACCOUNTADMIN role." The set of tasks a
  connection may see is decided in ONE place, :func:`visible_tasks`, through the access-control
  emulation (``local/warehouse/access/gate.py``); other tasks' runs are left out.

Output columns (a subset of the documented ones, same names and types): QUERY_ID (NULL for a run
that never started a query: SKIPPED), NAME, DATABASE_NAME, SCHEMA_NAME, QUERY_TEXT, CONDITION_TEXT,
STATE, ERROR_CODE (NULL: the runner keeps the message only), ERROR_MESSAGE, SCHEDULED_TIME,
QUERY_START_TIME, NEXT_SCHEDULED_TIME (NULL), COMPLETED_TIME, RETURN_VALUE, SCHEDULED_FROM,
ATTEMPT_NUMBER (1). A run is scheduled when the scheduler starts it, so SCHEDULED_TIME is its start.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from fakesnow.dialect import parse_one
from snowflake.connector.errors import ProgrammingError
from sqlglot import exp

from local.warehouse import internal_sql
from local.warehouse.access.model import Kind, Securable
from local.warehouse.registry import DefinitionKind, StoredDefinition
from local.warehouse.tasks import parse_create_task

if TYPE_CHECKING:
    from local.warehouse.connection import RunnerConnection

FUNCTION = "TASK_HISTORY"
INFORMATION_SCHEMA = "INFORMATION_SCHEMA"
RETENTION = timedelta(days=7)
RESULT_LIMIT_DEFAULT, RESULT_LIMIT_MAX = 100, 10_000
ERROR_STATES = ("FAILED", "FAILED_AND_AUTO_SUSPENDED", "CANCELLED")
ARGUMENTS = (
    "SCHEDULED_TIME_RANGE_START",
    "SCHEDULED_TIME_RANGE_END",
    "RESULT_LIMIT",
    "TASK_NAME",
    "ERROR_ONLY",
    "ROOT_TASK_ID",
)
# The output columns, in order, as SQL over one database's record (alias h) and the task's
# definition (alias t).
COLUMNS = (
    (
        "QUERY_ID",
        "IFF(h.STATE = 'SKIPPED', NULL, MD5(h.NAME || '/' || h.QUERY_START_TIME::VARCHAR))",
    ),
    ("NAME", "t.NAME"),
    ("DATABASE_NAME", "t.DATABASE_NAME"),
    ("SCHEMA_NAME", "t.SCHEMA_NAME"),
    ("QUERY_TEXT", "t.QUERY_TEXT"),
    ("CONDITION_TEXT", "t.CONDITION_TEXT"),
    ("STATE", "h.STATE"),
    ("ERROR_CODE", "NULL::NUMBER"),
    ("ERROR_MESSAGE", "h.ERROR_MESSAGE"),
    ("SCHEDULED_TIME", "h.QUERY_START_TIME::TIMESTAMP_LTZ"),
    ("QUERY_START_TIME", "IFF(h.STATE = 'SKIPPED', NULL, h.QUERY_START_TIME)::TIMESTAMP_LTZ"),
    ("NEXT_SCHEDULED_TIME", "NULL::TIMESTAMP_LTZ"),
    ("COMPLETED_TIME", "h.COMPLETED_TIME::TIMESTAMP_LTZ"),
    ("RETURN_VALUE", "h.RETURN_VALUE"),
    ("SCHEDULED_FROM", "h.SCHEDULED_FROM"),
    ("ATTEMPT_NUMBER", "1"),
)
DEFINITION_COLUMNS = (
    "QUALIFIED_NAME",
    "NAME",
    "DATABASE_NAME",
    "SCHEMA_NAME",
    "QUERY_TEXT",
    "CONDITION_TEXT",
)


class TaskHistoryError(ProgrammingError):
    """An argument TASK_HISTORY refuses."""


@dataclass(frozen=True)
class Arguments:
    start: datetime | None = None
    end: datetime | None = None
    result_limit: int = RESULT_LIMIT_DEFAULT
    task_name: str | None = None
    error_only: bool = False


def visible_tasks(
    connection: RunnerConnection, tasks: Sequence[StoredDefinition]
) -> list[StoredDefinition]:
    """The tasks whose runs ``connection``'s role may see in TASK_HISTORY (the privileges in
    the module docstring, decided by the access-control emulation)."""
    return [
        task
        for task in tasks
        if connection.access.sees_task_runs(Securable(Kind.TASK, str(task.name)))
    ]


def _call(node: exp.Expr) -> exp.Anonymous | None:
    """The TASK_HISTORY call of ``TABLE([db.]INFORMATION_SCHEMA.TASK_HISTORY(...))``."""
    if not isinstance(node, exp.TableFromRows):
        return None
    target = node.this
    if not isinstance(target, exp.Dot):
        return None
    call = target.expression
    schema = target.this
    schema_name = schema.expression if isinstance(schema, exp.Dot) else schema
    if (
        isinstance(call, exp.Anonymous)
        and str(call.this).upper() == FUNCTION
        and isinstance(schema_name, exp.Identifier)
        and schema_name.this.upper() == INFORMATION_SCHEMA
    ):
        return call
    return None


def answer_from_runs(
    expression: exp.Expr,
    connection: RunnerConnection,
    evaluate: Callable[[str], Any],
    now: datetime | None = None,
) -> tuple[exp.Expr, bool]:
    """Rewrite each TASK_HISTORY call into a subquery over the recorded runs; ``evaluate`` runs
    ``SELECT <argument>`` to get each argument's value. Returns (expression, rewritten)."""
    calls = [node for node in expression.find_all(exp.TableFromRows) if _call(node) is not None]
    if not calls:
        return expression, False
    now = now or datetime.now(UTC)
    for node in calls:
        call = _call(node)
        assert call is not None
        arguments = _arguments(call, evaluate, now)
        subquery = parse_one(_subquery_sql(connection, arguments))
        alias = node.args.get("alias")
        replacement = exp.Subquery(this=subquery, alias=alias.copy() if alias else None)
        node.replace(replacement)
    return expression, True


def _arguments(call: exp.Anonymous, evaluate: Callable[[str], Any], now: datetime) -> Arguments:
    values: dict[str, Any] = {}
    for argument in call.expressions:
        if not isinstance(argument, exp.Kwarg):
            raise TaskHistoryError(msg=f"{FUNCTION} takes named arguments (NAME => value) only")
        name = argument.this.name.upper()
        if name not in ARGUMENTS:
            raise TaskHistoryError(msg=f"{FUNCTION}: unknown argument {name}")
        if name == "ROOT_TASK_ID":
            raise TaskHistoryError(msg=f"{FUNCTION}: ROOT_TASK_ID is not emulated locally")
        values[name] = evaluate(f"SELECT {argument.expression.sql(dialect='snowflake')}")
    start = _timestamp(values.get("SCHEDULED_TIME_RANGE_START"))
    end = _timestamp(values.get("SCHEDULED_TIME_RANGE_END"))
    for bound in (start, end):
        if bound is not None and bound < now - RETENTION:
            raise TaskHistoryError(
                msg=f"{FUNCTION}: the time range must fall within the last 7 days"
                f" (starts {bound.isoformat()})"
            )
    if start is not None and end is not None and end < start:
        raise TaskHistoryError(msg=f"{FUNCTION}: SCHEDULED_TIME_RANGE_END is before its start")
    limit = values.get("RESULT_LIMIT", RESULT_LIMIT_DEFAULT)
    if not isinstance(limit, int) or not 1 <= limit <= RESULT_LIMIT_MAX:
        raise TaskHistoryError(
            msg=f"{FUNCTION}: RESULT_LIMIT must be between 1 and {RESULT_LIMIT_MAX}, not {limit!r}"
        )
    task_name = values.get("TASK_NAME")
    if task_name is not None and (not isinstance(task_name, str) or "." in task_name):
        raise TaskHistoryError(msg=f"{FUNCTION}: TASK_NAME takes a non-qualified task name")
    error_only = values.get("ERROR_ONLY", False)
    if not isinstance(error_only, bool):
        raise TaskHistoryError(msg=f"{FUNCTION}: ERROR_ONLY takes TRUE or FALSE")
    return Arguments(start, end, limit, task_name, error_only)


def _timestamp(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise TaskHistoryError(msg=f"{FUNCTION}: {value!r} is not a timestamp")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _literal(value: str | None) -> str:
    if value is None:
        return "NULL"
    return exp.Literal.string(value).sql(dialect="snowflake")


def _timestamp_literal(value: datetime) -> str:
    return f"{_literal(value.astimezone(UTC).isoformat())}::TIMESTAMP_TZ"


def _subquery_sql(connection: RunnerConnection, arguments: Arguments) -> str:
    tasks = connection.runtime.registry.definitions(DefinitionKind.TASK)
    by_database: dict[str, list[StoredDefinition]] = {}
    for task in visible_tasks(connection, tasks):
        if arguments.task_name is None or task.name.name.upper() == arguments.task_name.upper():
            by_database.setdefault(task.name.database, []).append(task)
    columns = ", ".join(f"{sql} AS {name}" for name, sql in COLUMNS)
    conditions = ["TRUE"]
    if arguments.start is not None:
        conditions.append(f"h.QUERY_START_TIME >= {_timestamp_literal(arguments.start)}")
    if arguments.end is not None:
        conditions.append(f"h.QUERY_START_TIME < {_timestamp_literal(arguments.end)}")
    if arguments.error_only:
        conditions.append(f"h.STATE IN ({', '.join(map(_literal, ERROR_STATES))})")
    where = " AND ".join(conditions)
    parts = []
    for database, visible in sorted(by_database.items()):
        rows = ", ".join(
            "(" + ", ".join(_literal(value) for value in _definition_row(task)) + ")"
            for task in visible
        )
        history = internal_sql.qualified(f"{database}._LOCAL.TASK_HISTORY")
        parts.append(
            f"SELECT {columns} FROM {history} AS h INNER JOIN (VALUES {rows}) AS t "
            f"({', '.join(DEFINITION_COLUMNS)}) ON h.NAME = t.QUALIFIED_NAME WHERE {where}"
        )
    if not parts:  # nothing visible: the columns, no rows
        empty = ", ".join(f"{sql} AS {name}" for name, sql in _typed_nulls())
        return f"SELECT {empty} WHERE FALSE"
    union = " UNION ALL ".join(parts)
    return f"SELECT * FROM ({union}) ORDER BY SCHEDULED_TIME DESC LIMIT {arguments.result_limit}"


def _definition_row(task: StoredDefinition) -> tuple[str | None, ...]:
    definition = parse_create_task(task.definition)
    return (
        str(task.name),
        task.name.name,
        task.name.database,
        task.name.schema,
        definition.body,
        definition.when,
    )


def _typed_nulls() -> list[tuple[str, str]]:
    types = {
        "ERROR_CODE": "NUMBER",
        "ATTEMPT_NUMBER": "NUMBER",
        "SCHEDULED_TIME": "TIMESTAMP_LTZ",
        "QUERY_START_TIME": "TIMESTAMP_LTZ",
        "NEXT_SCHEDULED_TIME": "TIMESTAMP_LTZ",
        "COMPLETED_TIME": "TIMESTAMP_LTZ",
    }
    return [(name, f"NULL::{types.get(name, 'VARCHAR')}") for name, _ in COLUMNS]
