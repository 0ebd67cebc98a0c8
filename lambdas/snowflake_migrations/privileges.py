"""The expected privilege matrix (``snowflake/admin/privileges.toml``) and SHOW GRANTS rows in the
same shape, so a deployed account can be compared with it.

The matrix is the single machine-readable source of truth of what each pipeline role holds: the
grants test checks the local warehouse against it (and that each role can do exactly that), and
issue 12's ``pos verify`` loads it with :func:`load_matrix` to compare a deployed account's
``SHOW GRANTS TO ROLE`` / ``SHOW GRANTS TO USER`` / ``SHOW FUTURE GRANTS IN SCHEMA`` answers, read
with :func:`grants_from_show`, :func:`roles_from_show` and :func:`future_from_show`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lambdas.snowflake_migrations.bootstrap import AccountNames, render_template
from lambdas.snowflake_migrations.scripts import SqlVariables

MATRIX_FILE = Path("admin") / "privileges.toml"
_KINDS = ("RESOURCE MONITOR", "ACCOUNT", "DATABASE", "SCHEMA", "TABLE", "VIEW", "STREAM", "TASK",
          "PROCEDURE", "WAREHOUSE", "USER", "ROLE")  # fmt: skip


@dataclass(frozen=True, order=True)
class ExpectedGrant:
    """One row of SHOW GRANTS TO ROLE: privilege, kind of object, object name ("" = account)."""

    privilege: str
    kind: str
    name: str

    def __str__(self) -> str:
        return f"{self.privilege} ON {self.kind} {self.name}".strip()


@dataclass(frozen=True, order=True)
class ExpectedFutureGrant:
    privilege: str
    kind: str  # TABLE, VIEW, TASK, ...
    schema: str
    grantee: str


@dataclass(frozen=True)
class RoleMatrix:
    key: str  # deploy, ingest, transform, dashboard, monitor
    role: str
    users: tuple[str, ...]
    grants: frozenset[ExpectedGrant]


@dataclass(frozen=True)
class PrivilegeMatrix:
    roles: dict[str, RoleMatrix]
    future: frozenset[ExpectedFutureGrant]

    def role(self, key: str) -> RoleMatrix:
        return self.roles[key]


def load_matrix(
    scripts_dir: Path, variables: SqlVariables, names: AccountNames | None = None
) -> PrivilegeMatrix:
    """The matrix rendered with an environment's names. ``pos verify`` (issue 12) compares a
    deployed account's SHOW GRANTS with what this returns."""
    text = render_template(
        (scripts_dir / MATRIX_FILE).read_text(encoding="utf-8"), variables, names
    )
    data: dict[str, Any] = tomllib.loads(text)
    roles = {
        key: RoleMatrix(
            key,
            str(entry["role"]),
            tuple(str(user) for user in entry["users"]),
            frozenset(parse_grant(line) for line in entry["grants"]),
        )
        for key, entry in data["roles"].items()
    }
    future = frozenset(parse_future_grant(line) for line in data["future"]["grants"])
    return PrivilegeMatrix(roles, future)


def parse_grant(line: str) -> ExpectedGrant:
    """``"<PRIVILEGE> ON <KIND> <NAME>"`` (``... ON ACCOUNT`` has no name)."""
    privilege, _, rest = line.partition(" ON ")
    for kind in _KINDS:
        if rest == kind or rest.startswith(kind + " "):
            return ExpectedGrant(privilege.strip(), kind, rest[len(kind) :].strip())
    raise ValueError(f"not a grant line: {line!r}")


def parse_future_grant(line: str) -> ExpectedFutureGrant:
    """``"<PRIVILEGE> ON FUTURE <KINDS> IN SCHEMA <SCHEMA> TO <ROLE>"``."""
    privilege, _, rest = line.partition(" ON FUTURE ")
    kinds, _, rest = rest.partition(" IN SCHEMA ")
    schema, _, grantee = rest.partition(" TO ")
    kind = kinds.strip().removesuffix("S")
    return ExpectedFutureGrant(privilege.strip(), kind, schema.strip(), grantee.strip())


# SHOW GRANTS answers in the matrix's shape --------------------------------------------------------
def grants_from_show(rows: Iterable[Sequence[Any]]) -> frozenset[ExpectedGrant]:
    """SHOW GRANTS TO ROLE rows (created_on, privilege, granted_on, name, ...)."""
    return frozenset(
        ExpectedGrant(str(row[1]), _kind(str(row[2])), _object_name(str(row[2]), str(row[3])))
        for row in rows
    )


def roles_from_show(rows: Iterable[Sequence[Any]]) -> frozenset[str]:
    """SHOW GRANTS TO USER rows: the roles granted (column ``role``, or ``name`` of a ROLE)."""
    return frozenset(str(row[3] if len(row) > 3 else row[1]) for row in rows)


def future_from_show(rows: Iterable[Sequence[Any]]) -> frozenset[ExpectedFutureGrant]:
    """SHOW FUTURE GRANTS IN SCHEMA rows (created_on, privilege, grant_on, name, grant_to,
    grantee_name, ...); ``name`` reads ``DB.SCHEMA.<KIND>``."""
    return frozenset(
        ExpectedFutureGrant(
            str(row[1]), _kind(str(row[2])), str(row[3]).rsplit(".", 1)[0], str(row[5])
        )
        for row in rows
    )


def _kind(granted_on: str) -> str:
    return granted_on.replace("_", " ").upper()


def _object_name(granted_on: str, name: str) -> str:
    """Snowflake shows a procedure with its signature (``DB.S."P():VARIANT"``) and may quote
    names; the matrix names objects plainly."""
    if _kind(granted_on) == "ACCOUNT":
        return ""
    parts = [part.strip('"') for part in name.split(".", 2)]
    parts[-1] = parts[-1].split("(", 1)[0]
    return ".".join(parts)
