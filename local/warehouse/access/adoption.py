"""Adoption of a warehouse built before the local warehouse enforced access control.

Such a warehouse (built by the code before this change) has its objects, data and migration
history, but no catalog: every role, grant and ownership was a no-op. In a real account the same
history left every object owned by the deploy role (the migrations ran as it) and the GRANTs of
the applied scripts in force. Adoption reproduces exactly that, once, after the bootstrap:

1. objects the catalog does not know (tables, views, streams, tasks, procedures, schemas) are
   recorded as owned by the deploy role, which created them;
2. started tasks are suspended (ownership of a task moves only while it is suspended, and the
   always-scripts resume them at the end of the migrations);
3. the access-control statements (GRANT, REVOKE, CREATE ROLE, ALTER USER) of every script that
   is recorded as applied with its current checksum are replayed as the deploy user, in apply
   order. Scripts changed since are re-applied whole by the migrations anyway.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import sqlglot
from sqlglot import exp

from lambdas.snowflake_migrations.apply import MigrationError, applied_checksums
from lambdas.snowflake_migrations.scripts import SqlVariables, discover
from local.warehouse.access.catalog import ADOPTION
from local.warehouse.access.model import Kind, Securable
from local.warehouse.registry import DefinitionKind

ACCESS_STATEMENT = re.compile(
    r"^\s*(GRANT|REVOKE|CREATE\s+ROLE|CREATE\s+OR\s+REPLACE\s+ROLE|ALTER\s+USER)\b", re.IGNORECASE
)
_INTERNAL_SCHEMAS = {"MAIN", "_LOCAL", "INFORMATION_SCHEMA", "PG_CATALOG"}


def adopt(
    runtime: Any,
    connection: Any,
    databases: Iterable[str],
    scripts_dir: Path,
    variables: SqlVariables,
    deploy_role: str,
) -> list[str]:
    """Adopt the warehouse for ``deploy_role``; ``connection`` is the deploy user's. Returns the
    replayed statements."""
    catalog = runtime.access.catalog
    with catalog.batch():
        for securable, properties in _existing_objects(runtime, list(databases)):
            if catalog.object(securable) is None:
                catalog.put_object(securable, deploy_role, properties)
    cursor = connection.cursor()
    for task in runtime.registry.definitions(DefinitionKind.TASK):
        if task.state == "started":
            cursor.execute(f"ALTER TASK {task.name} SUSPEND")
    applied = applied_checksums(connection, variables)
    replayed: list[str] = []
    for script in discover(scripts_dir, variables):
        if applied.get(script.name) != script.checksum:
            continue
        for statement in script.statements():
            if not ACCESS_STATEMENT.match(statement):
                continue
            cursor.execute(statement)
            status = str((cursor.fetchone() or ("",))[0])
            if (
                not status.startswith("Statement executed successfully")
                and "already exists" not in status
            ):
                raise MigrationError(f"adopting {script.name}: {statement!r} answered {status!r}")
            replayed.append(statement)
    catalog.set_state(ADOPTION, "done")
    return replayed


def _existing_objects(runtime: Any, databases: list[str]) -> list[tuple[Securable, dict[str, Any]]]:
    found: list[tuple[Securable, dict[str, Any]]] = []
    wanted = {database.upper() for database in databases}
    duck = runtime.duck()
    try:
        for catalog_name, schema in duck.execute(
            "SELECT catalog_name, schema_name FROM information_schema.schemata"
        ).fetchall():
            if catalog_name.upper() in wanted and not _internal(schema):
                found.append((Securable(Kind.SCHEMA, f"{catalog_name}.{schema}".upper()), {}))
        views = {
            (d.upper(), s.upper(), v.upper()): sql
            for d, s, v, sql in duck.execute(
                "SELECT database_name, schema_name, view_name, sql FROM duckdb_views() "
                "WHERE NOT internal"
            ).fetchall()
        }
        for catalog_name, schema, table in duck.execute(
            "SELECT table_catalog, table_schema, table_name FROM information_schema.tables"
        ).fetchall():
            key = (catalog_name.upper(), schema.upper(), table.upper())
            if key[0] not in wanted or _internal(schema):
                continue
            name = ".".join(key)
            if key in views:
                dependencies = _view_dependencies(views[key], key[0], key[1])
                found.append((Securable(Kind.VIEW, name), {"depends_on": dependencies}))
            else:
                found.append((Securable(Kind.TABLE, name), {}))
    finally:
        duck.close()
    for stream in runtime.registry.streams():
        if stream.name.database in wanted:
            found.append((Securable(Kind.STREAM, str(stream.name)), {"source": str(stream.source)}))
    for kind, access_kind in (
        (DefinitionKind.TASK, Kind.TASK),
        (DefinitionKind.PROCEDURE, Kind.PROCEDURE),
    ):
        for stored in runtime.registry.definitions(kind):
            if stored.name.database in wanted:
                found.append((Securable(access_kind, str(stored.name)), {}))
    return found


def _internal(schema: str) -> bool:
    upper = schema.upper()
    return upper in _INTERNAL_SCHEMAS or upper.startswith("_FS")


def _view_dependencies(sql: str, database: str, schema: str) -> list[str]:
    try:
        expression = sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.ParseError:
        return []
    ctes = {cte.alias_or_name.upper() for cte in expression.find_all(exp.CTE)}
    names: set[str] = set()
    for table in expression.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier) or table.name.upper() in ctes:
            continue
        names.add(
            ".".join(
                [
                    (table.catalog or database).upper(),
                    (table.db or schema).upper(),
                    table.name.upper(),
                ]
            )
        )
    return sorted(names)
