"""The access check of one connection: its session, the statement's requirements, and what a
successful statement changes in the catalog (ownership of what it created, grants of what it
dropped). ``connection.py`` and ``commands.py`` call it through a few named hooks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from snowflake.connector.errors import ProgrammingError
from sqlglot import exp

from local.warehouse.access.catalog import ADOPTION, AccessCatalog, FutureGrant, Grant
from local.warehouse.access.checker import AccessChecker
from local.warehouse.access.model import (
    ACCOUNT,
    ACCOUNTADMIN,
    OWNERSHIP,
    SCHEMA_OBJECT_KINDS,
    Kind,
    Securable,
    not_authorized,
)
from local.warehouse.access.requirements import (
    ANY_PRIVILEGE,
    Created,
    Dropped,
    Effect,
    Missing,
    Need,
    Read,
    Requirement,
    Resolver,
    StatementAccess,
    TaskHistory,
    analyse,
)
from local.warehouse.access.session import Session

if TYPE_CHECKING:
    from local.warehouse.connection import RunnerConnection

NO_WAREHOUSE = ProgrammingError(
    msg="No active warehouse selected in the current session.  Select an active warehouse with "
    "the 'use warehouse' command.",
    errno=606,
    sqlstate="57P03",
)
_TASK_HISTORY_PRIVILEGES = (OWNERSHIP, "MONITOR", "OPERATE")


@dataclass
class AccessControl:
    """The account's catalog and checker, shared by every connection of a warehouse."""

    catalog: AccessCatalog
    checker: AccessChecker

    @property
    def adoption_pending(self) -> bool:
        return self.catalog.state(ADOPTION) == "pending"


