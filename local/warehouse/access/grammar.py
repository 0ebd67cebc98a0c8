"""Parsers for the access-control statements fakesnow cannot run (sqlglot keeps GRANT, CREATE
ROLE/USER/WAREHOUSE and the like as unchecked commands): GRANT/REVOKE in the forms of
https://docs.snowflake.com/en/sql-reference/sql/grant-privilege,
https://docs.snowflake.com/en/sql-reference/sql/grant-ownership and
https://docs.snowflake.com/en/sql-reference/sql/grant-role, and ``KEY = value`` property lists.
Anything else is refused with UnsupportedConstructError rather than guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import TokenType

from lambdas.snowflake_migrations.scripts import validate_identifier
from local.warehouse.access.model import ACCOUNT, PLURALS, SCHEMA_OBJECT_KINDS, Kind, Securable
from local.warehouse.objects import ObjectName, ObjectNameError
from local.warehouse.scripting import UnsupportedConstructError
from local.warehouse.sql_text import TokenReader

# Object kinds by their leading word(s) after ON (two-word kinds first).
_KIND_WORDS: tuple[tuple[tuple[str, ...], Kind], ...] = (
    (("RESOURCE", "MONITOR"), Kind.RESOURCE_MONITOR),
    (("DATABASE",), Kind.DATABASE),
    (("SCHEMA",), Kind.SCHEMA),
    (("TABLE",), Kind.TABLE),
    (("VIEW",), Kind.VIEW),
    (("STREAM",), Kind.STREAM),
    (("TASK",), Kind.TASK),
    (("PROCEDURE",), Kind.PROCEDURE),
    (("WAREHOUSE",), Kind.WAREHOUSE),
    (("USER",), Kind.USER),
    (("ROLE",), Kind.ROLE),
)


@dataclass(frozen=True)
class Target:
    """What a GRANT is on: the account, one object, all objects of a kind in a container, or the
    future objects of a kind in a container."""

    scope: str  # ACCOUNT, OBJECT, ALL, FUTURE
    kind: Kind
    name: str = ""  # the object's name as written, or the container's
    container_kind: Kind | None = None


@dataclass(frozen=True)
class GrantStatement:
    revoke: bool
    privileges: tuple[str, ...]  # empty for a role grant
    target: Target
    grantee: str
    grantee_is_user: bool
    grant_option: bool = False
    current_grants: str | None = None  # COPY or REVOKE (GRANT OWNERSHIP)


def read_kind(reader: TokenReader) -> Kind | None:
    for words, kind in _KIND_WORDS:
        if reader.accept(*words):
            return kind
    return None


def read_object_name(reader: TokenReader) -> str:
    """A name, and a procedure's argument types list (overloading is not emulated)."""
    name = reader.name()
    if not reader.at_end() and reader.tokens[reader.index].token_type is TokenType.L_PAREN:
        reader.value_text()
    return name


def parse_grant(sql: str) -> GrantStatement:
    reader = TokenReader(sql)
    revoke = reader.accept("REVOKE")
    if not revoke:
        reader.expect("GRANT")
    elif reader.accept("GRANT", "OPTION", "FOR"):
        raise UnsupportedConstructError("REVOKE GRANT OPTION FOR is not emulated")
    if reader.accept("ROLE"):
        role = reader.name()
        reader.expect("FROM" if revoke else "TO")
        grantee_is_user = reader.accept("USER")
        if not grantee_is_user:
            reader.accept("ROLE")
        grantee = reader.name()
        return GrantStatement(
            revoke, (), Target("OBJECT", Kind.ROLE, role), grantee, grantee_is_user
        )
    privileges = _privileges(reader)
    reader.expect("ON")
    target = _target(reader)
    reader.expect("FROM" if revoke else "TO")
    grantee_is_user = reader.accept("USER")
    if grantee_is_user:
        raise UnsupportedConstructError("GRANT <privileges> ... TO USER is not emulated")
    if reader.accept("DATABASE", "ROLE") or reader.accept("SHARE"):
        raise UnsupportedConstructError("grants to database roles and shares are not emulated")
    reader.accept("ROLE")
    grantee = reader.name()
    grant_option = False
    current: str | None = None
    while not reader.at_end():
        if reader.accept("WITH", "GRANT", "OPTION"):
            grant_option = True
        elif reader.accept("COPY", "CURRENT", "GRANTS"):
            current = "COPY"
        elif reader.accept("REVOKE", "CURRENT", "GRANTS"):
            current = "REVOKE"
        elif reader.accept("CASCADE") or reader.accept("RESTRICT"):
            continue
        else:
            raise UnsupportedConstructError(f"unexpected {reader.peek()!r} in a GRANT")
    return GrantStatement(revoke, privileges, target, grantee, False, grant_option, current)


def _privileges(reader: TokenReader) -> tuple[str, ...]:
    privileges: list[str] = []
    words: list[str] = []
    while not reader.at_end() and reader.peek() != "ON":
        word = reader.peek()
        reader.index += 1
        if word == ",":
            privileges.append(" ".join(words))
            words = []
        else:
            words.append(word)
    if words:
        privileges.append(" ".join(words))
    if not privileges:
        raise UnsupportedConstructError("a GRANT without privileges")
    return tuple(privileges)


def _target(reader: TokenReader) -> Target:
    if reader.accept("ACCOUNT"):
        return Target("ACCOUNT", Kind.ACCOUNT)
    for scope in ("ALL", "FUTURE"):
        if reader.accept(scope):
            plural = reader.peek()
            if plural not in PLURALS:
                raise UnsupportedConstructError(f"GRANT ... ON {scope} {plural} is not emulated")
            reader.index += 1
            reader.expect("IN")
            container = Kind.SCHEMA if reader.accept("SCHEMA") else None
            if container is None:
                reader.expect("DATABASE")
                container = Kind.DATABASE
            return Target(scope, PLURALS[plural], reader.name(), container)
    kind = read_kind(reader)
    if kind is None:
        raise UnsupportedConstructError(f"GRANT ... ON {reader.peek()} is not emulated")
    return Target("OBJECT", kind, read_object_name(reader))


def parse_properties(reader: TokenReader, stop: tuple[str, ...] = ()) -> dict[str, str]:
    """``KEY = value`` pairs (values upper-cased unless quoted; ``()`` kept as text)."""
    properties: dict[str, str] = {}
    while not reader.at_end() and reader.peek() not in stop:
        key = reader.peek()
        reader.index += 1
        if not reader.accept("="):
            raise UnsupportedConstructError(f"expected {key} = <value>")
        properties[key] = reader.value_text()
    return properties


def identifier(text: str) -> str:
    """One identifier as Snowflake stores it: unquoted upper-cased, quoted as written."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    return text.upper()


def securable_of(kind: Kind, text: str, database: str | None, schema: str | None) -> Securable:
    """Resolve a name written in a statement against the session's database and schema."""
    if kind is Kind.ACCOUNT:
        return ACCOUNT
    parts = [identifier(part) for part in text.split(".")]
    if kind is Kind.SCHEMA:
        if len(parts) == 1 and database:
            parts = [database, *parts]
        if len(parts) != 2:
            raise ObjectNameError(f"{text}: no current database; qualify the name")
    elif kind in SCHEMA_OBJECT_KINDS:
        name = ObjectName.parse(text, database, schema)
        parts = [name.database, name.schema, name.name]
    elif len(parts) != 1:
        raise ObjectNameError(f"invalid {kind.value.lower()} name {text!r}")
    for part in parts:
        validate_identifier("object name", part)
    return Securable(kind, ".".join(parts))
