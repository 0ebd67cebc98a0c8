"""GRANT, REVOKE and SHOW GRANTS against the local catalog, with Snowflake's rules and answers.

Who may grant (GRANT <privileges>, "Access control requirements",
https://docs.snowflake.com/en/sql-reference/sql/grant-privilege#access-control-requirements):
MANAGE GRANTS; or OWNERSHIP of the object, with a privilege on its database and schema; or the
privilege held WITH GRANT OPTION. "In managed access schemas ... Only the schema owner ... or a
role with the global MANAGE GRANTS privilege can grant privileges on objects in the schema."
Future grants: "In standard schemas, the global MANAGE GRANTS privilege is required"; in a
managed access schema the schema owner may. A grant the grantor may not make is answered the
way Snowflake answers it: a success row reading "Grant not executed: Insufficient privileges."
(snowflakedb/terraform-provider-snowflake#670, Snowflake-Labs/schemachange#106), while a future
grant without the authority fails (003001).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from snowflake.connector.errors import ProgrammingError

from local.warehouse.access.catalog import FutureGrant, Grant, ObjectRecord, ownership_rows
from local.warehouse.access.grammar import GrantStatement, Target, parse_grant, securable_of
from local.warehouse.access.model import (
    ACCOUNT,
    OWNERSHIP,
    SCHEMA_OBJECT_KINDS,
    USAGE,
    Kind,
    Securable,
    insufficient_privileges,
    not_authorized,
    privileges_for,
)

if TYPE_CHECKING:
    from local.warehouse.access.gate import SessionAccess
    from local.warehouse.connection import RunnerConnection

EXECUTED = "Statement executed successfully."
NOT_EXECUTED = "Grant not executed: Insufficient privileges."
REVOKE_NOT_EXECUTED = "Revoke not executed: Insufficient privileges."


@dataclass(frozen=True)
class Rows:
    """A result of several rows: (name, Snowflake type) per column, and the rows."""

    columns: tuple[tuple[str, str], ...]
    rows: tuple[tuple[Any, ...], ...]


def status(message: str) -> Rows:
    return Rows((("status", "VARCHAR"),), ((message,),))


def grant_or_revoke(connection: RunnerConnection, sql: str, params: Any) -> Rows:
    statement = parse_grant(sql)
    access = connection.access
    executor = _Grants(access, connection.database, connection.schema, _task_started(connection))
    with access.catalog.batch():
        if statement.target.kind is Kind.ROLE and not statement.privileges:
            return status(executor.role_grant(statement))
        if statement.privileges == (OWNERSHIP,):
            return status(executor.ownership(statement))
        return status(executor.privileges(statement))


def _task_started(connection: RunnerConnection) -> Callable[[Securable], bool]:
    from local.warehouse.objects import ObjectName
    from local.warehouse.registry import DefinitionKind

    def started(task: Securable) -> bool:
        database, schema, name = task.parts
        stored = connection.runtime.registry.definition(
            DefinitionKind.TASK, ObjectName(database, schema, name)
        )
        return stored is not None and stored.state == "started"

    return started


class _Grants:
    def __init__(
        self,
        access: SessionAccess,
        database: str | None,
        schema: str | None,
        task_started: Callable[[Securable], bool],
    ) -> None:
        self.task_started = task_started
        self.access = access
        self.catalog = access.catalog
        self.checker = access.checker
        self.roles = access.roles()
        self.grantor = access.session.role
        self.database = database
        self.schema = schema

    def securable(self, kind: Kind, name: str) -> Securable:
        return securable_of(kind, name, self.database, self.schema)

    def existing(self, securable: Securable) -> ObjectRecord:
        return self.checker.existing(securable)

    def grantee_role(self, name: str) -> str:
        role = securable_of(Kind.ROLE, name, None, None)
        self.checker.existing(role, "Role")
        return role.name

    def managed_schema_of(self, securable: Securable) -> Securable | None:
        schema = securable.schema
        if schema is None:
            return None
        record = self.catalog.object(schema)
        return schema if record is not None and record.prop("managed_access") else None

    # privileges -------------------------------------------------------------------------------
    def privileges(self, statement: GrantStatement) -> str:
        target = statement.target
        grantee = self.grantee_role(statement.grantee)
        privileges = privileges_for(target.kind, list(statement.privileges))
        if target.scope == "FUTURE":
            return self.future(statement, target, privileges, grantee)
        if target.scope == "ALL":
            container = self.securable(target.container_kind or Kind.SCHEMA, target.name)
            self.require_visible(container)
            objects = [r.securable for r in self.catalog.objects(target.kind, container)]
            results = [self.on_object(statement, o, privileges, grantee) for o in objects]
            if any(result != EXECUTED for result in results):
                return REVOKE_NOT_EXECUTED if statement.revoke else NOT_EXECUTED
            return f"{EXECUTED} {len(objects)} objects affected."
        securable = (
            ACCOUNT if target.scope == "ACCOUNT" else self.securable(target.kind, target.name)
        )
        if securable.kind is not Kind.ACCOUNT:
            self.existing(securable)
            self.require_visible(securable)
        return self.on_object(statement, securable, privileges, grantee)

    def require_visible(self, securable: Securable) -> None:
        """The grantor must see the object: some privilege on it, MANAGE GRANTS, or ownership
        of the managed access schema it is in (that owner grants on everything in it)."""
        managed = self.managed_schema_of(securable)
        if self.checker.manages_grants(self.roles) or (
            managed is not None and self.checker.owns(self.roles, managed)
        ):
            self.checker.existing(securable)
            return
        self.checker.require_containers(self.roles, securable)
        self.checker.existing(securable)
        if not self.checker.holds_any_privilege(self.roles, securable):
            raise not_authorized(securable)

    def may_grant(self, securable: Securable, privilege: str) -> bool:
        checker, roles = self.checker, self.roles
        if checker.manages_grants(roles):
            return True
        managed = self.managed_schema_of(securable)
        if managed is not None:
            return checker.owns(roles, managed)
        if securable.kind is not Kind.ACCOUNT and checker.owns(roles, securable):
            return True
        return any(
            grant.grantee in roles and grant.grant_option and grant.privilege == privilege
            for grant in self.catalog.grants_on(securable)
        )

    def on_object(
        self,
        statement: GrantStatement,
        securable: Securable,
        privileges: Iterable[str],
        grantee: str,
    ) -> str:
        allowed = [p for p in privileges if self.may_grant(securable, p)]
        denied = [p for p in privileges if p not in allowed]
        for privilege in allowed:
            grant = Grant(
                privilege, securable, grantee, False, statement.grant_option, self.grantor
            )
            if statement.revoke:
                self.catalog.remove_grant(grant)
            else:
                self.catalog.add_grant(grant)
        if not denied:
            return EXECUTED
        if statement.revoke:
            return REVOKE_NOT_EXECUTED
        if allowed:
            return f"Grant partially executed: privileges {denied} not granted."
        return NOT_EXECUTED

    def future(
        self, statement: GrantStatement, target: Target, privileges: tuple[str, ...], grantee: str
    ) -> str:
        container = self.securable(target.container_kind or Kind.SCHEMA, target.name)
        self.require_visible(container)
        record = self.existing(container)
        if not self.checker.manages_grants(self.roles):
            managed = container.kind is Kind.SCHEMA and record.prop("managed_access")
            if not (managed and self.checker.owns(self.roles, container)):
                raise insufficient_privileges(container)
        for privilege in privileges:
            future = FutureGrant(privilege, target.kind, container, grantee, statement.grant_option)
            if statement.revoke:
                self.catalog.remove_future(future)
            else:
                self.catalog.add_future(future)
        return EXECUTED

    # ownership --------------------------------------------------------------------------------
    def ownership(self, statement: GrantStatement) -> str:
        target = statement.target
        if statement.revoke:
            raise ProgrammingError(
                msg="SQL compilation error:\nOWNERSHIP cannot be revoked; transfer it with "
                "GRANT OWNERSHIP.",
                errno=3015,
                sqlstate="42601",
            )
        new_owner = self.grantee_role(statement.grantee)
        if target.scope == "FUTURE":
            return self.future(statement, target, (OWNERSHIP,), new_owner)
        if target.scope == "ALL":
            container = self.securable(target.container_kind or Kind.SCHEMA, target.name)
            self.require_visible(container)
            objects = [r.securable for r in self.catalog.objects(target.kind, container)]
            for securable in objects:
                self.transfer(securable, new_owner, statement.current_grants)
            return f"{EXECUTED} {len(objects)} objects affected."
        securable = self.securable(target.kind, target.name)
        self.existing(securable)
        self.require_visible(securable)
        self.transfer(securable, new_owner, statement.current_grants)
        return EXECUTED

    def transfer(self, securable: Securable, new_owner: str, current: str | None) -> None:
        """GRANT OWNERSHIP (https://docs.snowflake.com/en/sql-reference/sql/grant-ownership):
        "The object owner (or a higher role)" or MANAGE GRANTS transfers it; COPY needs MANAGE
        GRANTS or "An active role is the new owner (or a higher) role"; "A GRANT OWNERSHIP
        statement fails if existing outbound privileges on the object are neither revoked nor
        copied"; a task must be suspended; in a managed access schema "The OWNERSHIP privilege
        on objects can only be transferred to a subordinate role of the schema owner"."""
        checker, roles = self.checker, self.roles
        record = self.existing(securable)
        if record.owner == new_owner:
            return
        manages = checker.manages_grants(roles)
        if not (manages or (record.owner is not None and record.owner in roles)):
            raise insufficient_privileges(securable)
        managed = self.managed_schema_of(securable)
        if managed is not None:
            schema_owner = self.existing(managed).owner
            if schema_owner is None or not checker.is_higher_or_same(schema_owner, new_owner):
                raise insufficient_privileges(securable)
        if current == "COPY" and not (manages or new_owner in roles):
            raise insufficient_privileges(securable)
        outbound = [g for g in self.catalog.grants_on(securable) if not g.to_user]
        if securable.kind is Kind.ROLE:
            outbound = []  # a role's transfer is not blocked by its grants (usage notes)
        if outbound and current is None:
            first = outbound[0]
            raise ProgrammingError(
                msg=f"SQL execution error:\nDependent grant of privilege '{first.privilege}' on "
                f"securable '{securable.name}' to role '{first.grantee}' exists. It must be "
                "revoked first, or use COPY CURRENT GRANTS or REVOKE CURRENT GRANTS.",
                errno=3111,
                sqlstate="42501",
            )
        if securable.kind is Kind.TASK and self.task_started(securable):
            raise ProgrammingError(
                msg=f"Unable to transfer ownership of task '{securable.name}': "
                "suspend the task first.",
                errno=91089,
                sqlstate="55000",
            )
        for grant in outbound:
            self.catalog.remove_grant(grant)
            if current == "COPY":
                self.catalog.add_grant(
                    Grant(
                        grant.privilege,
                        grant.on,
                        grant.grantee,
                        False,
                        grant.grant_option,
                        new_owner,
                    )
                )
        self.catalog.set_owner(securable, new_owner)

    # roles ------------------------------------------------------------------------------------
    def role_grant(self, statement: GrantStatement) -> str:
        role = securable_of(Kind.ROLE, statement.target.name, None, None)
        self.checker.existing(role, "Role")
        grantee_kind = Kind.USER if statement.grantee_is_user else Kind.ROLE
        grantee = securable_of(grantee_kind, statement.grantee, None, None)
        self.checker.existing(grantee, grantee_kind.value.title())
        # GRANT ROLE: OWNERSHIP of the role granted, or MANAGE GRANTS.
        if not (self.checker.manages_grants(self.roles) or self.checker.owns(self.roles, role)):
            return REVOKE_NOT_EXECUTED if statement.revoke else NOT_EXECUTED
        grant = Grant(USAGE, role, grantee.name, statement.grantee_is_user, False, self.grantor)
        if statement.revoke:
            self.catalog.remove_grant(grant)
            return EXECUTED
        if not statement.grantee_is_user and grantee.name in self.checker.roles(role.name):
            raise ProgrammingError(
                msg=f"SQL execution error:\nCannot grant role '{role.name}' to role "
                f"'{grantee.name}', because role '{grantee.name}' is already granted to role "
                f"'{role.name}'.",
                errno=3022,
                sqlstate="42501",
            )
        self.catalog.add_grant(grant)
        return EXECUTED


# SHOW GRANTS ----------------------------------------------------------------------------------
_GRANT_COLUMNS = (
    ("created_on", "TIMESTAMP_LTZ"),
    ("privilege", "VARCHAR"),
    ("granted_on", "VARCHAR"),
    ("name", "VARCHAR"),
    ("granted_to", "VARCHAR"),
    ("grantee_name", "VARCHAR"),
    ("grant_option", "VARCHAR"),
    ("granted_by", "VARCHAR"),
)
_FUTURE_COLUMNS = (
    ("created_on", "TIMESTAMP_LTZ"),
    ("privilege", "VARCHAR"),
    ("grant_on", "VARCHAR"),
    ("name", "VARCHAR"),
    ("grant_to", "VARCHAR"),
    ("grantee_name", "VARCHAR"),
    ("grant_option", "VARCHAR"),
)


def show_grants(connection: RunnerConnection, sql: str, params: Any) -> Rows:
    """SHOW GRANTS TO ROLE r | TO USER u | OF ROLE r | ON <kind> <name>, and SHOW FUTURE GRANTS
    IN SCHEMA s (https://docs.snowflake.com/en/sql-reference/sql/show-grants)."""
    from local.warehouse.access.grammar import read_kind, read_object_name
    from local.warehouse.sql_text import TokenReader

    access = connection.access
    checker, catalog = access.checker, access.catalog
    roles = access.roles()
    reader = TokenReader(sql)
    reader.expect("SHOW")
    if reader.accept("FUTURE", "GRANTS", "IN"):
        kind = Kind.SCHEMA if reader.accept("SCHEMA") else None
        if kind is None:
            reader.expect("DATABASE")
            kind = Kind.DATABASE
        container = securable_of(kind, reader.name(), connection.database, connection.schema)
        checker.existing(container)
        future_rows: tuple[tuple[Any, ...], ...] = tuple(
            (
                None,
                f.privilege,
                _kind_label(f.kind),
                f"{container.name}.<{_kind_label(f.kind)}>",
                "ROLE",
                f.grantee,
                str(f.grant_option).lower(),
            )
            for f in catalog.future_grants(container)
        )
        return Rows(_FUTURE_COLUMNS, future_rows)
    reader.expect("GRANTS")
    grants: list[Grant]
    if reader.accept("TO", "USER"):
        user = securable_of(Kind.USER, reader.name(), None, None)
        checker.existing(user, "User")
        grants = catalog.grants_to(user.name, to_user=True)
    elif reader.accept("TO") or reader.accept("OF"):
        of = sql.upper().split()[2] == "OF"
        reader.accept("ROLE")
        role = securable_of(Kind.ROLE, reader.name(), None, None)
        checker.existing(role, "Role")
        if not (role.name in roles or checker.manages_grants(roles)):
            raise insufficient_privileges(role)
        if of:
            grants = catalog.grants_on(role)
        else:
            owned = [r for k in Kind for r in catalog.objects(k) if r.owner == role.name]
            grants = catalog.grants_to(role.name) + ownership_rows(owned)
    else:
        reader.expect("ON")
        kind = Kind.ACCOUNT if reader.accept("ACCOUNT") else read_kind(reader)
        if kind is None:
            raise ProgrammingError(msg=f"SHOW GRANTS ON {reader.peek()} is not emulated")
        name = "" if kind is Kind.ACCOUNT else read_object_name(reader)
        securable = securable_of(kind, name, connection.database, connection.schema)
        record = checker.existing(securable) if kind is not Kind.ACCOUNT else None
        grants = catalog.grants_on(securable) + (ownership_rows([record]) if record else [])
    rows = tuple(
        (
            None,
            g.privilege,
            _kind_label(g.on.kind),
            g.on.name,
            "USER" if g.to_user else "ROLE",
            g.grantee,
            str(g.grant_option).lower(),
            g.granted_by,
        )
        for g in sorted(grants, key=lambda g: (g.on, g.privilege, g.grantee))
    )
    return Rows(_GRANT_COLUMNS, rows)


def _kind_label(kind: Kind) -> str:
    return kind.value.replace(" ", "_")


__all__ = ["SCHEMA_OBJECT_KINDS", "Rows", "grant_or_revoke", "show_grants", "status"]
