"""The vocabulary of Snowflake's access-control model: securable kinds, their privileges, the
system roles, and the two errors Snowflake raises when a role may not do something.

Privileges per kind follow the grammar of GRANT <privileges> (the subset of object kinds the
local warehouse emulates): https://docs.snowflake.com/en/sql-reference/sql/grant-privilege
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from snowflake.connector.errors import ProgrammingError


class Kind(StrEnum):
    ACCOUNT = "ACCOUNT"
    DATABASE = "DATABASE"
    SCHEMA = "SCHEMA"
    TABLE = "TABLE"
    VIEW = "VIEW"
    STREAM = "STREAM"
    TASK = "TASK"
    PROCEDURE = "PROCEDURE"
    WAREHOUSE = "WAREHOUSE"
    RESOURCE_MONITOR = "RESOURCE MONITOR"
    USER = "USER"
    ROLE = "ROLE"


SCHEMA_OBJECT_KINDS = frozenset({Kind.TABLE, Kind.VIEW, Kind.STREAM, Kind.TASK, Kind.PROCEDURE})
ACCOUNT_OBJECT_KINDS = frozenset(
    {Kind.DATABASE, Kind.WAREHOUSE, Kind.RESOURCE_MONITOR, Kind.USER, Kind.ROLE}
)
# Plural forms used by GRANT ... ON ALL <kinds> / ON FUTURE <kinds>.
PLURALS = {
    "TABLES": Kind.TABLE,
    "VIEWS": Kind.VIEW,
    "STREAMS": Kind.STREAM,
    "TASKS": Kind.TASK,
    "PROCEDURES": Kind.PROCEDURE,
    "SCHEMAS": Kind.SCHEMA,
}

OWNERSHIP = "OWNERSHIP"
USAGE = "USAGE"
MANAGE_GRANTS = "MANAGE GRANTS"

# Grantable privileges per kind (GRANT <privileges> ... TO ROLE, "Syntax"): the kinds emulated.
PRIVILEGES: dict[Kind, frozenset[str]] = {
    Kind.ACCOUNT: frozenset(
        {
            "CREATE ROLE",
            "CREATE USER",
            "CREATE WAREHOUSE",
            "CREATE DATABASE",
            "CREATE INTEGRATION",
            "CREATE SHARE",
            "CREATE NETWORK POLICY",
            "EXECUTE TASK",
            "EXECUTE MANAGED TASK",
            "EXECUTE ALERT",
            "EXECUTE MANAGED ALERT",
            "MANAGE GRANTS",
            "MANAGE WAREHOUSES",
            "MONITOR EXECUTION",
            "MONITOR USAGE",
            "MONITOR SECURITY",
            "IMPORT SHARE",
            "AUDIT",
            "APPLY MASKING POLICY",
            "APPLY ROW ACCESS POLICY",
            "APPLY TAG",
        }
    ),
    Kind.DATABASE: frozenset(
        {"APPLYBUDGET", "CREATE DATABASE ROLE", "CREATE SCHEMA", "MODIFY", "MONITOR", "USAGE"}
    ),
    Kind.SCHEMA: frozenset(
        {
            "ADD SEARCH OPTIMIZATION",
            "APPLYBUDGET",
            "CREATE TABLE",
            "CREATE VIEW",
            "CREATE STREAM",
            "CREATE TASK",
            "CREATE PROCEDURE",
            "CREATE FUNCTION",
            "CREATE SEQUENCE",
            "CREATE STAGE",
            "CREATE FILE FORMAT",
            "CREATE PIPE",
            "CREATE DYNAMIC TABLE",
            "CREATE MATERIALIZED VIEW",
            "MODIFY",
            "MONITOR",
            "USAGE",
        }
    ),
    Kind.TABLE: frozenset(
        {
            "APPLYBUDGET",
            "DELETE",
            "EVOLVE SCHEMA",
            "INSERT",
            "REFERENCES",
            "SELECT",
            "TRUNCATE",
            "UPDATE",
        }
    ),
    Kind.VIEW: frozenset({"REFERENCES", "SELECT"}),
    Kind.STREAM: frozenset({"SELECT"}),
    Kind.TASK: frozenset({"APPLYBUDGET", "MONITOR", "OPERATE"}),
    Kind.PROCEDURE: frozenset({"USAGE"}),
    Kind.WAREHOUSE: frozenset({"APPLYBUDGET", "MODIFY", "MONITOR", "USAGE", "OPERATE"}),
    Kind.RESOURCE_MONITOR: frozenset({"MODIFY", "MONITOR"}),
    Kind.USER: frozenset({"IMPERSONATE", "MODIFY PROGRAMMATIC AUTHENTICATION METHODS", "MONITOR"}),
    Kind.ROLE: frozenset({USAGE}),
}

# System-defined roles and their documented relations:
# https://docs.snowflake.com/en/user-guide/security-access-control-overview#system-defined-roles
ACCOUNTADMIN = "ACCOUNTADMIN"
SECURITYADMIN = "SECURITYADMIN"
USERADMIN = "USERADMIN"
SYSADMIN = "SYSADMIN"
PUBLIC = "PUBLIC"
SYSTEM_ROLES = (ACCOUNTADMIN, SECURITYADMIN, USERADMIN, SYSADMIN, PUBLIC)
# (role granted, to role): "ACCOUNTADMIN ... encapsulates the SYSADMIN and SECURITYADMIN",
# SECURITYADMIN "Inherits the privileges of the USERADMIN role".
SYSTEM_ROLE_HIERARCHY = (
    (SYSADMIN, ACCOUNTADMIN),
    (SECURITYADMIN, ACCOUNTADMIN),
    (USERADMIN, SECURITYADMIN),
)
# Global privileges of the system roles: USERADMIN "Is granted the CREATE USER and CREATE ROLE
# security privileges"; SECURITYADMIN "Is granted the MANAGE GRANTS security privilege"; SYSADMIN
# "has privileges to create warehouses and databases". ACCOUNTADMIN holds the account privileges
# the examples grant from it (EXECUTE TASK, EXECUTE MANAGED TASK, MONITOR EXECUTION, ...).
SYSTEM_ROLE_PRIVILEGES = {
    USERADMIN: ("CREATE USER", "CREATE ROLE"),
    SECURITYADMIN: (MANAGE_GRANTS,),
    SYSADMIN: ("CREATE WAREHOUSE", "CREATE DATABASE"),
    ACCOUNTADMIN: tuple(sorted(PRIVILEGES[Kind.ACCOUNT])),
}


@dataclass(frozen=True, order=True)
class Securable:
    """One securable object: its kind and canonical name (``DB``, ``DB.SCHEMA``,
    ``DB.SCHEMA.OBJECT``, or an account object's name; the account itself has name "")."""

    kind: Kind
    name: str

    @property
    def parts(self) -> list[str]:
        return self.name.split(".")

    @property
    def database(self) -> Securable | None:
        if self.kind is Kind.SCHEMA or self.kind in SCHEMA_OBJECT_KINDS:
            return Securable(Kind.DATABASE, self.parts[0])
        return None

    @property
    def schema(self) -> Securable | None:
        if self.kind in SCHEMA_OBJECT_KINDS:
            return Securable(Kind.SCHEMA, ".".join(self.parts[:2]))
        return None

    @property
    def short_name(self) -> str:
        return self.parts[-1]

    def __str__(self) -> str:
        return f"{self.kind.value} {self.name}".strip()


ACCOUNT = Securable(Kind.ACCOUNT, "")


def privileges_for(kind: Kind, requested: list[str]) -> tuple[str, ...]:
    """The privileges of ``requested`` (``ALL [PRIVILEGES]`` expanded), each valid for ``kind``."""
    if requested in (["ALL"], ["ALL PRIVILEGES"]):
        return tuple(sorted(PRIVILEGES[kind]))
    invalid = [p for p in requested if p not in PRIVILEGES[kind] and p != OWNERSHIP]
    if invalid:
        raise ProgrammingError(
            msg=f"SQL compilation error:\nInvalid privilege {invalid[0]} for {kind.value}.",
            errno=3011,
            sqlstate="42601",
        )
    return tuple(requested)


# Errors -----------------------------------------------------------------------------------------
def insufficient_privileges(securable: Securable) -> ProgrammingError:
    """003001 / 42501: the role sees the object but lacks the privilege the action needs."""
    kind = securable.kind.value.lower()
    name = securable.short_name if securable.kind is not Kind.ACCOUNT else "account"
    target = f"{kind} '{name}'" if securable.kind is not Kind.ACCOUNT else "account"
    return ProgrammingError(
        msg=f"SQL access control error:\nInsufficient privileges to operate on {target}.",
        errno=3001,
        sqlstate="42501",
    )


def not_authorized(securable: Securable, label: str | None = None) -> ProgrammingError:
    """002003: the object does not exist, or the role has no privilege on it at all (Snowflake
    does not tell the two apart). Snowflake's SQLSTATE is 42S02 for a table or view ("Object
    'DB.S.T' does not exist or not authorized.") and 02000 for a database, schema or other
    object ("Schema 'DB.S' does not exist or not authorized.")."""
    word = label or securable.kind.value.title()
    table_like = securable.kind in (Kind.TABLE, Kind.VIEW) or word in ("Object", "Table", "View")
    return ProgrammingError(
        msg=f"SQL compilation error:\n{word} '{securable.name}' does not exist or not authorized.",
        errno=2003,
        sqlstate="42S02" if table_like else "02000",
    )


def already_exists(securable: Securable) -> ProgrammingError:
    return ProgrammingError(
        msg=f"SQL compilation error:\nObject '{securable.name}' already exists.",
        errno=2002,
        sqlstate="42710",
    )
