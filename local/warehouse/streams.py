"""Snowflake streams on insert-only tables, emulated with DuckDB rowids.

A stream is a source table plus an offset: the highest rowid already consumed. DuckDB assigns
rowids of an insert-only table at commit, in commit order, so "rowid > offset" is exactly the
set of rows committed after the offset, and a writer that commits late can never slip under
an offset another transaction already moved past.

- Reading a stream reads ``offset < rowid <= high-water mark``, the mark taken once per
  transaction (repeatable read: every statement of the transaction sees the same rows). The
  bounds reach DuckDB as variables set before each execution, never as text.
- A DML statement that reads a stream moves its offset to that mark inside the same DuckDB
  transaction, so the move commits or rolls back with the statement's effects. A SELECT alone
  never moves it; a DML consumes the whole range even if its WHERE filtered rows out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlglot import exp

from local.warehouse import internal_sql
from local.warehouse.objects import ObjectName
from local.warehouse.registry import StreamDefinition
from local.warehouse.sql_text import SqlTextError, TokenReader

STREAM_HAS_DATA = "SYSTEM$STREAM_HAS_DATA"
# Statements that consume a stream they read (CTAS counts as DML for streams in Snowflake).
CONSUMING_STATEMENTS = (exp.Insert, exp.Merge, exp.Update, exp.Delete, exp.Create)


class UnsupportedStreamError(ValueError):
    """A CREATE STREAM option the runner does not emulate."""


@dataclass(frozen=True)
class StreamRange:
    """What one transaction sees of a stream: rowids in (offset, high_water_mark]."""

    stream: StreamDefinition
    offset: int
    high_water_mark: int


@dataclass(frozen=True)
class CreateStream:
    name_text: str
    source_text: str
    or_replace: bool
    if_not_exists: bool
    append_only: bool
    show_initial_rows: bool


def parse_create_stream(sql: str) -> CreateStream:
    """``CREATE [OR REPLACE] STREAM [IF NOT EXISTS] n [COPY GRANTS] ON TABLE t [options]``."""
    reader = TokenReader(sql)
    reader.expect("CREATE")
    or_replace = reader.accept("OR", "REPLACE")
    reader.expect("STREAM")
    if_not_exists = reader.accept("IF", "NOT", "EXISTS")
    name = reader.name()
    reader.accept("COPY", "GRANTS")
    if not reader.accept("ON", "TABLE"):
        raise UnsupportedStreamError(f"stream {name}: only streams ON TABLE are emulated")
    source = reader.name()
    options: dict[str, str] = {}
    while not reader.at_end():
        key = reader.peek()
        if key in ("AT", "BEFORE"):
            raise UnsupportedStreamError(f"stream {name}: AT/BEFORE (time travel) is not emulated")
        reader.index += 1
        reader.expect("=")
        options[key] = reader.value_text()
    unknown = set(options) - {"APPEND_ONLY", "SHOW_INITIAL_ROWS", "COMMENT"}
    if unknown:
        raise UnsupportedStreamError(f"stream {name}: unsupported options {sorted(unknown)}")
    return CreateStream(
        name_text=name,
        source_text=source,
        or_replace=or_replace,
        if_not_exists=if_not_exists,
        append_only=options.get("APPEND_ONLY", "FALSE") == "TRUE",
        show_initial_rows=options.get("SHOW_INITIAL_ROWS", "FALSE") == "TRUE",
    )


def parse_drop_stream(sql: str) -> tuple[str, bool]:
    reader = TokenReader(sql)
    reader.expect("DROP", "STREAM")
    if_exists = reader.accept("IF", "EXISTS")
    return reader.name(), if_exists


# Offsets ----------------------------------------------------------------------------------------
def high_water_mark(duck: Any, source: ObjectName) -> int:
    sql = internal_sql.render("source_high_water_mark", table=str(source))
    return int(duck.execute(sql).fetchone()[0])


def current_offset(duck: Any, stream: StreamDefinition) -> int:
    sql = internal_sql.render("stream_offset", database=stream.name.database)
    row = duck.execute(sql, [str(stream.name)]).fetchone()
    if row is None:
        raise SqlTextError(f"stream {stream.name} has no offset in the registry")
    return int(row[0])


def read_range(duck: Any, stream: StreamDefinition) -> StreamRange:
    return StreamRange(stream, current_offset(duck, stream), high_water_mark(duck, stream.source))


def advance(duck: Any, stream_range: StreamRange) -> None:
    """Move the offset to the range's end, inside the caller's transaction."""
    duck.execute(
        internal_sql.render("stream_advance", database=stream_range.stream.name.database),
        [stream_range.high_water_mark, str(stream_range.stream.name), stream_range.high_water_mark],
    )


def pending_rows(duck: Any, stream: StreamDefinition) -> int:
    """Rows committed to the source after the stream's offset."""
    offset = current_offset(duck, stream)
    sql = internal_sql.render("source_pending_rows", table=str(stream.source))
    return int(duck.execute(sql, [offset]).fetchone()[0])


