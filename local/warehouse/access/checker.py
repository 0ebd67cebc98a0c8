"""Decides whether a role may act on an object, from the catalog, the way Snowflake does.

- A role holds the privileges granted to it and to every role granted to it, recursively, and
  those of PUBLIC, which "is automatically granted to every user and every role"
  (https://docs.snowflake.com/en/user-guide/security-access-control-overview#role-hierarchy-and-privilege-inheritance).
- OWNERSHIP of an object implies every privilege on it.
- "To operate on any object in a schema, a role must have USAGE or any other privilege on the
  container database and schema"
  (https://docs.snowflake.com/en/user-guide/security-access-control-configure).
- A refusal is 002003 "... does not exist or not authorized." when the role holds no privilege on
  the object (or its containers), and 003001 "Insufficient privileges to operate on ..." when it
  sees the object but lacks the privilege the action needs.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from local.warehouse.access.catalog import AccessCatalog, ObjectRecord
from local.warehouse.access.model import (
    ACCOUNT,
    MANAGE_GRANTS,
    PUBLIC,
    USAGE,
    Kind,
    Securable,
    insufficient_privileges,
    not_authorized,
)


class AccessChecker:
    def __init__(self, catalog: AccessCatalog) -> None:
        self.catalog = catalog
        self._lock = threading.Lock()
        self._closures: dict[str, frozenset[str]] = {}
        self._generation = -1

    # roles ------------------------------------------------------------------------------------
    def roles(self, role: str) -> frozenset[str]:
        """``role``, every role granted to it (recursively) and PUBLIC."""
        with self._lock:
            if self._generation != self.catalog.generation:
                self._closures.clear()
                self._generation = self.catalog.generation
            closure = self._closures.get(role)
        if closure is not None:
            return closure
        found = {role, PUBLIC}
        pending = [role]
        while pending:
            for granted in self.catalog.roles_granted_to(pending.pop()):
                if granted not in found:
                    found.add(granted)
                    pending.append(granted)
        closure = frozenset(found)
        with self._lock:
            self._closures[role] = closure
        return closure

    def user_roles(self, user: str) -> frozenset[str]:
        """Every role a user may activate: those granted to it and the roles below them."""
        roles: set[str] = {PUBLIC}
        for granted in self.catalog.roles_granted_to(user, to_user=True):
            roles |= self.roles(granted)
        return frozenset(roles)

    def is_higher_or_same(self, role: str, other: str) -> bool:
        """``role`` is ``other`` or inherits it (``other`` is a subordinate of ``role``)."""
        return other in self.roles(role)

    # privileges -------------------------------------------------------------------------------
    def owns(self, roles: frozenset[str], securable: Securable) -> bool:
        record = self.catalog.object(securable)
        return record is not None and record.owner in roles

    def has(self, roles: frozenset[str], privilege: str, securable: Securable) -> bool:
        if securable.kind is not Kind.ACCOUNT and self.owns(roles, securable):
            return True
        return any(self.catalog.has_grant(privilege, securable, role) for role in roles)

    def has_any(self, roles: frozenset[str], privileges: Iterable[str], on: Securable) -> bool:
        return any(self.has(roles, privilege, on) for privilege in privileges)

    def holds_any_privilege(self, roles: frozenset[str], securable: Securable) -> bool:
        if self.owns(roles, securable):
            return True
        return any(grant.grantee in roles for grant in self.catalog.grants_on(securable))

    def manages_grants(self, roles: frozenset[str]) -> bool:
        return self.has(roles, MANAGE_GRANTS, ACCOUNT)

    # checks that raise ------------------------------------------------------------------------
    def existing(self, securable: Securable, label: str | None = None) -> ObjectRecord:
        record = self.catalog.object(securable)
        if record is None:
            raise not_authorized(securable, label)
        return record

    def require_containers(
        self, roles: frozenset[str], securable: Securable, *, for_grant: bool = False
    ) -> None:
        """Some privilege on the parent database and schema, else 002003 for the container."""
        for container in (securable.database, securable.schema):
            if container is None:
                continue
            if self.catalog.object(container) is None:
                raise not_authorized(container)
            visible = self.holds_any_privilege(roles, container)
            if not visible and not (for_grant and self.manages_grants(roles)):
                raise not_authorized(container)

    def require(
        self,
        roles: frozenset[str],
        privileges: tuple[str, ...],
        securable: Securable,
        label: str | None = None,
    ) -> ObjectRecord | None:
        """One of ``privileges`` on ``securable`` (the account included), with its containers."""
        if securable.kind is Kind.ACCOUNT:
            if not self.has_any(roles, privileges, ACCOUNT):
                raise insufficient_privileges(ACCOUNT)
            return None
        self.require_containers(roles, securable)
        record = self.existing(securable, label)
        if self.has_any(roles, privileges, securable):
            return record
        if self.holds_any_privilege(roles, securable):
            raise insufficient_privileges(securable)
        raise not_authorized(securable, label)

    def require_usage_of_warehouse(self, roles: frozenset[str], warehouse: str) -> None:
        self.require(roles, (USAGE,), Securable(Kind.WAREHOUSE, warehouse), "Warehouse")