class SessionAccess:
    def __init__(self, control: AccessControl, session: Session) -> None:
        self.control = control
        self.session = session

    @property
    def catalog(self) -> AccessCatalog:
        return self.control.catalog

    @property
    def checker(self) -> AccessChecker:
        return self.control.checker

    def roles(self) -> frozenset[str]:
        return self.checker.roles(self.session.role)

    # statements fakesnow runs -----------------------------------------------------------------
    def analyse(self, expression: exp.Expr, connection: RunnerConnection) -> StatementAccess:
        resolver = Resolver(
            connection.database,
            connection.schema,
            self.catalog.object,
            self.catalog.schema_object,
        )
        return analyse(expression, resolver)

    def check(self, access: StatementAccess) -> None:
        """Privileges are checked when the statement compiles, the warehouse when it runs."""
        roles = self.roles()
        for requirement in access.requirements:
            self.require(roles, requirement)
        if access.uses_warehouse:
            self.require_warehouse()

    def require_warehouse(self) -> None:
        """A warehouse the session's role may use. An owner's-rights body runs on its caller's
        warehouse, whose use the caller's role was checked for."""
        if self.session.serverless:
            return
        if self.session.warehouse is None:
            raise NO_WAREHOUSE
        if not self.session.owner_rights:
            self.checker.require_usage_of_warehouse(self.roles(), self.session.warehouse)

    def require(self, roles: frozenset[str], requirement: Requirement) -> None:
        checker = self.checker
        if isinstance(requirement, Need):
            if requirement.privileges == ANY_PRIVILEGE:
                checker.require_containers(roles, requirement.securable)
                checker.existing(requirement.securable, requirement.label)
                if not checker.holds_any_privilege(roles, requirement.securable):
                    raise not_authorized(requirement.securable, requirement.label)
                return
            checker.require(roles, requirement.privileges, requirement.securable, requirement.label)
        elif isinstance(requirement, Read):
            self.require_read(roles, requirement.securable, depth=0)
        elif isinstance(requirement, Missing):
            raise not_authorized(Securable(Kind.TABLE, requirement.name), "Object")
        elif isinstance(requirement, TaskHistory):
            self.require_task_history(roles, requirement.database)

    def require_read(self, roles: frozenset[str], securable: Securable, depth: int) -> None:
        record = self.checker.require(roles, ("SELECT",), securable, "Object")
        assert record is not None
        if securable.kind is Kind.STREAM:
            # "Querying a stream requires ... SELECT on the stream and on its source table."
            source = record.prop("source")
            if source:
                self.checker.require(roles, ("SELECT",), Securable(Kind.TABLE, source), "Object")
        elif securable.kind is Kind.VIEW and depth < 16:
            # A view reads its objects with its owner's privileges.
            owner = record.owner
            owner_roles = self.checker.roles(owner) if owner else frozenset()
            for dependency in record.prop("depends_on", []):
                target = self.catalog.schema_object(dependency)
                try:
                    if target is None:
                        raise not_authorized(Securable(Kind.TABLE, dependency), "Object")
                    self.require_read(owner_roles, target.securable, depth + 1)
                except ProgrammingError as error:
                    raise ProgrammingError(
                        msg=f"SQL compilation error:\nFailure during expansion of view "
                        f"'{securable.short_name}': {error.msg}",
                        errno=error.errno,
                        sqlstate=error.sqlstate,
                    ) from error

    def sees_task_runs(self, task: Securable) -> bool:
        """Whether this session's role sees ``task``'s runs in INFORMATION_SCHEMA.TASK_HISTORY:
        "the calling role must have one of the following privileges: the OWNERSHIP privilege on
        the task ..., the MONITOR or OPERATE privilege on the task, the global MONITOR EXECUTION
        privilege, the ACCOUNTADMIN role" (functions/task_history, usage notes). Rows of other
        tasks are left out; the function does not fail."""
        roles = self.roles()
        if ACCOUNTADMIN in roles or self.checker.has(roles, "MONITOR EXECUTION", ACCOUNT):
            return True
        return self.checker.has_any(roles, _TASK_HISTORY_PRIVILEGES, task)

    def require_task_history(self, roles: frozenset[str], database: str) -> None:
        container = Securable(Kind.DATABASE, database)
        self.checker.existing(container)
        if not self.checker.holds_any_privilege(roles, container):
            raise not_authorized(container)
        if ACCOUNTADMIN in roles or self.checker.has(roles, "MONITOR EXECUTION", ACCOUNT):
            return
        for task in self.catalog.objects(Kind.TASK):
            if task.securable.name.startswith(database + ".") and not self.checker.has_any(
                roles, _TASK_HISTORY_PRIVILEGES, task.securable
            ):
                raise not_authorized(task.securable, "Task")

    # effects ----------------------------------------------------------------------------------
    def apply(self, effect: Effect | None) -> None:
        if effect is None:
            return
        if isinstance(effect, Dropped):
            self.catalog.drop_object(effect.securable)
            return
        self.created(effect)

    def created(self, effect: Created) -> None:
        """The object exists, owned by the primary role ("When an object is created, its
        ownership is set to the currently active primary role"), with the future grants of its
        schema (or database) unless it copied the grants of the object it replaced."""
        catalog = self.catalog
        securable = effect.securable
        with catalog.batch():
            previous = catalog.object(securable)
            if effect.replaced and previous is not None and not effect.copy_grants:
                for grant in catalog.grants_on(securable):
                    catalog.remove_grant(grant)
            properties = dict(effect.properties)
            catalog.put_object(securable, self.session.role, properties)
            if securable.kind in SCHEMA_OBJECT_KINDS and not effect.copy_grants:
                self.apply_future_grants(securable)

    def apply_future_grants(self, securable: Securable) -> None:
        """Schema-level future grants for the object's kind; database-level ones only when the
        schema has none for that kind ("the schema-level grants take precedence")."""
        catalog = self.catalog
        schema, database = securable.schema, securable.database
        assert schema is not None and database is not None
        futures = [f for f in catalog.future_grants(schema) if f.kind is securable.kind]
        if not futures:
            futures = [f for f in catalog.future_grants(database) if f.kind is securable.kind]
        for future in futures:
            self.grant_future(future, securable)

    def grant_future(self, future: FutureGrant, securable: Securable) -> None:
        if future.privilege == OWNERSHIP:
            self.catalog.set_owner(securable, future.grantee)
            return
        record = self.catalog.object(securable)
        granted_by = record.owner if record is not None and record.owner else ""
        self.catalog.add_grant(
            Grant(
                future.privilege, securable, future.grantee, False, future.grant_option, granted_by
            )
        )

    # objects the runner emulates (streams, tasks, procedures) ----------------------------------
    def require_create(self, securable: Securable, replacing: bool, rule: str) -> None:
        """CREATE <kind> on the schema (also with IF NOT EXISTS); OWNERSHIP of what it replaces."""
        schema = securable.schema
        assert schema is not None
        roles = self.roles()
        self.checker.require(roles, (f"CREATE {securable.kind.value}",), schema, "Schema")
        if replacing:
            self.checker.require(roles, (OWNERSHIP,), securable)

    def require_privileges(self, securable: Securable, privileges: tuple[str, ...]) -> None:
        self.checker.require(self.roles(), privileges, securable)

    def owner_of(self, securable: Securable) -> str:
        record = self.checker.existing(securable)
        if record.owner is None:
            raise not_authorized(securable)
        return record.owner

    def require_task_owner_may_run(self, task: Securable, warehouse: str | None) -> None:
        """What Snowflake verifies of the task owner role when a task is resumed or runs
        (https://docs.snowflake.com/en/user-guide/tasks-intro#running-tasks)."""
        owner = self.owner_of(task)
        require_task_owner_may_run(self.checker, owner, task, warehouse)

    def body_session(self, procedure: Securable, owner_rights: bool) -> Session:
        """The session a procedure body runs in: an owner's-rights body "runs with the owner's
        privileges" (and the caller's warehouse); a caller's-rights body as the caller."""
        caller = self.session
        if not owner_rights:
            return Session(caller.user, caller.role, caller.warehouse, caller.serverless)
        return Session(
            caller.user, self.owner_of(procedure), caller.warehouse, caller.serverless, True
        )


def require_task_owner_may_run(
    checker: AccessChecker, owner: str, task: Securable, warehouse: str | None
) -> None:
    roles = checker.roles(owner)
    if not checker.has(roles, "EXECUTE TASK", ACCOUNT):
        raise ProgrammingError(
            msg=f"Cannot execute task {task.short_name}, EXECUTE TASK privilege must be granted "
            "to owner role",
            errno=3001,
            sqlstate="42501",
        )
    checker.require_containers(roles, task)
    if warehouse is None:
        if not checker.has(roles, "EXECUTE MANAGED TASK", ACCOUNT):
            raise ProgrammingError(
                msg=f"Cannot execute task {task.short_name}, EXECUTE MANAGED TASK privilege must "
                "be granted to owner role",
                errno=3001,
                sqlstate="42501",
            )
    else:
        checker.require_usage_of_warehouse(roles, warehouse)


def hook_object_created(
    connection: RunnerConnection,
    kind: Kind,
    name: str,
    replaced: bool,
    copy_grants: bool = False,
    **properties: Any,
) -> None:
    """commands.py: a stream, task or procedure was created (or replaced, keeping the replaced
    object's grants with COPY GRANTS)."""
    connection.access.created(Created(Securable(kind, name), replaced, copy_grants, properties))


def hook_object_dropped(connection: RunnerConnection, kind: Kind, name: str) -> None:
    connection.access.apply(Dropped(Securable(kind, name)))
