"""The Snowflake side of a deployment: every object the migrations create exists, the schema
history holds every script, the tasks are started, no stream is stale, and each role's grants are
exactly the privilege matrix (``snowflake/admin/privileges.toml``, the file the grants tests use).

``connection`` is a session with the deploy role (it owns the objects and, through the transform
role, the tasks). ``grants_connection`` may show every pipeline role's grants: SHOW GRANTS TO
ROLE needs the role in the session's hierarchy or MANAGE GRANTS (SECURITYADMIN holds it).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lambdas.pipeline_verify.report import Check, failed, passed
from lambdas.snowflake_migrations.apply import pending_scripts, script_history
from lambdas.snowflake_migrations.bootstrap import AccountNames
from lambdas.snowflake_migrations.privileges import (
    ExpectedFutureGrant,
    PrivilegeMatrix,
    future_from_show,
    grants_from_show,
    load_matrix,
    roles_from_show,
)
from lambdas.snowflake_migrations.scripts import SqlVariables

AREA = "snowflake"
OBJECT_KINDS = ("TABLE", "VIEW", "STREAM", "TASK", "PROCEDURE")
SCHEMAS = ("BRONZE", "SILVER", "GOLD", "OPS")


def _rows(connection: Any, sql: str) -> list[dict[str, Any]]:
    cursor = connection.cursor()
    try:
        cursor.execute(sql)
        columns = [str(column[0]).lower() for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    finally:
        cursor.close()


def _tuples(connection: Any, sql: str) -> list[tuple[Any, ...]]:
    cursor = connection.cursor()
    try:
        cursor.execute(sql)
        return [tuple(row) for row in cursor.fetchall()]
    finally:
        cursor.close()


def snowflake_checks(
    connection: Any,
    grants_connection: Any,
    scripts_dir: Path,
    variables: SqlVariables,
    names: AccountNames | None = None,
) -> Iterator[Check]:
    matrix = load_matrix(scripts_dir, variables, names)
    yield from _history(connection, scripts_dir, variables)
    yield from _objects(connection, matrix)
    yield from _tasks(connection, matrix, variables)
    yield from _streams(connection, variables)
    yield from _grants(grants_connection, matrix, variables)


def _history(connection: Any, scripts_dir: Path, variables: SqlVariables) -> Iterator[Check]:
    check = "schema history"
    try:
        history = script_history(connection, variables)
        pending = pending_scripts(connection, scripts_dir, variables)
    except Exception as error:
        yield failed(
            AREA,
            check,
            "every script of snowflake/ applied (SUCCESS)",
            str(error),
            "run the migrations: npx cdk deploy, or pos migrate apply",
        )
        return
    failed_scripts = [r.script for r in history if r.status != "SUCCESS"]
    # A__ scripts run on every deploy: always "pending", never missing.
    pending_names = [script.name for script in pending if not script.name.startswith("A__")]
    if failed_scripts or pending_names:
        found = "; ".join(
            part
            for part in (
                f"failed: {', '.join(failed_scripts)}" if failed_scripts else "",
                f"pending: {', '.join(pending_names)}" if pending_names else "",
            )
            if part
        )
        yield failed(
            AREA,
            check,
            "every script of snowflake/ applied (SUCCESS)",
            found,
            "read OPS.SCHEMA_CHANGE_HISTORY's ERROR_MESSAGE (pos migrate status), fix, "
            "then npx cdk deploy or pos migrate apply",
        )
    else:
        applied = sum(1 for r in history if r.status == "SUCCESS")
        yield passed(AREA, check, f"{applied} scripts applied, none pending")


def _expected_objects(matrix: PrivilegeMatrix) -> list[tuple[str, str]]:
    """Every object a migration creates: the deploy and transform roles own each of them."""
    owned = matrix.role("deploy").grants | matrix.role("transform").grants
    return sorted(
        {(g.kind, g.name) for g in owned if g.privilege == "OWNERSHIP" and g.kind in OBJECT_KINDS}
    )


def _objects(connection: Any, matrix: PrivilegeMatrix) -> Iterator[Check]:
    expected = _expected_objects(matrix)
    missing = []
    for kind, name in expected:
        target = f"{name}()" if kind == "PROCEDURE" else name
        try:
            _tuples(connection, f"SHOW GRANTS ON {kind} {target}")
        except Exception:
            missing.append(f"{kind} {name}")
    check = f"{len(expected)} objects"
    if missing:
        yield failed(
            AREA,
            check,
            "every table, view, stream, task and procedure of snowflake/",
            f"missing: {', '.join(missing)}",
            "a migration did not run or the object was dropped: pos migrate status, then "
            "pos migrate apply (a dropped Bronze table needs a restore, never a rerun)",
        )
    else:
        yield passed(AREA, check, "all exist")


def _tasks(connection: Any, matrix: PrivilegeMatrix, variables: SqlVariables) -> Iterator[Check]:
    expected = sorted(
        g.name
        for g in matrix.role("transform").grants
        if g.privilege == "OWNERSHIP" and g.kind == "TASK"
    )
    try:
        shown = {
            f"{row['database_name']}.{row['schema_name']}.{row['name']}": str(row["state"])
            for row in _rows(connection, f"SHOW TASKS IN DATABASE {variables.database}")
        }
    except Exception as error:
        yield failed(AREA, "tasks", "every task started", str(error), "check the role's grants")
        return
    for name in expected:
        state = shown.get(name, "missing")
        check = f"task {name.split('.', 1)[1]}"
        if state == "started":
            yield passed(AREA, check, "started")
        else:
            yield failed(
                AREA,
                check,
                "started",
                state,
                f"run A__2 (pos migrate apply resumes the tasks in order) or "
                f"ALTER TASK {name} RESUME",
            )


def _streams(connection: Any, variables: SqlVariables) -> Iterator[Check]:
    check = "streams"
    try:
        streams = _rows(connection, f"SHOW STREAMS IN DATABASE {variables.database}")
    except Exception as error:
        yield failed(AREA, check, "no stale stream", str(error), "check the role's grants")
        return
    stale = [
        f"{row['schema_name']}.{row['name']}"
        for row in streams
        if str(row.get("stale", "false")).lower() == "true"
    ]
    if stale:
        yield failed(
            AREA,
            check,
            "no stale stream",
            f"stale: {', '.join(stale)}",
            "a stale stream cannot be read again: recreate it (its V script's CREATE "
            "STREAM) and reload what it missed (docs/operations.md)",
        )
    else:
        yield passed(AREA, check, f"{len(streams)} streams, none stale")


def _grants(connection: Any, matrix: PrivilegeMatrix, variables: SqlVariables) -> Iterator[Check]:
    for entry in matrix.roles.values():
        check = f"grants of {entry.role}"
        try:
            shown = grants_from_show(_tuples(connection, f"SHOW GRANTS TO ROLE {entry.role}"))
            users = {
                u: roles_from_show(_tuples(connection, f"SHOW GRANTS TO USER {u}"))
                for u in entry.users
            }
        except Exception as error:
            yield failed(
                AREA,
                check,
                "exactly the privilege matrix",
                str(error),
                "verify the grants with a role holding MANAGE GRANTS (--grants-role SECURITYADMIN)",
            )
            continue
        missing = sorted(map(str, entry.grants - shown))
        extra = sorted(map(str, shown - entry.grants))
        wrong_users = [f"{u} holds {sorted(r)}" for u, r in users.items() if r != {entry.role}]
        if missing or extra or wrong_users:
            found = "; ".join(
                f"{label}: {', '.join(items)}"
                for label, items in (
                    ("missing", missing),
                    ("not in the matrix", extra),
                    ("users", wrong_users),
                )
                if items
            )
            yield failed(
                AREA,
                check,
                "exactly its entry in snowflake/admin/privileges.toml",
                found,
                "a grant was revoked or added by hand: pos migrate apply re-runs the R__ "
                "grants; revoke extras; V grants need a new V script",
            )
        else:
            yield passed(AREA, check, f"{len(shown)} grants = the matrix")
    future: set[ExpectedFutureGrant] = set()
    try:
        for schema in SCHEMAS:
            future |= future_from_show(
                _tuples(connection, f"SHOW FUTURE GRANTS IN SCHEMA {variables.database}.{schema}")
            )
    except Exception as error:
        yield failed(
            AREA,
            "future grants",
            "the matrix's future grants",
            str(error),
            "verify with a role holding MANAGE GRANTS",
        )
        return
    if future == matrix.future:
        yield passed(AREA, "future grants", f"{len(future)} = the matrix")
    else:
        differ = sorted(str(f) for f in future ^ matrix.future)
        yield failed(
            AREA,
            "future grants",
            "the matrix's future grants",
            f"differ: {differ}",
            "pos migrate apply (V23, R__ops_monitor_role)",
        )
