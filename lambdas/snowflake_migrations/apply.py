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
    parse_name,
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


class AccountAheadError(MigrationError):
    """The account holds versioned scripts that these scripts do not carry.

    Newer code migrated the account; these (older) scripts must not run over its schema. This is
    how a CloudFormation update rollback looks from inside: CloudFormation reverts the function's
    code first, so the *previous* code runs with the previous properties, and only the history
    table shows that a newer release was applied.
    """

    def __init__(self, newer: list[str]) -> None:
        self.newer = newer
        super().__init__(
            f"the account holds versioned scripts these scripts do not carry: {', '.join(newer)} "
            "(applied by a newer release). Migrations only go forward, so nothing was applied: "
            "these older repeatable and always-scripts must not run over the newer schema. "
            "Deploy the release that carries them, or a later one"
        )


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


def _versioned_name(name: str) -> tuple[int, ...] | None:
    """The version of a history row's script name, or None when it is not a V script."""
    try:
        kind, version, _ = parse_name(name)
    except ValueError:
        return None
    return version if kind is ScriptKind.VERSIONED else None


def newer_versions(scripts: list[MigrationScript], applied: dict[str, str]) -> list[str]:
    """Applied versioned scripts that ``scripts`` do not carry, in version order."""
    carried = {s.name for s in scripts}
    newer = [(v, name) for name in applied if (v := _versioned_name(name)) and name not in carried]
    return [name for _, name in sorted(newer)]


def _explain_edit(
    script: MigrationScript,
    recorded: str,
    variables: SqlVariables | None,
    previous: SqlVariables | None,
) -> str:
    """Why an applied V script's rendered checksum differs: a setting it renders, or an edit."""
    used = sorted(script.settings)
    if (
        variables is not None
        and previous is not None
        and script.checksum_with(previous) == recorded
    ):
        now, before = variables.as_dict(), previous.as_dict()
        changed = [f"{n} (was {before[n]}, now {now[n]})" for n in used if before[n] != now[n]]
        return f"{script.name} renders the changed setting {', '.join(changed)}"
    if used:
        return (
            f"{script.name} (either the file was edited, or a setting it renders changed since it "
            f"was applied: {', '.join(used)})"
        )
    return f"{script.name} (the file was edited)"


def plan(
    scripts: list[MigrationScript],
    applied: dict[str, str],
    *,
    variables: SqlVariables | None = None,
    previous: SqlVariables | None = None,
) -> list[MigrationScript]:
    """The scripts to run now, in order.

    Refuses, before anything runs: an account migrated by newer scripts
    (:class:`AccountAheadError`), an applied V script whose rendered SQL differs
    (:class:`EditedScriptError`, naming the setting that changed when ``previous``, the settings
    of the last run, explain it), and a new V script numbered below an applied one.
    """
    newer = newer_versions(scripts, applied)
    if newer:
        raise AccountAheadError(newer)
    edited = [
        _explain_edit(s, applied[s.name], variables, previous)
        for s in scripts
        if s.kind is ScriptKind.VERSIONED and s.name in applied and applied[s.name] != s.checksum
    ]
    if edited:
        raise EditedScriptError(
            f"applied versioned scripts differ from what was applied: {'; '.join(edited)}; "
            "add a new V script instead of changing an applied one, and set back any setting "
            "rendered into V scripts (warehouse, role and user names cannot change after the "
            "first deploy: docs/deploy.md, 'Settings fixed after the first deploy')"
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
    connection: Connection,
    scripts_dir: Path,
    variables: SqlVariables,
    *,
    previous: SqlVariables | None = None,
) -> ApplyResult:
    """Apply what is new or changed in ``scripts_dir``; a re-run with no changes only runs A__.

    ``previous`` are the settings of the last deploy (a custom resource Update's old properties),
    used only to name a changed setting in an error.
    """
    scripts = discover(scripts_dir, variables)
    applied = applied_checksums(connection, variables)
    pending = plan(scripts, applied, variables=variables, previous=previous)
    result = ApplyResult(skipped=[s.name for s in scripts if s not in pending])
    for script in pending:
        apply_script(connection, variables, script)
        result.applied.append(script.name)
    return result