# Rewrites (applied to fakesnow's DuckDB-ready expression) --------------------------------------
def find_stream_reads(
    expression: exp.Expr, lookup: Callable[[exp.Table], StreamDefinition | None]
) -> list[StreamDefinition]:
    """The registered streams a statement reads, in order of first appearance."""
    found: dict[ObjectName, StreamDefinition] = {}
    for table in expression.find_all(exp.Table):
        stream = lookup(table)
        if stream is not None:
            found.setdefault(stream.name, stream)
    return list(found.values())


def stream_reads_as_rowid_ranges(
    expression: exp.Expr,
    lookup: Callable[[exp.Table], StreamDefinition | None],
    positions: Mapping[ObjectName, int],
) -> exp.Expr:
    """Rewrite: each read of a stream becomes a subquery over its source table's rowid range,
    with the stream's METADATA$ columns (append-only: every row is an INSERT, never an update).

    The range's bounds are not in the text: they are the DuckDB variables of the stream's
    position in the statement (:func:`range_variables`), set by :func:`bind_ranges` right before
    each execution, so one rewritten text serves every transaction (and can be cached)."""

    def replace(node: exp.Expr) -> exp.Expr:
        if not isinstance(node, exp.Table):
            return node
        stream = lookup(node)
        if stream is None:
            return node
        alias = node.alias or stream.name.name
        return _range_subquery(stream, positions[stream.name]).subquery(alias)

    return expression.transform(replace, copy=False)


def range_variables(position: int) -> tuple[str, str]:
    """Names of the DuckDB variables holding the offset and high-water mark of the statement's
    ``position``-th stream (0-based, in order of first appearance)."""
    return f"local_stream_{position}_offset", f"local_stream_{position}_high_water_mark"


def bind_ranges(duck: Any, ranges: Sequence[StreamRange]) -> None:
    """Set the variables :func:`stream_reads_as_rowid_ranges` reads, on the cursor that runs the
    statement (DuckDB variables belong to one connection)."""
    for position, stream_range in enumerate(ranges):
        offset_name, mark_name = range_variables(position)
        for name, value in (
            (offset_name, stream_range.offset),
            (mark_name, stream_range.high_water_mark),
        ):
            duck.execute(f"SET VARIABLE {name} = CAST(? AS BIGINT)", [value])


def _range_subquery(stream: StreamDefinition, position: int) -> exp.Select:
    source = internal_sql.qualified(str(stream.source))
    offset_name, mark_name = range_variables(position)
    return sqlglot.parse_one(
        f"SELECT _stream_source.*, 'INSERT' AS \"METADATA$ACTION\", "
        f'FALSE AS "METADATA$ISUPDATE", '
        f'CAST(_stream_source.rowid AS VARCHAR) AS "METADATA$ROW_ID" '
        f"FROM {source} AS _stream_source "
        f"WHERE _stream_source.rowid > getvariable('{offset_name}') "
        f"AND _stream_source.rowid <= getvariable('{mark_name}')",
        read="duckdb",
    )  # type: ignore[return-value]


def stream_has_data_as_literal(expression: exp.Expr, has_data: Callable[[str], bool]) -> exp.Expr:
    """Rewrite: ``SYSTEM$STREAM_HAS_DATA('name')`` becomes TRUE or FALSE, evaluated now."""

    def replace(node: exp.Expr) -> exp.Expr:
        if not (isinstance(node, exp.Anonymous) and str(node.this).upper() == STREAM_HAS_DATA):
            return node
        arguments = node.expressions
        if len(arguments) != 1 or not (
            isinstance(arguments[0], exp.Literal) and arguments[0].is_string
        ):
            raise SqlTextError(f"{STREAM_HAS_DATA} takes one string literal: the stream name")
        return exp.Boolean(this=has_data(arguments[0].name))

    return expression.transform(replace, copy=False)


def consumes(expression: exp.Expr) -> bool:
    """Whether a statement reading a stream moves its offset (DML and CTAS do, SELECT never)."""
    if isinstance(expression, exp.Create):
        return expression.expression is not None and isinstance(expression.expression, exp.Query)
    return isinstance(expression, CONSUMING_STATEMENTS)
