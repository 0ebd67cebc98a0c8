"""Account-level DDL and session commands of the access model: CREATE ROLE/USER/WAREHOUSE/
RESOURCE MONITOR, ALTER USER/WAREHOUSE, managed access schemas, USE ROLE/WAREHOUSE, and the
ALTER ... SET of object parameters (accepted, checked, otherwise ignored locally).

Each handler checks what the command's reference page requires (see RULES in
``requirements.py``) before changing the catalog, and answers with Snowflake's status row.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from snowflake.connector.errors import ProgrammingError

from local.warehouse.access.grammar import identifier, parse_properties, securable_of
from local.warehouse.access.grants import EXECUTED, Rows, status
from local.warehouse.access.model import (
    ACCOUNT,
    ACCOUNTADMIN,
    MANAGE_GRANTS,
    OWNERSHIP,
    USAGE,
    Kind,
    Securable,
    already_exists,
    insufficient_privileges,
    not_authorized,
)
from local.warehouse.scripting import UnsupportedConstructError
from local.warehouse.sql_text import TokenReader

if TYPE_CHECKING:
    from local.warehouse.connection import RunnerConnection

# CREATE USER ... TYPE = SERVICE: "cannot have PASSWORD, FIRST_NAME, LAST_NAME,
# MUST_CHANGE_PASSWORD or MINS_TO_BYPASS_MFA"
# (https://docs.snowflake.com/en/user-guide/admin-user-management#types-of-users).
_NOT_FOR_SERVICE_USERS = {
    "PASSWORD",
    "FIRST_NAME",
    "LAST_NAME",
    "MUST_CHANGE_PASSWORD",
    "MINS_TO_BYPASS_MFA",
}
_TRIGGER_ACTIONS = {"SUSPEND", "SUSPEND_IMMEDIATE", "NOTIFY"}
_FREQUENCIES = {"MONTHLY", "DAILY", "WEEKLY", "YEARLY", "NEVER"}


class _Create:
    """The common head of CREATE [OR REPLACE] <kind> [IF NOT EXISTS] <name>."""

    def __init__(self, sql: str, *words: str) -> None:
        self.reader = TokenReader(sql)
        self.reader.expect("CREATE")
        self.or_replace = self.reader.accept("OR", "REPLACE")
        self.reader.expect(*words)
        self.if_not_exists = self.reader.accept("IF", "NOT", "EXISTS")
        if self.or_replace and self.if_not_exists:
            raise ProgrammingError(
                msg="SQL compilation error:\nThe OR REPLACE and IF NOT EXISTS clauses are mutually "
                "exclusive.",
                errno=2025,
                sqlstate="42601",
            )
        self.name = self.reader.name()


def _create_account_object(
    connection: RunnerConnection,
    head: _Create,
    kind: Kind,
    privilege: str | None,
    properties: dict[str, Any],
    label: str,
) -> Rows:
    """Create a role/user/warehouse/resource monitor owned by the primary role."""
    access = connection.access
    roles = access.roles()
    if privilege is None:
        # "This command can only be executed by account administrators."
        if ACCOUNTADMIN not in roles:
            raise insufficient_privileges(ACCOUNT)
    else:
        # IF NOT EXISTS still needs the privilege, whether or not the object exists.
        access.checker.require(roles, (privilege,), ACCOUNT)
    securable = securable_of(kind, head.name, None, None)
    existing = access.catalog.object(securable)
    if existing is not None:
        if head.if_not_exists:
            return status(f"{securable.name} already exists, statement succeeded.")
        if not head.or_replace:
            raise already_exists(securable)
        access.checker.require(roles, (OWNERSHIP,), securable, label)
    with access.catalog.batch():
        if existing is not None:
            for grant in access.catalog.grants_on(securable):
                access.catalog.remove_grant(grant)
        access.catalog.put_object(securable, access.session.role, properties)
    return status(f"{label} {securable.name} successfully created.")


def create_role(connection: RunnerConnection, sql: str, params: Any) -> Rows:
    head = _Create(sql, "ROLE")
    properties = parse_properties(head.reader)
    comment = properties.get("COMMENT", "")
    return _create_account_object(
        connection, head, Kind.ROLE, "CREATE ROLE", {"comment": comment}, "Role"
    )


def create_user(connection: RunnerConnection, sql: str, params: Any) -> Rows:
    head = _Create(sql, "USER")
    properties = parse_properties(head.reader)
    if properties.get("TYPE", "PERSON") == "SERVICE":
        forbidden = sorted(_NOT_FOR_SERVICE_USERS & properties.keys())
        if forbidden:
            raise ProgrammingError(
                msg=f"SQL compilation error:\nProperty '{forbidden[0]}' is not supported for "
                "users of TYPE = SERVICE.",
                errno=2029,
                sqlstate="42601",
            )
    return _create_account_object(
        connection, head, Kind.USER, "CREATE USER", _user_properties(properties), "User"
    )


def _user_properties(properties: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in properties.items():
        if key in ("DEFAULT_ROLE", "DEFAULT_WAREHOUSE", "DEFAULT_NAMESPACE"):
            values[key.lower()] = identifier(value)
        elif key == "TYPE":
            values["type"] = value
        elif key == "DISABLED":
            values["disabled"] = value.upper() == "TRUE"
        elif key == "DEFAULT_SECONDARY_ROLES":
            values["default_secondary_roles"] = value
        elif key in ("RSA_PUBLIC_KEY", "RSA_PUBLIC_KEY_2", "PASSWORD"):
            values[key.lower() + "_set"] = True  # never the key or password itself
        elif key == "COMMENT":
            values["comment"] = value
    return values


def alter_user(connection: RunnerConnection, sql: str, params: Any) -> Rows:
    """ALTER USER ... SET/UNSET: "Only the role with the OWNERSHIP privilege on the user, or a
    higher role, can execute this command" (security-access-control-configure)."""
    reader = TokenReader(sql)
    reader.expect("ALTER", "USER")
    if_exists = reader.accept("IF", "EXISTS")
    user = securable_of(Kind.USER, reader.name(), None, None)
    access = connection.access
    record = access.catalog.object(user)
    if record is None:
        if if_exists:
            return status(EXECUTED)
        raise not_authorized(user, "User")
    if not access.checker.owns(access.roles(), user):
        raise insufficient_privileges(user)
    if reader.accept("SET"):
        properties = _user_properties(parse_properties(reader))
        access.catalog.set_properties(user, **properties)
    elif reader.accept("UNSET"):
        names = [word.lower() for word in reader.rest().replace(",", " ").split()]
        access.catalog.put_object(
            user,
            record.owner,
            {k: v for k, v in record.properties.items() if k not in names},
        )
    else:
        raise UnsupportedConstructError(f"ALTER USER ... {reader.peek()} is not emulated")
    return status(EXECUTED)


