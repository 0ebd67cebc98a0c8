"""The local account's catalog of principals and grants: users, roles, object ownership,
privilege grants (role grants included) and future grants.

It is kept in memory for the checks every statement makes, and persisted in its own DuckDB file
(``_ACCOUNT.duckdb`` next to the databases' files, schema ``_LOCAL`` like their registries), so a
warehouse keeps its access model across restarts. Writes of one statement go in one DuckDB
transaction of their own: GRANT and DDL commit on their own in Snowflake too.

A role grant is stored as Snowflake shows it in SHOW GRANTS: privilege USAGE on the ROLE.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from local.warehouse import internal_sql
from local.warehouse.access.model import (
    ACCOUNT,
    ACCOUNTADMIN,
    OWNERSHIP,
    SYSADMIN,
    SYSTEM_ROLE_HIERARCHY,
    SYSTEM_ROLE_PRIVILEGES,
    SYSTEM_ROLES,
    USAGE,
    Kind,
    Securable,
)

CATALOG_DATABASE = "_ACCOUNT"
CATALOG_FILE = "_ACCOUNT.duckdb"
# The person who runs the admin bootstrap, locally: granted ACCOUNTADMIN, default role SYSADMIN
# ("do not set [ACCOUNTADMIN] as their default", security-access-control-configure).
LOCAL_ADMIN_USER = "LOCAL_ADMIN"
# State keys.
SEEDED = "seeded"
ADOPTION = "adoption"  # "pending" while a warehouse built before access control awaits adoption


@dataclass(frozen=True)
class Grant:
    privilege: str
    on: Securable
    grantee: str
    to_user: bool = False
    grant_option: bool = False
    granted_by: str = ""

    @property
    def key(self) -> tuple[str, Securable, bool, str]:
        return (self.privilege, self.on, self.to_user, self.grantee)


@dataclass(frozen=True)
class FutureGrant:
    privilege: str
    kind: Kind
    container: Securable
    grantee: str
    grant_option: bool = False


@dataclass(frozen=True)
class ObjectRecord:
    securable: Securable
    owner: str | None
    properties: dict[str, Any] = field(default_factory=dict)

    def prop(self, key: str, default: Any = None) -> Any:
        return self.properties.get(key, default)


class AccessCatalog:
    def __init__(self, duck: Any, db_dir: Path) -> None:
        self._duck = duck
        self._lock = threading.RLock()
        self._objects: dict[Securable, ObjectRecord] = {}
        self._grants: dict[tuple[str, Securable, bool, str], Grant] = {}
        self._by_grantee: dict[tuple[bool, str], set[tuple[str, Securable, bool, str]]] = (
            defaultdict(set)
        )
        self._by_object: dict[Securable, set[tuple[str, Securable, bool, str]]] = defaultdict(set)
        self._future: set[FutureGrant] = set()
        self._state: dict[str, str] = {}
        self._batch: Any = None
        # Bumped on every change: caches of role closures and check results key on it.
        self.generation = 0
        path = db_dir / CATALOG_FILE
        legacy = not path.exists() and any(db_dir.glob("*.db"))
        quoted = str(path).replace("'", "''")
        duck.execute(f"ATTACH IF NOT EXISTS '{quoted}' AS {CATALOG_DATABASE}")
        for statement in internal_sql.statements(
            "access_catalog_create", database=CATALOG_DATABASE
        ):
            duck.execute(statement)
        self._load()
        if SEEDED not in self._state:
            self._seed(legacy)

    # loading and seeding ----------------------------------------------------------------------
    def _sql(self, name: str) -> str:
        return internal_sql.render(name, database=CATALOG_DATABASE)

    def _load(self) -> None:
        duck = self._duck
        for kind, name, owner, properties in duck.execute(
            self._sql("access_object_list")
        ).fetchall():
            securable = Securable(Kind(kind), name)
            self._objects[securable] = ObjectRecord(securable, owner, json.loads(properties))
        for row in duck.execute(self._sql("access_grant_list")).fetchall():
            privilege, kind, name, grantee_kind, grantee, grant_option, granted_by = row
            self._index(
                Grant(
                    privilege,
                    Securable(Kind(kind), name),
                    grantee,
                    grantee_kind == "USER",
                    bool(grant_option),
                    granted_by,
                )
            )
        for privilege, kind, container_kind, container, grantee, grant_option in duck.execute(
            self._sql("access_future_list")
        ).fetchall():
            self._future.add(
                FutureGrant(
                    privilege,
                    Kind(kind),
                    Securable(Kind(container_kind), container),
                    grantee,
                    bool(grant_option),
                )
            )
        self._state = dict(duck.execute(self._sql("access_state_list")).fetchall())

    def _seed(self, legacy: bool) -> None:
        """The system roles with their documented relations and privileges, and the local admin."""
        with self.batch():
            for role in SYSTEM_ROLES:
                self.put_object(Securable(Kind.ROLE, role), None)
            for granted, to_role in SYSTEM_ROLE_HIERARCHY:
                self.add_grant(Grant(USAGE, Securable(Kind.ROLE, granted), to_role))
            for role, privileges in SYSTEM_ROLE_PRIVILEGES.items():
                for privilege in privileges:
                    self.add_grant(Grant(privilege, ACCOUNT, role, granted_by=ACCOUNTADMIN))
            admin = Securable(Kind.USER, LOCAL_ADMIN_USER)
            self.put_object(admin, "USERADMIN", {"default_role": SYSADMIN, "type": "PERSON"})
            self.add_grant(Grant(USAGE, Securable(Kind.ROLE, ACCOUNTADMIN), LOCAL_ADMIN_USER, True))
            self.set_state(SEEDED, "1")
            if legacy:
                self.set_state(ADOPTION, "pending")

    # writes -----------------------------------------------------------------------------------
    @contextmanager
    def batch(self) -> Iterator[None]:
        """Group the writes of one statement into one DuckDB transaction."""
        with self._lock:
            if self._batch is not None:
                yield
                return
            cursor = self._duck.cursor()
            cursor.execute("BEGIN TRANSACTION")
            self._batch = cursor
            try:
                yield
                cursor.execute("COMMIT")
            except BaseException:
                cursor.execute("ROLLBACK")
                self._batch = None
                cursor.close()
                self._reload()
                raise
            self._batch = None
            cursor.close()
            self.generation += 1

    def _write(self, name: str, params: list[Any]) -> None:
        # Only called inside batch(): the in-memory change follows in the same batch, so the
        # generation moves once both are done.
        self._batch.execute(self._sql(name), params)

    def _reload(self) -> None:
        self._objects.clear()
        self._grants.clear()
        self._by_grantee.clear()
        self._by_object.clear()
        self._future.clear()
        self._state.clear()
        self._load()
        self.generation += 1

    def put_object(
        self, securable: Securable, owner: str | None, properties: dict[str, Any] | None = None
    ) -> ObjectRecord:
        with self._lock, self.batch():
            record = ObjectRecord(securable, owner, dict(properties or {}))
            self._write(
                "access_object_save",
                [securable.kind.value, securable.name, owner, json.dumps(record.properties)],
            )
            self._objects[securable] = record
            return record

    def set_owner(self, securable: Securable, owner: str) -> None:
        with self._lock, self.batch():
            record = self._objects[securable]
            self.put_object(securable, owner, record.properties)

    def set_properties(self, securable: Securable, **changes: Any) -> None:
        with self._lock, self.batch():
            record = self._objects[securable]
            self.put_object(securable, record.owner, {**record.properties, **changes})

    def drop_object(self, securable: Securable) -> None:
        """Drop an object with its grants (and, for a container, what it contains)."""
        with self._lock, self.batch():
            doomed = [securable]
            if securable.kind in (Kind.DATABASE, Kind.SCHEMA):
                prefix = securable.name + "."
                doomed += [s for s in self._objects if s.name.startswith(prefix)]
            for each in doomed:
                for grant in self.grants_on(each):
                    self.remove_grant(grant)
                for future in list(self._future):
                    if future.container == each:
                        self.remove_future(future)
                self._write("access_object_drop", [each.kind.value, each.name])
                self._objects.pop(each, None)

    def add_grant(self, grant: Grant) -> None:
        with self._lock, self.batch():
            self._write(
                "access_grant_save",
                [
                    grant.privilege,
                    grant.on.kind.value,
                    grant.on.name,
                    "USER" if grant.to_user else "ROLE",
                    grant.grantee,
                    grant.grant_option,
                    grant.granted_by,
                ],
            )
            self._index(grant)

    def remove_grant(self, grant: Grant) -> None:
        with self._lock, self.batch():
            self._write(
                "access_grant_drop",
                [
                    grant.privilege,
                    grant.on.kind.value,
                    grant.on.name,
                    "USER" if grant.to_user else "ROLE",
                    grant.grantee,
                ],
            )
            self._grants.pop(grant.key, None)
            self._by_grantee[(grant.to_user, grant.grantee)].discard(grant.key)
            self._by_object[grant.on].discard(grant.key)

    def add_future(self, future: FutureGrant) -> None:
        with self._lock, self.batch():
            self._write(
                "access_future_save",
                [
                    future.privilege,
                    future.kind.value,
                    future.container.kind.value,
                    future.container.name,
                    future.grantee,
                    future.grant_option,
                ],
            )
            self._future.add(future)

    def remove_future(self, future: FutureGrant) -> None:
        with self._lock, self.batch():
            self._write(
                "access_future_drop",
                [
                    future.privilege,
                    future.kind.value,
                    future.container.kind.value,
                    future.container.name,
                    future.grantee,
                ],
            )
            self._future.discard(future)

    def set_state(self, key: str, value: str) -> None:
        with self._lock, self.batch():
            self._write("access_state_save", [key, value])
            self._state[key] = value

    def _index(self, grant: Grant) -> None:
        self._grants[grant.key] = grant
        self._by_grantee[(grant.to_user, grant.grantee)].add(grant.key)
        self._by_object[grant.on].add(grant.key)

    # reads ------------------------------------------------------------------------------------
    def object(self, securable: Securable) -> ObjectRecord | None:
        with self._lock:
            return self._objects.get(securable)

    def objects(self, kind: Kind, within: Securable | None = None) -> list[ObjectRecord]:
        """Objects of ``kind``, optionally only those in a database or schema."""
        with self._lock:
            prefix = None if within is None else within.name + "."
            return sorted(
                (
                    record
                    for securable, record in self._objects.items()
                    if securable.kind is kind
                    and (prefix is None or securable.name.startswith(prefix))
                    and (within is None or len(securable.parts) == len(within.parts) + 1)
                ),
                key=lambda record: record.securable,
            )

    def schema_object(self, name: str) -> ObjectRecord | None:
        """The table, view or stream called ``DB.SCHEMA.NAME``, whatever its kind."""
        with self._lock:
            for kind in (Kind.TABLE, Kind.VIEW, Kind.STREAM):
                record = self._objects.get(Securable(kind, name))
                if record is not None:
                    return record
            return None

    def grants_to(self, grantee: str, *, to_user: bool = False) -> list[Grant]:
        with self._lock:
            return [self._grants[key] for key in self._by_grantee.get((to_user, grantee), ())]

    def grants_on(self, securable: Securable) -> list[Grant]:
        with self._lock:
            return [self._grants[key] for key in self._by_object.get(securable, ())]

    def has_grant(self, privilege: str, on: Securable, grantee: str) -> bool:
        with self._lock:
            return (privilege, on, False, grantee) in self._grants

    def future_grants(self, container: Securable) -> list[FutureGrant]:
        with self._lock:
            return sorted(
                (f for f in self._future if f.container == container),
                key=lambda f: (f.kind, f.privilege, f.grantee),
            )

    def state(self, key: str) -> str | None:
        with self._lock:
            return self._state.get(key)

    def roles_granted_to(self, grantee: str, *, to_user: bool = False) -> list[str]:
        return [
            grant.on.name
            for grant in self.grants_to(grantee, to_user=to_user)
            if grant.on.kind is Kind.ROLE and grant.privilege == USAGE
        ]


def ownership_rows(records: Iterable[ObjectRecord]) -> list[Grant]:
    """Ownership as SHOW GRANTS lists it: an OWNERSHIP grant to the owner role."""
    return [
        Grant(OWNERSHIP, record.securable, record.owner, granted_by=record.owner)
        for record in records
        if record.owner
    ]


def with_owner(record: ObjectRecord, owner: str) -> ObjectRecord:
    return replace(record, owner=owner)
