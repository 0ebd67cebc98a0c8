"""Statement kind -> the privileges Snowflake checks, from each command's reference page
("Access control requirements") or the privileges reference.

``RULES`` is the table docs/local_warehouse.md shows (a test keeps the two equal).
:func:`analyse` reads a statement fakesnow parsed (its sqlglot expression) and returns what it
needs: SELECT on every table, view or stream it reads, the DML privilege on the table it writes,
the CREATE privilege on the schema a new object goes into (and OWNERSHIP of an object it
replaces or drops), and whether it needs a warehouse. The objects are resolved once, so a
cached statement is checked for each session's role from this list without parsing it again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from local.warehouse.access.catalog import ObjectRecord
from local.warehouse.access.model import ACCOUNT, OWNERSHIP, USAGE, Kind, Securable

_PRIVS = "https://docs.snowflake.com/en/user-guide/security-access-control-privileges"
_SQL = "https://docs.snowflake.com/en/sql-reference/sql/"
_CONFIGURE = "https://docs.snowflake.com/en/user-guide/security-access-control-configure"


@dataclass(frozen=True)
class Rule:
    statement: str
    privileges: str
    doc: str


# Every statement kind the project runs, with the privileges the local warehouse checks for it.
RULES: dict[str, Rule] = {
    rule.statement: rule
    for rule in (
        Rule(
            "any statement on a schema object",
            "USAGE (or any privilege) on its database and its schema",
            f"{_CONFIGURE}#creating-custom-read-only-roles",
        ),
        Rule(
            "SELECT",
            "SELECT on each table and view read; a stream: SELECT on the stream and "
            "on its source table; USAGE on the session's warehouse",
            f"{_PRIVS}#table-privileges",
        ),
        Rule(
            "SELECT from a view",
            "SELECT on the view; the view's owner: SELECT on what the view reads (owner's rights)",
            f"{_SQL}create-view#access-control-requirements",
        ),
        Rule("INSERT", "INSERT on the target; SELECT on tables read", f"{_PRIVS}#table-privileges"),
        Rule("UPDATE", "UPDATE on the target; SELECT on tables read", f"{_PRIVS}#table-privileges"),
        Rule("DELETE", "DELETE on the target; SELECT on tables read", f"{_PRIVS}#table-privileges"),
        Rule(
            "MERGE",
            "INSERT / UPDATE / DELETE on the target for each WHEN clause; SELECT on the source",
            f"{_SQL}merge",
        ),
        Rule("TRUNCATE TABLE", "TRUNCATE on the table", f"{_PRIVS}#table-privileges"),
        Rule(
            "SYSTEM$STREAM_HAS_DATA",
            "SELECT on the stream",
            "https://docs.snowflake.com/en/sql-reference/functions/system_stream_has_data",
        ),
        Rule(
            "local task history (_LOCAL.TASK_HISTORY)",
            "as INFORMATION_SCHEMA.TASK_HISTORY: "
            "ACCOUNTADMIN, MONITOR EXECUTION on the account, or OWNERSHIP / MONITOR / OPERATE "
            "on every task of the database",
            "https://docs.snowflake.com/en/user-guide/tasks-intro#viewing-task-history",
        ),
        Rule(
            "SELECT from a database's INFORMATION_SCHEMA view",
            "any privilege (USAGE) on the database; rows are not filtered locally",
            "https://docs.snowflake.com/en/sql-reference/info-schema",
        ),
        Rule(
            "CREATE DATABASE",
            "CREATE DATABASE on the account",
            f"{_SQL}create-database#access-control-requirements",
        ),
        Rule(
            "CREATE SCHEMA [WITH MANAGED ACCESS]",
            "CREATE SCHEMA on the database; OR REPLACE: OWNERSHIP of the schema",
            f"{_SQL}create-schema#access-control-requirements",
        ),
        Rule(
            "ALTER SCHEMA ... ENABLE MANAGED ACCESS",
            "OWNERSHIP of the schema and the global MANAGE GRANTS; no open future grants",
            f"{_SQL}alter-schema#usage-notes",
        ),
        Rule(
            "CREATE TABLE (also TRANSIENT, CTAS)",
            "CREATE TABLE on the schema (also with IF NOT "
            "EXISTS); OR REPLACE: OWNERSHIP of the table; CTAS: SELECT on what it reads",
            f"{_SQL}create-table#access-control-requirements",
        ),
        Rule(
            "CREATE VIEW",
            "CREATE VIEW on the schema; SELECT on what it reads; OR REPLACE: OWNERSHIP of the view",
            f"{_SQL}create-view#access-control-requirements",
        ),
        Rule(
            "CREATE STREAM",
            "CREATE STREAM on the schema; SELECT on the source table; OR "
            "REPLACE: OWNERSHIP of the stream",
            f"{_SQL}create-stream#access-control-requirements",
        ),
        Rule(
            "CREATE TASK",
            "CREATE TASK on the schema; USAGE on its warehouse, or EXECUTE "
            "MANAGED TASK on the account when serverless; OR REPLACE: OWNERSHIP of the task",
            "https://docs.snowflake.com/en/user-guide/tasks-intro#creating-tasks",
        ),
        Rule(
            "ALTER TASK ... RESUME / SUSPEND",
            "OWNERSHIP or OPERATE on the task; on RESUME the "
            "owner role must hold EXECUTE TASK on the account and USAGE on the database, schema "
            "and warehouse (serverless: EXECUTE MANAGED TASK)",
            "https://docs.snowflake.com/en/user-guide/tasks-intro#resuming-or-suspending-tasks",
        ),
        Rule(
            "EXECUTE TASK",
            "OWNERSHIP or OPERATE on the task; the owner role as for RESUME",
            f"{_SQL}execute-task#access-control-requirements",
        ),
        Rule(
            "task run",
            "the owner role: EXECUTE TASK, USAGE on the database, schema and "
            "warehouse (serverless: EXECUTE MANAGED TASK), then the privileges of its statement",
            "https://docs.snowflake.com/en/user-guide/tasks-intro#running-tasks",
        ),
        Rule(
            "CREATE PROCEDURE",
            "CREATE PROCEDURE on the schema; OR REPLACE: OWNERSHIP of the procedure",
            f"{_SQL}create-procedure#access-control-requirements",
        ),
        Rule(
            "CALL",
            "USAGE on the procedure; an EXECUTE AS OWNER body runs with the owner's privileges",
            "https://docs.snowflake.com/en/developer-guide/stored-procedure/"
            "stored-procedures-rights",
        ),
        Rule("DROP <object>", "OWNERSHIP of the object", f"{_SQL}drop"),
        Rule("ALTER TABLE / ALTER <object> SET", "OWNERSHIP of the object", f"{_SQL}alter-table"),
        Rule(
            "ALTER TABLE ... ADD / DROP SEARCH OPTIMIZATION",
            "OWNERSHIP of the table and ADD SEARCH OPTIMIZATION on its schema",
            "https://docs.snowflake.com/en/user-guide/search-optimization/enabling",
        ),
        Rule("USE DATABASE / SCHEMA", "USAGE (or any privilege) on it", f"{_SQL}use-database"),
        Rule(
            "USE ROLE",
            "the role is granted to the user (directly or below a granted role)",
            f"{_SQL}use-role#usage-notes",
        ),
        Rule("USE WAREHOUSE", "USAGE on the warehouse", f"{_SQL}use-warehouse"),
        Rule(
            "CREATE ROLE",
            "CREATE ROLE on the account (USERADMIN and above), also with IF NOT EXISTS",
            f"{_CONFIGURE}#create-a-role",
        ),
        Rule(
            "CREATE USER",
            "CREATE USER on the account (USERADMIN and above)",
            f"{_SQL}create-user#access-control-requirements",
        ),
        Rule(
            "ALTER USER ... SET",
            "OWNERSHIP of the user (or a higher role)",
            f"{_CONFIGURE}#grant-the-role-to-users",
        ),
        Rule(
            "CREATE WAREHOUSE",
            "CREATE WAREHOUSE on the account (SYSADMIN and above)",
            f"{_SQL}create-warehouse#access-control-requirements",
        ),
        Rule(
            "ALTER WAREHOUSE ... SET",
            "MODIFY or OWNERSHIP on the warehouse; RESOURCE_MONITOR: ACCOUNTADMIN",
            "https://docs.snowflake.com/en/user-guide/resource-monitors"
            "#access-control-privileges-for-resource-monitors",
        ),
        Rule("CREATE RESOURCE MONITOR", "ACCOUNTADMIN only", f"{_SQL}create-resource-monitor"),
        Rule(
            "GRANT <privileges> ON <object>",
            "MANAGE GRANTS, or OWNERSHIP of the object (plus a "
            "privilege on its database and schema), or the privilege WITH GRANT OPTION; in a "
            "MANAGED ACCESS schema only the schema owner or MANAGE GRANTS; otherwise the "
            "statement returns 'Grant not executed: Insufficient privileges.'",
            f"{_SQL}grant-privilege#access-control-requirements",
        ),
        Rule(
            "GRANT <privileges> ON ACCOUNT",
            "MANAGE GRANTS (the examples use ACCOUNTADMIN)",
            f"{_SQL}grant-privilege#access-control-requirements",
        ),
        Rule(
            "GRANT ... ON FUTURE <objects> IN SCHEMA",
            "standard schema: MANAGE GRANTS; MANAGED "
            "ACCESS schema: the schema owner or MANAGE GRANTS",
            f"{_SQL}grant-privilege#access-control-requirements",
        ),
        Rule(
            "GRANT ... ON ALL <objects> IN SCHEMA",
            "as GRANT on each existing object",
            f"{_SQL}grant-privilege#usage-notes",
        ),
        Rule(
            "GRANT OWNERSHIP ... [COPY / REVOKE] CURRENT GRANTS",
            "OWNERSHIP of the object (or a "
            "higher role) or MANAGE GRANTS; COPY: the active role is the new owner or higher, or "
            "MANAGE GRANTS; refused when the object has grants and neither is given; a task must "
            "be suspended; MANAGED ACCESS schema: only to a role below the schema owner",
            f"{_SQL}grant-ownership",
        ),
        Rule(
            "GRANT ROLE ... TO ROLE / USER",
            "OWNERSHIP of the role granted, or MANAGE GRANTS",
            f"{_SQL}grant-role#access-control-requirements",
        ),
        Rule("REVOKE ...", "as the matching GRANT", f"{_SQL}revoke-privilege"),
        Rule(
            "SHOW GRANTS TO ROLE / ON <object>",
            "the role is the session's role or below it, "
            "or MANAGE GRANTS; ON: any privilege on the object",
            f"{_SQL}show-grants",
        ),
        Rule(
            "SHOW TASKS / SHOW STREAMS",
            "lists only the objects the session's roles hold a privilege on",
            f"{_SQL}show-tasks",
        ),
    )
}


# What a statement needs ---------------------------------------------------------------------
@dataclass(frozen=True)
class Need:
    """One of ``privileges`` on ``securable`` (rule: the RULES key it comes from)."""

    securable: Securable
    privileges: tuple[str, ...]
    rule: str
    label: str | None = None


@dataclass(frozen=True)
class Read:
    """SELECT on a table, view or stream (its kind decides the extra checks)."""

    securable: Securable


@dataclass(frozen=True)
class Missing:
    """A name that resolves to no object: 002003 at check time."""

    name: str


@dataclass(frozen=True)
class TaskHistory:
    database: str


@dataclass(frozen=True)
class Created:
    """After the statement succeeds: the object exists, owned by the session's primary role."""

    securable: Securable
    replaced: bool
    copy_grants: bool = False
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Dropped:
    securable: Securable