def create_warehouse(connection: RunnerConnection, sql: str, params: Any) -> Rows:
    head = _Create(sql, "WAREHOUSE")
    head.reader.accept("WITH")
    properties = parse_properties(head.reader)
    if "RESOURCE_MONITOR" in properties:
        _require_monitor_assignment(connection, properties["RESOURCE_MONITOR"])
    return _create_account_object(
        connection, head, Kind.WAREHOUSE, "CREATE WAREHOUSE", _lower(properties), "Warehouse"
    )


def alter_warehouse(connection: RunnerConnection, sql: str, params: Any) -> Rows:
    """SET needs MODIFY (or OWNERSHIP); RESOURCE_MONITOR needs an account administrator;
    SUSPEND/RESUME need OPERATE (or OWNERSHIP)."""
    reader = TokenReader(sql)
    reader.expect("ALTER", "WAREHOUSE")
    if_exists = reader.accept("IF", "EXISTS")
    warehouse = securable_of(Kind.WAREHOUSE, reader.name(), None, None)
    access = connection.access
    if access.catalog.object(warehouse) is None and if_exists:
        return status(EXECUTED)
    roles = access.roles()
    if reader.accept("SET"):
        properties = parse_properties(reader)
        if "RESOURCE_MONITOR" in properties:
            _require_monitor_assignment(connection, properties["RESOURCE_MONITOR"])
        if set(properties) - {"RESOURCE_MONITOR"}:
            access.checker.require(roles, ("MODIFY",), warehouse, "Warehouse")
        else:
            access.checker.existing(warehouse, "Warehouse")
        access.catalog.set_properties(warehouse, **_lower(properties))
    elif reader.accept("SUSPEND") or reader.accept("RESUME"):
        access.checker.require(roles, ("OPERATE",), warehouse, "Warehouse")
    else:
        raise UnsupportedConstructError(f"ALTER WAREHOUSE ... {reader.peek()} is not emulated")
    return status(EXECUTED)


def _require_monitor_assignment(connection: RunnerConnection, monitor: str) -> None:
    # Resource monitors "can only be viewed and maintained by" account administrators
    # (https://docs.snowflake.com/en/user-guide/resource-monitors); assigning one is the same.
    access = connection.access
    if ACCOUNTADMIN not in access.roles():
        raise insufficient_privileges(ACCOUNT)
    access.checker.existing(
        securable_of(Kind.RESOURCE_MONITOR, monitor, None, None), "Resource monitor"
    )


