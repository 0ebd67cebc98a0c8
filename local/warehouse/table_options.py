"""ALTER TABLE clauses that change how Snowflake stores or finds rows, never what a query returns:
search optimization and clustering keys. The runner checks the statement against the table (it
must exist, and so must every column named) and then has nothing to do, because DuckDB has
neither feature and returns the same rows without them.

- ``ADD SEARCH OPTIMIZATION [ON EQUALITY(col, ...), ...]`` / ``DROP SEARCH OPTIMIZATION [ON
  ...]``: "Because SEARCH OPTIMIZATION is a table property, it is automatically detected and used
  (if appropriate) when querying a table" (Enabling and disabling search optimization); it
  changes which micro-partitions a query reads, not its result.
- ``CLUSTER BY (...)``, ``DROP CLUSTERING KEY``, ``SUSPEND | RESUME RECLUSTER``: "Drops the
  clustering key for the table" (ALTER TABLE, Clustering actions); clustering orders
  micro-partitions, which DuckDB does not have (fakesnow already ignores CLUSTER BY in CREATE
  TABLE).

Access: ALTER TABLE needs OWNERSHIP of the table ("OWNERSHIP | Table", ALTER TABLE, Access
control requirements); search optimization also needs the schema's privilege ("To add, configure,
or remove search optimization for a table, you must: Have OWNERSHIP privilege on the table. Have
ADD SEARCH OPTIMIZATION privilege on the schema that contains the table", Enabling and disabling
search optimization).

Not emulated: the Enterprise Edition requirement of search optimization; the statement is
accepted as on an Enterprise account (the project's setting ``search_optimization`` leaves it out
on Standard Edition).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from snowflake.connector.errors import ProgrammingError

from local.warehouse.access.model import OWNERSHIP, Kind, Securable
from local.warehouse.noops import without_leading_comments
from local.warehouse.objects import ObjectName
from local.warehouse.sql_text import SqlTextError, TokenReader

if TYPE_CHECKING:
    from local.warehouse.connection import ResultColumn, RunnerConnection

_CLAUSE = re.compile(
    r"^ALTER\s+TABLE\s+(IF\s+EXISTS\s+)?[A-Za-z0-9_$.\"]+\s+"
    r"(ADD\s+SEARCH\s+OPTIMIZATION|DROP\s+SEARCH\s+OPTIMIZATION|CLUSTER\s+BY|"
    r"DROP\s+CLUSTERING\s+KEY|SUSPEND\s+RECLUSTER|RESUME\s+RECLUSTER)\b",
    re.IGNORECASE | re.DOTALL,
)
_SEARCH_OPTIMIZATION = re.compile(r"\bSEARCH\s+OPTIMIZATION\b", re.IGNORECASE)
_SEARCH_METHODS = {"EQUALITY", "SUBSTRING", "FULL_TEXT", "GEO"}
_COLUMN_SQL = (
    "SELECT column_name FROM information_schema.columns "
    "WHERE table_catalog = ? AND table_schema = ? AND table_name = ?"
)


def handles(sql: str) -> bool:
    """Whether the statement is one of the ALTER TABLE clauses of this module."""
    return _CLAUSE.match(without_leading_comments(sql)) is not None


def alter_table(connection: RunnerConnection, sql: str, params: Any) -> list[ResultColumn]:
    reader = TokenReader(without_leading_comments(sql))
    reader.expect("ALTER", "TABLE")
    if_exists = reader.accept("IF", "EXISTS")
    name = connection.runtime.object_name(reader.name(), connection)
    columns = _columns(connection, name)
    if not columns:
        if if_exists:
            return [("status", "VARCHAR", "Statement executed successfully.")]
        raise ProgrammingError(
            msg=f"SQL compilation error:\nTable '{name}' does not exist or not authorized.",
            errno=2003,
            sqlstate="02000",
        )
    access = connection.access
    table = Securable(Kind.TABLE, str(name))
    access.require_privileges(table, (OWNERSHIP,))
    if _SEARCH_OPTIMIZATION.search(sql):
        schema = table.schema
        assert schema is not None
        access.require_privileges(schema, ("ADD SEARCH OPTIMIZATION",))
    for column in _named_columns(reader):
        if column not in columns:
            raise ProgrammingError(
                msg=f"SQL compilation error:\ninvalid identifier '{column}'",
                errno=904,
                sqlstate="42000",
            )
    return [("status", "VARCHAR", "Statement executed successfully.")]


def _columns(connection: RunnerConnection, name: ObjectName) -> set[str]:
    rows = connection.duck.execute(_COLUMN_SQL, [name.database, name.schema, name.name]).fetchall()
    return {str(row[0]).upper() for row in rows}


def _named_columns(reader: TokenReader) -> list[str]:
    """The columns a clause names: ``ON EQUALITY(a, b), SUBSTRING(c)`` or ``CLUSTER BY (a, b)``."""
    named: list[str] = []
    while not reader.at_end():
        word = reader.peek()
        reader.index += 1
        if word not in _SEARCH_METHODS and word != "BY":
            continue
        if reader.peek() != "(":
            raise SqlTextError(f"expected ( after {word}")
        inner = reader.value_text().strip()[1:-1]
        for target in inner.split(","):
            target = target.strip()
            if target == "*" or "=>" in target:
                continue  # every column, or an ANALYZER => '...' option
            # A VARIANT path (col:field) optimizes the column it starts with.
            column = re.split(r"[:\[.]", target, maxsplit=1)[0].strip().strip('"')
            if column and not re.search(r"[()\s]", column):
                named.append(column.upper())
    return named