Requirement = Need | Read | Missing | TaskHistory
Effect = Created | Dropped


@dataclass(frozen=True)
class StatementAccess:
    requirements: tuple[Requirement, ...] = ()
    effect: Effect | None = None
    uses_warehouse: bool = False


NO_ACCESS = StatementAccess()


@dataclass(frozen=True)
class Resolver:
    """Names of the statement's session, and the catalog to look them up in."""

    database: str | None
    schema: str | None
    lookup: Callable[[Securable], ObjectRecord | None]
    schema_object: Callable[[str], ObjectRecord | None]

    def qualified(self, table: exp.Table) -> str | None:
        written_database, written_schema, name = (
            _ident(table.args.get(key)) for key in ("catalog", "db", "this")
        )
        database = written_database or self.database
        schema = written_schema or self.schema
        if not (database and schema and name):
            return None
        return f"{database}.{schema}.{name}"


def _ident(node: Any) -> str:
    if node is None:
        return ""
    if isinstance(node, exp.Identifier):
        return str(node.this) if node.quoted else str(node.this).upper()
    return str(node.name).upper() if hasattr(node, "name") else str(node).upper()


# Analysis -----------------------------------------------------------------------------------
_DML_TARGET_PRIVILEGE: dict[type[exp.Expr], str] = {
    exp.Insert: "INSERT",
    exp.Update: "UPDATE",
    exp.Delete: "DELETE",
}
_DROP_KINDS = {
    "TABLE": Kind.TABLE,
    "VIEW": Kind.VIEW,
    "SCHEMA": Kind.SCHEMA,
    "DATABASE": Kind.DATABASE,
}


