"""Statements the runner executes itself instead of fakesnow: the Snowflake objects fakesnow
lacks (streams, tasks, procedures, CALL), the access-control statements (``access/``) and the
session no-ops.

Each handler receives the caller's connection, the statement and its bound parameters, checks
what the caller's role needs (``connection.access``), and returns a result shaped like
Snowflake's answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import duckdb
from snowflake.connector.errors import ProgrammingError
from sqlglot import TokenType

from local.warehouse import procedures, show, streams, table_options, tasks
from local.warehouse.access import ddl, grants
from local.warehouse.access.gate import hook_object_created, hook_object_dropped
from local.warehouse.access.model import ACCOUNT, OWNERSHIP, Kind, Securable
from local.warehouse.noops import noop_rule, without_leading_comments
from local.warehouse.objects import ObjectName
from local.warehouse.registry import DefinitionKind, StoredDefinition, StreamDefinition
from local.warehouse.sql_text import split_statements

if TYPE_CHECKING:
    from local.warehouse.connection import ResultColumn, RunnerConnection

Handler = Callable[["RunnerConnection", str, Any], "list[ResultColumn] | grants.Rows"]
_WORDS = re.compile(r"[A-Za-z_$]+")


def _status(message: str) -> list[ResultColumn]:
    return [("status", "VARCHAR", message)]


def _already_exists(name: object) -> ProgrammingError:
    return ProgrammingError(
        msg=f"SQL compilation error:\nObject '{name}' already exists.", errno=2002, sqlstate="42710"
    )


def _does_not_exist(kind: str, name: object) -> ProgrammingError:
    return ProgrammingError(
        msg=f"SQL compilation error:\n{kind} '{name}' does not exist or not authorized.",
        errno=2003,
        sqlstate="02000",
    )


def noop(connection: RunnerConnection, sql: str, params: Any) -> list[ResultColumn]:
    return _status("Statement executed successfully.")


# Streams ----------------------------------------------------------------------------------------
def create_stream(connection: RunnerConnection, sql: str, params: Any) -> list[ResultColumn]:
    spec = streams.parse_create_stream(sql)
    runtime = connection.runtime
    name = runtime.object_name(spec.name_text, connection)
    source = runtime.object_name(spec.source_text, connection)
    exists = runtime.registry.stream(name) is not None
    access = connection.access
    access.require_create(
        _securable(Kind.STREAM, name), exists and spec.or_replace, "CREATE STREAM"
    )
    access.require_privileges(_securable(Kind.TABLE, source), ("SELECT",))
    if exists:
        if spec.if_not_exists:
            return _status(f"{name.name} already exists, statement succeeded.")
        if not spec.or_replace:
            raise _already_exists(name)
    try:
        mark = streams.high_water_mark(connection.duck, source)
    except duckdb.Error as error:
        raise _does_not_exist("Table", source) from error
    stream = StreamDefinition(name, source, spec.append_only)
    copy_grants = _COPY_GRANTS.search(sql) is not None
    # Ownership first: the catalog and the registry are two files (two DuckDB transactions), and
    # a crash between them must leave a state the same statement, run again, repairs.
    hook_object_created(connection, Kind.STREAM, str(name), exists, copy_grants, source=str(source))
    runtime.registry.save_stream(connection.duck, stream, -1 if spec.show_initial_rows else mark)
    return _status(f"Stream {name.name} successfully created.")


def drop_stream(connection: RunnerConnection, sql: str, params: Any) -> list[ResultColumn]:
    name_text, if_exists = streams.parse_drop_stream(sql)
    name = connection.runtime.object_name(name_text, connection)
    if connection.runtime.registry.stream(name) is None:
        if if_exists:
            return _status(f"Drop statement executed successfully ({name.name} already dropped).")
        raise _does_not_exist("Stream", name)
    connection.access.require_privileges(_securable(Kind.STREAM, name), (OWNERSHIP,))
    connection.runtime.registry.drop_stream(connection.duck, name)
    hook_object_dropped(connection, Kind.STREAM, str(name))
    return _status(f"{name.name} successfully dropped.")


# Tasks ------------------------------------------------------------------------------------------
def create_task(connection: RunnerConnection, sql: str, params: Any) -> list[ResultColumn]:
    definition = tasks.parse_create_task(sql)
    runtime = connection.runtime
    name = runtime.object_name(definition.name_text, connection)
    exists = runtime.registry.definition(DefinitionKind.TASK, name) is not None
    access = connection.access
    task = _securable(Kind.TASK, name)
    access.require_create(task, exists and definition.or_replace, "CREATE TASK")
    if definition.warehouse is None:
        access.require_privileges(ACCOUNT, ("EXECUTE MANAGED TASK",))
    else:
        access.checker.require_usage_of_warehouse(access.roles(), definition.warehouse)
    if exists:
        if definition.if_not_exists:
            return _status(f"{name.name} already exists, statement succeeded.")
        if not definition.or_replace:
            raise _already_exists(name)
    for predecessor in definition.after:
        runtime.object_name(predecessor, connection)  # validates the name
    # A created or replaced task is suspended until ALTER TASK ... RESUME, as in Snowflake.
    stored = StoredDefinition(
        DefinitionKind.TASK, name, name.database, name.schema, sql, tasks.SUSPENDED
    )
    hook_object_created(  # ownership first (see create_stream)
        connection, Kind.TASK, str(name), exists, _COPY_GRANTS.search(sql) is not None
    )
    runtime.registry.save_definition(connection.duck, stored)
    return _status(f"Task {name.name} successfully created.")


def alter_task(connection: RunnerConnection, sql: str, params: Any) -> list[ResultColumn]:
    name_text, if_exists, action = tasks.parse_alter_task(sql)
    runtime = connection.runtime
    name = runtime.object_name(name_text, connection)
    stored = runtime.registry.definition(DefinitionKind.TASK, name)
    if stored is None:
        if if_exists:
            return _status("Statement executed successfully.")
        raise _does_not_exist("Task", name)
    access = connection.access
    task = _securable(Kind.TASK, name)
    if action in ("RESUME", "SUSPEND"):
        # The owner or a role with OPERATE; RESUME verifies the owner role may run the task.
        access.require_privileges(task, ("OPERATE",))
        if action == "RESUME":
            access.require_task_owner_may_run(
                task, tasks.parse_create_task(stored.definition).warehouse
            )
    else:
        access.require_privileges(task, (OWNERSHIP,))
    if action in ("RESUME", "SUSPEND"):
        state = tasks.STARTED if action == "RESUME" else tasks.SUSPENDED
        runtime.registry.set_state(connection.duck, DefinitionKind.TASK, name, state)
    return _status("Statement executed successfully.")


def execute_task(connection: RunnerConnection, sql: str, params: Any) -> list[ResultColumn]:
    name_text, _ = tasks.parse_task_name(sql, "EXECUTE", "TASK")
    name = connection.runtime.object_name(name_text, connection)
    stored = connection.runtime.registry.definition(DefinitionKind.TASK, name)
    if stored is not None:
        task = _securable(Kind.TASK, name)
        connection.access.require_privileges(task, ("OPERATE",))
        connection.access.require_task_owner_may_run(
            task, tasks.parse_create_task(stored.definition).warehouse
        )
    try:
        run = connection.runtime.scheduler.execute(name)
    except LookupError as error:
        raise _does_not_exist("Task", name) from error
    return _status(f"Task {name.name} ran: {run.state}" + (f" ({run.error})" if run.error else ""))


def drop_task(connection: RunnerConnection, sql: str, params: Any) -> list[ResultColumn]:
    name_text, if_exists = tasks.parse_task_name(sql, "DROP", "TASK")
    return _drop_definition(connection, DefinitionKind.TASK, name_text, if_exists)


# Procedures -------------------------------------------------------------------------------------
def create_procedure(connection: RunnerConnection, sql: str, params: Any) -> list[ResultColumn]:
    definition = procedures.parse_create_procedure(sql)
    runtime = connection.runtime
    name = runtime.object_name(definition.name_text, connection)
    exists = runtime.registry.definition(DefinitionKind.PROCEDURE, name) is not None
    connection.access.require_create(
        _securable(Kind.PROCEDURE, name), exists and definition.or_replace, "CREATE PROCEDURE"
    )
    if exists:
        if definition.if_not_exists:
            return _status(f"{name.name} already exists, statement succeeded.")
        if not definition.or_replace:
            raise _already_exists(name)
    stored = StoredDefinition(DefinitionKind.PROCEDURE, name, name.database, name.schema, sql, None)
    hook_object_created(  # ownership first (see create_stream)
        connection, Kind.PROCEDURE, str(name), exists, _COPY_GRANTS.search(sql) is not None
    )
    runtime.registry.save_definition(connection.duck, stored)
    return _status(f"Function {name.name} successfully created.")


def drop_procedure(connection: RunnerConnection, sql: str, params: Any) -> list[ResultColumn]:
    name_text, if_exists = procedures.parse_drop_procedure(sql)
    return _drop_definition(connection, DefinitionKind.PROCEDURE, name_text, if_exists)


def call(connection: RunnerConnection, sql: str, params: Any) -> list[ResultColumn]:
    name_text, arguments_text = procedures.parse_call(sql)
    runtime = connection.runtime
    name = runtime.object_name(name_text, connection)
    stored = runtime.registry.definition(DefinitionKind.PROCEDURE, name)
    if stored is None:
        raise _does_not_exist("Procedure", name)
    procedure = _securable(Kind.PROCEDURE, name)
    connection.access.require_privileges(procedure, ("USAGE",))
    connection.access.require_warehouse()
    body_session = connection.access.body_session(procedure, _owner_rights(stored.definition))
    if connection.in_transaction():
        raise ProgrammingError(
            msg="the local runner does not emulate CALL inside an open transaction; "
            "procedures open their own transaction",
            errno=90232,
            sqlstate="25000",
        )
    definition = runtime.procedure(stored)
    arguments: list[Any] = []
    if arguments_text:
        cursor = connection.cursor()
        cursor.execute(_positional_select(arguments_text), params)
        arguments = list(cursor.fetchone() or ())
    # Owner's rights: the body runs in the procedure's own database and schema, on a connection
    # of its own (binds are qmark), one CALL of a procedure at a time.
    with runtime.exclusive(f"procedure {name}"):
        body_connection = runtime.connect(
            name.database, name.schema, session=body_session, paramstyle="qmark"
        )
        try:
            value = procedures.call(
                name,
                definition,
                body_connection.cursor(),
                body_connection.in_transaction,
                arguments,
                runtime.failures,
            )
        finally:
            body_connection.close()
    return [(name.name, definition.returns, value)]


def _positional_select(arguments_text: str) -> str:
    """``SELECT a1 AS "1", a2 AS "2", ...``: CALL's arguments are positional ("CALL
    <procedure_name> ( [ [ <arg_name> => ] <arg> , ... ] )", CALL), and a result with two
    same-named columns (``NULL, NULL``) would come back with one of them dropped."""
    pieces = split_statements(arguments_text, separator=TokenType.COMMA)
    return "SELECT " + ", ".join(
        f'{piece.text} AS "{position}"' for position, piece in enumerate(pieces, start=1)
    )


def _drop_definition(
    connection: RunnerConnection, kind: DefinitionKind, name_text: str, if_exists: bool
) -> list[ResultColumn]:
    name = connection.runtime.object_name(name_text, connection)
    if connection.runtime.registry.definition(kind, name) is None:
        if if_exists:
            return _status(f"Drop statement executed successfully ({name.name} already dropped).")
        raise _does_not_exist(kind.value.title(), name)
    access_kind = Kind.TASK if kind is DefinitionKind.TASK else Kind.PROCEDURE
    connection.access.require_privileges(_securable(access_kind, name), (OWNERSHIP,))
    connection.runtime.registry.drop_definition(connection.duck, kind, name)
    hook_object_dropped(connection, access_kind, str(name))
    return _status(f"{name.name} successfully dropped.")


def _securable(kind: Kind, name: ObjectName) -> Securable:
    return Securable(kind, str(name))


_COPY_GRANTS = re.compile(r"\bCOPY\s+GRANTS\b", re.IGNORECASE)
_EXECUTE_AS_CALLER = re.compile(r"\bEXECUTE\s+AS\s+(RESTRICTED\s+)?CALLER\b", re.IGNORECASE)


def _owner_rights(definition: str) -> bool:
    """EXECUTE AS OWNER is the default ("The default is owner's rights"); the clause sits in the
    header, before the body."""
    header = definition.split("$$", 1)[0]
    return _EXECUTE_AS_CALLER.search(header) is None


# Dispatch ---------------------------------------------------------------------------------------
# Leading words (after CREATE [OR REPLACE] [SECURE]) -> handler.
_HANDLERS: dict[tuple[str, ...], Handler] = {
    ("CREATE", "STREAM"): create_stream,
    ("DROP", "STREAM"): drop_stream,
    ("CREATE", "TASK"): create_task,
    ("ALTER", "TASK"): alter_task,
    ("EXECUTE", "TASK"): execute_task,
    ("DROP", "TASK"): drop_task,
    ("CREATE", "PROCEDURE"): create_procedure,
    ("DROP", "PROCEDURE"): drop_procedure,
    ("CALL",): call,
    # Access control (access/ddl.py, access/grants.py).
    ("CREATE", "ROLE"): ddl.create_role,
    ("CREATE", "USER"): ddl.create_user,
    ("CREATE", "WAREHOUSE"): ddl.create_warehouse,
    ("CREATE", "RESOURCE", "MONITOR"): ddl.create_resource_monitor,
    ("ALTER", "USER"): ddl.alter_user,
    ("ALTER", "WAREHOUSE"): ddl.alter_warehouse,
    ("ALTER", "ACCOUNT"): ddl.alter_account_parameters,
    ("GRANT",): grants.grant_or_revoke,
    ("REVOKE",): grants.grant_or_revoke,
    ("USE", "ROLE"): ddl.use_role,
    ("USE", "SECONDARY"): ddl.use_role,
    ("USE", "WAREHOUSE"): ddl.use_warehouse,
    ("SHOW", "GRANTS"): grants.show_grants,
    ("SHOW", "FUTURE", "GRANTS"): grants.show_grants,
    ("SHOW", "TASKS"): show.show_tasks,
    ("SHOW", "STREAMS"): show.show_streams,
}


def handler_for(sql: str) -> Handler | None:
    text = without_leading_comments(sql)
    words = [word.upper() for word in _WORDS.findall(text[:80])[:5]]
    if words[:1] == ["CREATE"]:
        words = [w for w in words if w not in ("OR", "REPLACE", "SECURE")]
    special = ddl.special_handler(text)
    if special is not None:
        return special  # type: ignore[no-any-return]
    for key, handler in _HANDLERS.items():
        if tuple(words[: len(key)]) == key:
            return handler
    if table_options.handles(text):
        return table_options.alter_table
    if noop_rule(text) is not None:
        return noop
    return None
