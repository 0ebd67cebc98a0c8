"""SHOW TASKS and SHOW STREAMS over the registry of emulated objects, in Snowflake's column shape.

``pos verify`` reads a task's ``state`` and a stream's ``stale`` from them, against Snowflake and
the local warehouse alike. Only the columns that have a local meaning are filled; the others are
present (so code reading by column name runs on both) and NULL.

- "SHOW TASKS ... Lists the tasks for which you have access privileges" and "state: 'started' or
  'suspended'" (https://docs.snowflake.com/en/sql-reference/sql/show-tasks).
- SHOW STREAMS "Lists the streams for which you have access privileges"; ``stale``: "Specifies
  whether the stream is stale or not" (https://docs.snowflake.com/en/sql-reference/sql/show-streams).
  Local streams never go stale: the local warehouse keeps every row of a stream's source table
  (no data retention period ends), so ``stale`` is always ``false`` here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from local.warehouse import tasks
from local.warehouse.access.grammar import identifier
from local.warehouse.access.grants import Rows
from local.warehouse.access.model import Kind, Securable
from local.warehouse.registry import DefinitionKind
from local.warehouse.sql_text import TokenReader

if TYPE_CHECKING:
    from local.warehouse.connection import RunnerConnection

_TASK_COLUMNS = (
    ("created_on", "TIMESTAMP_LTZ"),
    ("name", "VARCHAR"),
    ("id", "VARCHAR"),
    ("database_name", "VARCHAR"),
    ("schema_name", "VARCHAR"),
    ("owner", "VARCHAR"),
    ("comment", "VARCHAR"),
    ("warehouse", "VARCHAR"),
    ("schedule", "VARCHAR"),
    ("predecessors", "VARCHAR"),
    ("state", "VARCHAR"),
    ("definition", "VARCHAR"),
    ("condition", "VARCHAR"),
)
_STREAM_COLUMNS = (
    ("created_on", "TIMESTAMP_LTZ"),
    ("name", "VARCHAR"),
    ("database_name", "VARCHAR"),
    ("schema_name", "VARCHAR"),
    ("owner", "VARCHAR"),
    ("comment", "VARCHAR"),
    ("table_name", "VARCHAR"),
    ("source_type", "VARCHAR"),
    ("base_tables", "VARCHAR"),
    ("type", "VARCHAR"),
    ("stale", "VARCHAR"),
    ("mode", "VARCHAR"),
    ("stale_after", "TIMESTAMP_LTZ"),
)


def _scope(connection: RunnerConnection, sql: str, kind: str) -> tuple[str | None, str | None]:
    """``SHOW <kind> [IN ACCOUNT | IN DATABASE d | IN SCHEMA [d.]s]`` -> (database, schema)."""
    reader = TokenReader(sql)
    reader.expect("SHOW")
    reader.expect(kind)
    if not reader.accept("IN"):
        return connection.database, connection.schema
    if reader.accept("ACCOUNT"):
        return None, None
    if reader.accept("DATABASE"):
        return identifier(reader.name()), None
    reader.expect("SCHEMA")
    parts = [identifier(part) for part in reader.name().split(".")]
    if len(parts) == 1:
        return connection.database, parts[0]
    return parts[0], parts[1]


def _in_scope(name: Any, database: str | None, schema: str | None) -> bool:
    return (database is None or name.database == database) and (
        schema is None or name.schema == schema
    )


def _visible(connection: RunnerConnection, securable: Securable) -> str | None:
    """The owner when the session's roles hold any privilege on the object, else None."""
    checker = connection.access.checker
    try:
        record = checker.existing(securable)
    except Exception:
        return None
    if not checker.holds_any_privilege(connection.access.roles(), securable):
        return None
    return str(record.owner) if record.owner else None


def show_tasks(connection: RunnerConnection, sql: str, params: Any) -> Rows:
    database, schema = _scope(connection, sql, "TASKS")
    rows = []
    for stored in connection.runtime.registry.definitions(DefinitionKind.TASK):
        name = stored.name
        if not _in_scope(name, database, schema):
            continue
        owner = _visible(connection, Securable(Kind.TASK, str(name)))
        if owner is None:
            continue
        definition = tasks.parse_create_task(stored.definition)
        rows.append(
            (
                None,
                name.name,
                None,
                name.database,
                name.schema,
                owner,
                None,
                definition.warehouse,
                f"{definition.schedule_seconds} SECOND" if definition.schedule_seconds else None,
                "[" + ", ".join(f'"{after}"' for after in definition.after) + "]",
                stored.state or tasks.SUSPENDED,
                definition.body,
                definition.when,
            )
        )
    return Rows(_TASK_COLUMNS, tuple(rows))


def show_streams(connection: RunnerConnection, sql: str, params: Any) -> Rows:
    database, schema = _scope(connection, sql, "STREAMS")
    rows = []
    for stream in connection.runtime.registry.streams():
        name = stream.name
        if not _in_scope(name, database, schema):
            continue
        owner = _visible(connection, Securable(Kind.STREAM, str(name)))
        if owner is None:
            continue
        rows.append(
            (
                None,
                name.name,
                name.database,
                name.schema,
                owner,
                None,
                str(stream.source),
                "Table",
                str(stream.source),
                "DELTA",
                "false",
                "APPEND_ONLY" if stream.append_only else "DEFAULT",
                None,
            )
        )
    return Rows(_STREAM_COLUMNS, tuple(rows))