def analyse(expression: exp.Expr, resolver: Resolver) -> StatementAccess:
    """What ``expression`` (a statement fakesnow parsed) needs and does to the catalog."""
    if isinstance(expression, exp.Create):
        return _create(expression, resolver)
    if isinstance(expression, exp.Drop):
        return _drop(expression, resolver)
    if isinstance(expression, (exp.Alter, exp.TruncateTable, exp.Describe)):
        return _on_table(expression, resolver)
    if isinstance(expression, exp.Use):
        return _use(expression, resolver)
    if isinstance(expression, (exp.Insert, exp.Update, exp.Delete, exp.Merge)):
        return _dml(expression, resolver)
    if isinstance(expression, exp.Query):
        reads = _reads(expression, resolver, skip=None)
        return StatementAccess(reads, uses_warehouse=_touches_data(reads))
    return NO_ACCESS


def _touches_data(requirements: tuple[Requirement, ...]) -> bool:
    return any(isinstance(r, (Read, Missing, TaskHistory)) for r in requirements)


def _reads(
    expression: exp.Expr, resolver: Resolver, skip: exp.Table | None
) -> tuple[Requirement, ...]:
    ctes = {cte.alias_or_name.upper() for cte in expression.find_all(exp.CTE)}
    found: list[Requirement] = []
    for table in expression.find_all(exp.Table):
        if table is skip or not isinstance(table.this, exp.Identifier):
            continue
        if not table.args.get("db") and _ident(table.this).upper() in ctes:
            continue
        found.append(_read(table, resolver))
    for call in expression.find_all(exp.Anonymous):
        if str(call.this).upper() == "SYSTEM$STREAM_HAS_DATA" and call.expressions:
            argument = call.expressions[0]
            if isinstance(argument, exp.Literal) and argument.is_string:
                name = _stream_name(argument.this, resolver)
                if name is not None:
                    found.append(
                        Need(
                            Securable(Kind.STREAM, name),
                            ("SELECT",),
                            "SYSTEM$STREAM_HAS_DATA",
                            "Stream",
                        )
                    )
    return tuple(dict.fromkeys(found))


