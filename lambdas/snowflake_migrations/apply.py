"""Apply the change scripts to a Snowflake connection, recording each in a history table.

Versioned scripts run once and an edited applied one is refused; repeatable scripts re-run when
their checksum changes; always-scripts run every time. The connection is anything DB-API-like
(the Snowflake connector, or the local warehouse runner that emulates streams, tasks and
procedures on fakesnow).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from lambdas.snowflake_migrations.grants import require_executed
from lambdas.snowflake_migrations.scripts import (
    MigrationScript,
    ScriptKind,
    SqlVariables,
    discover,
    render,
    split,
)

HISTORY_SQL_DIR = Path(__file__).parent / "sql"
# Error text stored in the history table and sent back to CloudFormation is kept short.
MAX_ERROR_CHARS = 1000
# Statements Snowflake can roll back (DDL commits implicitly).
DML_STATEMENT = re.compile(r"^(?:INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE)


class Cursor(Protocol):
    def execute(self, command: str, params: Any = None) -> Any: ...
    def fetchall(self) -> list[Any]: ...


class Connection(Protocol):
    def cursor(self) -> Any: ...


class MigrationError(RuntimeError):
    """A script could not be applied; the message says which statement and why."""


class EditedScriptError(MigrationError):
    """An already applied versioned script was changed; versions are immutable."""


@dataclass
class ApplyResult:
    applied: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _history_sql(name: str, variables: SqlVariables) -> str:
    return render((HISTORY_SQL_DIR / name).read_text(encoding="utf-8"), variables)


def applied_checksums(connection: Connection, variables: SqlVariables) -> dict[str, str]:
    """Latest successful checksum per script (creates the history table if needed)."""
    cursor = connection.cursor()
    for statement in split(_history_sql("history_create.sql", variables)):
        cursor.execute(statement)
    cursor.execute(_history_sql("history_applied.sql", variables))
    return {str(row[0]): str(row[1]) for row in cursor.fetchall()}


def plan(scripts: list[MigrationScript], applied: dict[str, str]) -> list[MigrationScript]:
    """The scripts to run now, in order; refuses edited or out-of-order versioned scripts."""
    edited = [
        s.name
        for s in scripts
        if s.kind is ScriptKind.VERSIONED and s.name in applied and applied[s.name] != s.checksum
    ]
    if edited:
        raise EditedScriptError(
            f"applied versioned scripts were edited: {', '.join(edited)}; "
            "add a new V script instead of changing an applied one"
        )
    applied_versions = [
        s.version for s in scripts if s.kind is ScriptKind.VERSIONED and s.name in applied
    ]
    highest = max((v for v in applied_versions if v is not None), default=())
    pending: list[MigrationScript] = []
    for script in scripts:
        if script.kind is ScriptKind.VERSIONED:
            if script.name in applied:
                continue
            if script.version is not None and script.version < highest:
                raise MigrationError(
                    f"{script.name} is older than the applied version "
                    f"{'.'.join(map(str, highest))}; renumber it above"
                )
        elif script.kind is ScriptKind.REPEATABLE and applied.get(script.name) == script.checksum:
            continue
        pending.append(script)
    return pending


def _record(
    connection: Connection,
    variables: SqlVariables,
    script: MigrationScript,
    status: str,
    execution_ms: int,
    error_message: str | None = None,
) -> None:
    connection.cursor().execute(
        _history_sql("history_record.sql", variables),
        {
            "script": script.name,
            "script_type": script.kind.value,
            "version": script.version_label,
            "description": script.description,
            "checksum": script.checksum,
            "status": status,
            "error_message": error_message,
            "execution_ms": execution_ms,
        },
    )


def is_transactional(script: MigrationScript) -> bool:
    """True when every statement is DML, so the whole script can run in one transaction.

    Snowflake commits each DDL statement on its own (and commits any open transaction first), so a
    script with DDL cannot be made atomic; it must be written to be re-runnable instead.
    """
    statements = script.statements()
    return bool(statements) and all(DML_STATEMENT.match(s) for s in statements)


def apply_script(connection: Connection, variables: SqlVariables, script: MigrationScript) -> None:
    """Run one script statement by statement and record the outcome.

    A DML-only script runs in one transaction together with its history row: it is applied whole
    or not at all. Otherwise a failure leaves the statements before it applied, which the error
    message says. A GRANT/REVOKE that Snowflake answers without executing is a failure too.
    """
    started = time.monotonic()
    cursor = connection.cursor()
    transactional = is_transactional(script)
    if transactional:
        cursor.execute("BEGIN TRANSACTION")
    for index, statement in enumerate(script.statements(), start=1):
        try:
            cursor.execute(statement)
            require_executed(statement, cursor)
        except Exception as exc:
            if transactional:
                cursor.execute("ROLLBACK")
                effect = "the script was rolled back"
            else:
                effect = f"statements 1-{index - 1} stayed applied" if index > 1 else "nothing ran"
            first_line = statement.splitlines()[0][:120]
            message = f"{script.name} statement {index} ({first_line}): {exc}; {effect}"
            message = message[:MAX_ERROR_CHARS]
            elapsed_ms = int((time.monotonic() - started) * 1000)
            _record(connection, variables, script, "FAILED", elapsed_ms, message)
            raise MigrationError(message) from exc
    _record(connection, variables, script, "SUCCESS", int((time.monotonic() - started) * 1000))
    if transactional:
        cursor.execute("COMMIT")


def apply_migrations(
    connection: Connection, scripts_dir: Path, variables: SqlVariables
) -> ApplyResult:
    """Apply what is new or changed in ``scripts_dir``; a re-run with no changes only runs A__."""
    scripts = discover(scripts_dir, variables)
    pending = plan(scripts, applied_checksums(connection, variables))
    result = ApplyResult(skipped=[s.name for s in scripts if s not in pending])
    for script in pending:
        apply_script(connection, variables, script)
        result.applied.append(script.name)
    return result