def create_resource_monitor(connection: RunnerConnection, sql: str, params: Any) -> Rows:
    """https://docs.snowflake.com/en/sql-reference/sql/create-resource-monitor"""
    head = _Create(sql, "RESOURCE", "MONITOR")
    reader = head.reader
    reader.accept("WITH")
    properties = parse_properties(reader, stop=("TRIGGERS",))
    unknown = set(properties) - {
        "CREDIT_QUOTA",
        "FREQUENCY",
        "START_TIMESTAMP",
        "END_TIMESTAMP",
        "NOTIFY_USERS",
    }
    if unknown:
        raise UnsupportedConstructError(f"resource monitor property {sorted(unknown)[0]}")
    if ("FREQUENCY" in properties) != ("START_TIMESTAMP" in properties):
        raise ProgrammingError(
            msg="SQL compilation error:\nFREQUENCY and START_TIMESTAMP must be set together.",
            errno=2037,
            sqlstate="42601",
        )
    if properties.get("FREQUENCY", "MONTHLY") not in _FREQUENCIES:
        raise ProgrammingError(msg=f"invalid FREQUENCY {properties['FREQUENCY']}", errno=1003)
    triggers: list[tuple[int, str]] = []
    if reader.accept("TRIGGERS"):
        while reader.accept("ON"):
            threshold = int(reader.peek())
            reader.index += 1
            reader.expect("PERCENT")
            reader.expect("DO")
            action = reader.peek()
            reader.index += 1
            if action not in _TRIGGER_ACTIONS:
                raise ProgrammingError(msg=f"invalid trigger action {action}", errno=1003)
            triggers.append((threshold, action))
    if not reader.at_end():
        raise UnsupportedConstructError(f"unexpected {reader.peek()!r} in CREATE RESOURCE MONITOR")
    values: dict[str, Any] = _lower(properties)
    values["triggers"] = triggers
    return _create_account_object(
        connection, head, Kind.RESOURCE_MONITOR, None, values, "Resource monitor"
    )


def _lower(properties: dict[str, str]) -> dict[str, Any]:
    return {key.lower(): value for key, value in properties.items()}


# Managed access schemas -------------------------------------------------------------------------
_MANAGED = re.compile(r"\bWITH\s+MANAGED\s+ACCESS\b", re.IGNORECASE)


def create_managed_schema(connection: RunnerConnection, sql: str, params: Any) -> Rows:
    """CREATE SCHEMA ... WITH MANAGED ACCESS: created through fakesnow without the clause (the
    same checks as any CREATE SCHEMA), then marked managed."""
    plain = _MANAGED.sub(" ", sql)
    head = TokenReader(plain)
    head.expect("CREATE")
    or_replace = head.accept("OR", "REPLACE")
    head.accept("TRANSIENT")
    head.expect("SCHEMA")
    if_not_exists = head.accept("IF", "NOT", "EXISTS")
    schema = securable_of(Kind.SCHEMA, head.name(), connection.database, None)
    existed = connection.access.catalog.object(schema) is not None
    create = f"CREATE {'OR REPLACE ' if or_replace else ''}SCHEMA "
    create += f"{'IF NOT EXISTS ' if if_not_exists else ''}{schema.name}"
    connection.cursor().execute(create)
    if existed and if_not_exists:
        return status(f"{schema.short_name} already exists, statement succeeded.")
    connection.access.catalog.set_properties(schema, managed_access=True)
    return status(f"Schema {schema.short_name} successfully created.")


def alter_schema_managed_access(connection: RunnerConnection, sql: str, params: Any) -> Rows:
    """ALTER SCHEMA ... { ENABLE | DISABLE } MANAGED ACCESS: "The schema owner ... must also have
    the global MANAGE GRANTS privilege" and "All open future grants must be revoked"
    (https://docs.snowflake.com/en/sql-reference/sql/alter-schema#usage-notes)."""
    reader = TokenReader(sql)
    reader.expect("ALTER", "SCHEMA")
    if_exists = reader.accept("IF", "EXISTS")
    schema = securable_of(Kind.SCHEMA, reader.name(), connection.database, None)
    enable = reader.accept("ENABLE")
    if not enable:
        reader.expect("DISABLE")
    reader.expect("MANAGED", "ACCESS")
    access = connection.access
    if access.catalog.object(schema) is None and if_exists:
        return status(EXECUTED)
    roles = access.roles()
    record = access.checker.require(roles, (OWNERSHIP,), schema, "Schema")
    if record is not None and bool(record.prop("managed_access")) == enable:
        # Nothing to convert (the conditions are those of a conversion): a re-run is a no-op.
        return status(EXECUTED)
    futures = access.catalog.future_grants(schema)
    if (enable or futures) and not access.checker.has(roles, MANAGE_GRANTS, ACCOUNT):
        raise insufficient_privileges(schema)
    if enable and futures:
        raise ProgrammingError(
            msg=f"SQL execution error:\nSchema '{schema.name}' has future grants; revoke them "
            "before enabling managed access.",
            errno=3114,
            sqlstate="42501",
        )
    access.catalog.set_properties(schema, managed_access=enable)
    return status(EXECUTED)