def _stream_name(text: str, resolver: Resolver) -> str | None:
    parts = [part.strip('"') if part.startswith('"') else part.upper() for part in text.split(".")]
    parts = [p for p in ([resolver.database, resolver.schema][: 3 - len(parts)] + parts) if p]
    return ".".join(parts) if len(parts) == 3 else None


def _read(table: exp.Table, resolver: Resolver) -> Requirement:
    name = resolver.qualified(table)
    if name is None:
        return Missing(table.sql(dialect="snowflake"))
    database, schema, object_name = name.split(".")
    if schema == "_LOCAL" and object_name == "TASK_HISTORY":
        return TaskHistory(database)
    if schema == "INFORMATION_SCHEMA":
        # "Each database created in your account automatically includes a built-in, read-only
        # schema named INFORMATION_SCHEMA" (sql-reference/info-schema); reading it needs the
        # database to be visible to the role: any privilege on it.
        return Need(
            Securable(Kind.DATABASE, database), ANY_PRIVILEGE, "INFORMATION_SCHEMA", "Database"
        )
    record = resolver.schema_object(name)
    if record is None:
        return Missing(name)
    return Read(record.securable)


def _dml(expression: exp.Expr, resolver: Resolver) -> StatementAccess:
    target = expression.this
    table = target.this if isinstance(target, exp.Schema) else target
    needs: list[Requirement] = []
    if isinstance(table, exp.Table):
        name = resolver.qualified(table)
        record = resolver.lookup(Securable(Kind.TABLE, name)) if name else None
        if record is None:
            needs.append(Missing(name or table.sql()))
        else:
            for privilege in _target_privileges(expression):
                needs.append(Need(record.securable, (privilege,), _rule_of(expression), "Table"))
    needs.extend(_reads(expression, resolver, skip=table if isinstance(table, exp.Table) else None))
    return StatementAccess(tuple(dict.fromkeys(needs)), uses_warehouse=True)


def _target_privileges(expression: exp.Expr) -> list[str]:
    if not isinstance(expression, exp.Merge):
        return [_DML_TARGET_PRIVILEGE[type(expression)]]
    privileges: list[str] = []
    whens = expression.args.get("whens")
    for when in whens.expressions if whens is not None else []:
        then = when.args.get("then")
        if isinstance(then, exp.Update):
            privileges.append("UPDATE")
        elif isinstance(then, exp.Insert):
            privileges.append("INSERT")
        else:
            privileges.append("DELETE")
    return list(dict.fromkeys(privileges))


def _rule_of(expression: exp.Expr) -> str:
    return type(expression).__name__.upper()


def _create(expression: exp.Create, resolver: Resolver) -> StatementAccess:
    kind = str(expression.args.get("kind") or "").upper()
    target = expression.this
    table = target.this if isinstance(target, exp.Schema) else target
    replace = bool(expression.args.get("replace"))
    properties = expression.args.get("properties")
    copy_grants = properties is not None and any(
        isinstance(p, exp.CopyGrantsProperty) for p in properties.expressions
    )
    if kind == "DATABASE":
        database = _ident(table.this if isinstance(table, exp.Table) else table)
        securable = Securable(Kind.DATABASE, database)
        exists = resolver.lookup(securable) is not None
        needs: list[Requirement] = [Need(ACCOUNT, ("CREATE DATABASE",), "CREATE DATABASE")]
        if exists and replace:
            needs.append(Need(securable, (OWNERSHIP,), "CREATE DATABASE"))
        created = None if exists and not replace else Created(securable, exists)
        return StatementAccess(tuple(needs), created)
    if kind == "SCHEMA":
        schema_name = _schema_name(table, resolver)
        if schema_name is None:
            return NO_ACCESS
        securable = Securable(Kind.SCHEMA, schema_name)
        exists = resolver.lookup(securable) is not None
        needs = [
            Need(
                securable.database or ACCOUNT,
                ("CREATE SCHEMA",),
                "CREATE SCHEMA [WITH MANAGED ACCESS]",
                "Database",
            )
        ]
        if exists and replace:
            needs.append(Need(securable, (OWNERSHIP,), "CREATE SCHEMA [WITH MANAGED ACCESS]"))
        created = None if exists and not replace else Created(securable, exists)
        return StatementAccess(tuple(needs), created)
    if kind not in ("TABLE", "VIEW") or not isinstance(table, exp.Table):
        return NO_ACCESS
    name = resolver.qualified(table)
    if name is None:
        return NO_ACCESS
    object_kind = Kind.TABLE if kind == "TABLE" else Kind.VIEW
    securable = Securable(object_kind, name)
    schema = securable.schema
    assert schema is not None
    existing = resolver.schema_object(name)
    rule = "CREATE TABLE (also TRANSIENT, CTAS)" if kind == "TABLE" else "CREATE VIEW"
    needs = [Need(schema, (f"CREATE {kind}",), rule, "Schema")]
    if existing is not None and replace:
        needs.append(Need(existing.securable, (OWNERSHIP,), rule))
    query = expression.expression
    reads = _reads(query, resolver, skip=None) if query is not None else ()
    needs.extend(reads)
    effect: Effect | None = None
    if existing is None or replace:
        dependencies = sorted(
            r.securable.name for r in reads if isinstance(r, Read) and object_kind is Kind.VIEW
        )
        effect = Created(
            securable,
            existing is not None,
            copy_grants,
            {"depends_on": dependencies} if object_kind is Kind.VIEW else {},
        )
    return StatementAccess(tuple(dict.fromkeys(needs)), effect, uses_warehouse=bool(reads))