# Session commands -------------------------------------------------------------------------------
def use_role(connection: RunnerConnection, sql: str, params: Any) -> Rows:
    """ "To use a role, the role must have been granted to the user" (directly, or below a role
    granted to it) (https://docs.snowflake.com/en/sql-reference/sql/use-role)."""
    reader = TokenReader(sql)
    reader.expect("USE")
    if reader.accept("SECONDARY"):
        raise UnsupportedConstructError("USE SECONDARY ROLES is not emulated (primary role only)")
    reader.expect("ROLE")
    role = securable_of(Kind.ROLE, reader.name(), None, None)
    access = connection.access
    if access.session.owner_rights:
        raise ProgrammingError(
            msg="USE ROLE is not allowed inside an owner's rights procedure.",
            errno=90236,
            sqlstate="0A000",
        )
    if access.catalog.object(role) is None or role.name not in access.checker.user_roles(
        access.session.user
    ):
        raise not_authorized(role, "Role")
    access.session.role = role.name
    return status(EXECUTED)


def use_warehouse(connection: RunnerConnection, sql: str, params: Any) -> Rows:
    reader = TokenReader(sql)
    reader.expect("USE", "WAREHOUSE")
    warehouse = securable_of(Kind.WAREHOUSE, reader.name(), None, None)
    access = connection.access
    access.checker.require(access.roles(), (USAGE,), warehouse, "Warehouse")
    access.session.warehouse = warehouse.name
    return status(EXECUTED)


# ALTER <object> SET/UNSET of parameters: accepted and ignored locally, but only by the owner.
_OBJECT_PARAMETERS = re.compile(
    r"ALTER\s+(DATABASE|SCHEMA|TABLE|STREAM|PROCEDURE)\s+(IF\s+EXISTS\s+)?"
    r"([A-Za-z0-9_$.\"]+)(\s*\([^)]*\))?\s+(SET|UNSET)\s+(?!DATA\s+TYPE\b)",
    re.IGNORECASE | re.DOTALL,
)


def alter_object_parameters(connection: RunnerConnection, sql: str, params: Any) -> Rows:
    """ALTER <object> SET/UNSET parameters (DATA_RETENTION_TIME_IN_DAYS, CHANGE_TRACKING,
    COMMENT, ...): OWNERSHIP of the object; the parameters themselves do nothing locally."""
    match = _OBJECT_PARAMETERS.match(sql.strip())
    assert match is not None
    kind = Kind(match[1].upper())
    securable = securable_of(kind, match[3], connection.database, connection.schema)
    access = connection.access
    if access.catalog.object(securable) is None and match[2]:
        return status(EXECUTED)
    access.checker.require(access.roles(), (OWNERSHIP,), securable)
    return status(EXECUTED)


def alter_account_parameters(connection: RunnerConnection, sql: str, params: Any) -> Rows:
    """ALTER ACCOUNT SET: account administrators only; ignored locally."""
    if ACCOUNTADMIN not in connection.access.roles():
        raise insufficient_privileges(ACCOUNT)
    return status(EXECUTED)


def special_handler(sql: str) -> Any:
    """The handler of an access statement recognised by more than its leading words."""
    text = sql.strip()
    upper = text.upper()
    if (
        upper.startswith("CREATE")
        and re.match(r"CREATE\s+(OR\s+REPLACE\s+)?(TRANSIENT\s+)?SCHEMA\b", upper)
        and _MANAGED.search(text)
    ):
        return create_managed_schema
    if re.match(r"ALTER\s+SCHEMA\b.*\b(ENABLE|DISABLE)\s+MANAGED\s+ACCESS\s*$", upper, re.DOTALL):
        return alter_schema_managed_access
    if _OBJECT_PARAMETERS.match(text):
        return alter_object_parameters
    return None


__all__ = ["Securable"]