def _schema_name(node: Any, resolver: Resolver) -> str | None:
    """A schema name: sqlglot puts it in ``this`` (USE SCHEMA d.s) or, for CREATE/DROP SCHEMA,
    in ``db`` with the database in ``catalog``."""
    if not isinstance(node, exp.Table):
        return None
    if node.args.get("this") is not None:
        written, schema = _ident(node.args.get("db")), _ident(node.this)
    else:
        written, schema = _ident(node.args.get("catalog")), _ident(node.args.get("db"))
    database = written or resolver.database
    return f"{database}.{schema}" if database and schema else None


def _drop(expression: exp.Drop, resolver: Resolver) -> StatementAccess:
    kind = _DROP_KINDS.get(str(expression.args.get("kind") or "").upper())
    targets = expression.args.get("tables") or [expression.this]
    if kind is None or len(targets) != 1 or not isinstance(targets[0], exp.Table):
        return NO_ACCESS
    target = targets[0]
    if kind is Kind.DATABASE:
        name = _ident(target.this)
    elif kind is Kind.SCHEMA:
        name = _schema_name(target, resolver) or ""
    else:
        name = resolver.qualified(target) or ""
    securable = Securable(kind, name)
    if resolver.lookup(securable) is None:
        return NO_ACCESS if expression.args.get("exists") else StatementAccess((Missing(name),))
    return StatementAccess((Need(securable, (OWNERSHIP,), "DROP <object>"),), Dropped(securable))


def _on_table(expression: exp.Expr, resolver: Resolver) -> StatementAccess:
    table = expression.this
    if not isinstance(table, exp.Table):
        return NO_ACCESS
    name = resolver.qualified(table)
    record = resolver.schema_object(name) if name else None
    if record is None:
        return StatementAccess((Missing(name or table.sql()),))
    if isinstance(expression, exp.TruncateTable):
        return StatementAccess(
            (Need(record.securable, ("TRUNCATE",), "TRUNCATE TABLE"),), uses_warehouse=True
        )
    if isinstance(expression, exp.Describe):
        privileges = tuple(sorted({"SELECT", "INSERT", "UPDATE", "DELETE", "REFERENCES"}))
        return StatementAccess((Need(record.securable, privileges, "USE DATABASE / SCHEMA"),))
    return StatementAccess(
        (Need(record.securable, (OWNERSHIP,), "ALTER TABLE / ALTER <object> SET"),)
    )


def _use(expression: exp.Use, resolver: Resolver) -> StatementAccess:
    kind = str(expression.args.get("kind") or "").upper()
    target = expression.this
    if not isinstance(target, exp.Table):
        return NO_ACCESS
    if kind == "DATABASE":
        securable = Securable(Kind.DATABASE, _ident(target.this))
    elif kind == "SCHEMA":
        name = _schema_name(target, resolver)
        if name is None:
            return NO_ACCESS
        securable = Securable(Kind.SCHEMA, name)
    else:
        return NO_ACCESS
    return StatementAccess((Need(securable, ANY_PRIVILEGE, "USE DATABASE / SCHEMA"),))


def access_creates_container(access: StatementAccess) -> bool:
    """The statement creates a database or schema that did not exist (not a replacement)."""
    effect = access.effect
    return (
        isinstance(effect, Created)
        and not effect.replaced
        and effect.securable.kind in (Kind.DATABASE, Kind.SCHEMA)
    )


# "USAGE or any other privilege": checked as "holds some privilege on it".
ANY_PRIVILEGE = ("*",)
__all__ = ["ANY_PRIVILEGE", "RULES", "USAGE", "StatementAccess", "analyse"]
