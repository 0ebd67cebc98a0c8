"""Each named rewrite and classifier on its own, on the expressions fakesnow hands over."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from local.warehouse import commands, merge, numeric, scripting, streams, table_options
from local.warehouse.access import ddl, grants
from local.warehouse.objects import ObjectName
from local.warehouse.registry import StreamDefinition
from local.warehouse.sql_text import replace_binds

STREAM = StreamDefinition(
    ObjectName("DB", "BRONZE", "RAW_STREAM"), ObjectName("DB", "BRONZE", "RAW"), append_only=True
)


def _lookup(table: exp.Table) -> StreamDefinition | None:
    return STREAM if table.name == "RAW_STREAM" else None


def test_stream_read_becomes_rowid_range_with_metadata_columns() -> None:
    expression = sqlglot.parse_one("SELECT s.A FROM DB.BRONZE.RAW_STREAM AS s", read="duckdb")
    positions = {STREAM.name: 1}
    sql = streams.stream_reads_as_rowid_ranges(expression, _lookup, positions).sql(dialect="duckdb")
    assert "FROM DB.BRONZE.RAW AS _stream_source" in sql
    # The bounds are the variables of the stream's position, never literals in the text.
    assert (
        "_stream_source.rowid > GETVARIABLE('local_stream_1_offset') "
        "AND _stream_source.rowid <= GETVARIABLE('local_stream_1_high_water_mark')"
    ) in sql
    assert '"METADATA$ACTION"' in sql and '"METADATA$ISUPDATE"' in sql
    assert sql.endswith(") AS s")


def test_stream_range_variables_bound_on_the_cursor_select_exactly_the_range() -> None:
    duck = duckdb.connect()
    duck.execute("ATTACH ':memory:' AS DB")
    duck.execute("CREATE SCHEMA DB.BRONZE")
    duck.execute("CREATE TABLE DB.BRONZE.RAW AS SELECT range AS A FROM range(10)")
    expression = sqlglot.parse_one("SELECT s.A FROM DB.BRONZE.RAW_STREAM AS s", read="duckdb")
    sql = streams.stream_reads_as_rowid_ranges(expression, _lookup, {STREAM.name: 0}).sql(
        dialect="duckdb"
    )
    for offset, mark in ((3, 6), (-1, 1), (9, 9)):
        streams.bind_ranges(duck, [streams.StreamRange(STREAM, offset, mark)])
        rows = [row[0] for row in duck.execute(sql + " ORDER BY 1").fetchall()]
        assert rows == list(range(offset + 1, mark + 1))


def test_unaliased_stream_read_keeps_the_stream_name_for_column_references() -> None:
    expression = sqlglot.parse_one("SELECT RAW_STREAM.A FROM BRONZE.RAW_STREAM", read="duckdb")
    positions = {STREAM.name: 0}
    sql = streams.stream_reads_as_rowid_ranges(expression, _lookup, positions).sql(dialect="duckdb")
    assert sql.endswith(") AS RAW_STREAM")


def test_stream_has_data_becomes_a_boolean_literal() -> None:
    asked: list[str] = []

    def has_data(name: str) -> bool:
        asked.append(name)
        return name == "BRONZE.RAW_STREAM"

    expression = sqlglot.parse_one(
        "SELECT SYSTEM$STREAM_HAS_DATA('BRONZE.RAW_STREAM'), SYSTEM$STREAM_HAS_DATA('X.Y')",
        read="snowflake",
    )
    sql = streams.stream_has_data_as_literal(expression, has_data).sql(dialect="duckdb")
    assert sql == "SELECT TRUE, FALSE"
    assert asked == ["BRONZE.RAW_STREAM", "X.Y"]


def test_only_dml_and_ctas_consume_a_stream() -> None:
    def consumes(sql: str) -> bool:
        return streams.consumes(sqlglot.parse_one(sql, read="snowflake"))

    assert consumes("INSERT INTO t SELECT * FROM s")
    assert consumes(
        "MERGE INTO t USING s ON t.a = s.a WHEN NOT MATCHED THEN INSERT (a) VALUES (s.a)"
    )
    assert consumes("CREATE TABLE t AS SELECT * FROM s")
    assert not consumes("SELECT * FROM s")
    assert not consumes("CREATE TABLE t (a INT)")


def test_merge_update_set_unqualified_drops_only_the_target_qualifier() -> None:
    statement = sqlglot.parse_one(
        "MERGE INTO t AS tgt USING s AS src ON tgt.k = src.k "
        "WHEN MATCHED THEN UPDATE SET tgt.v = tgt.v + src.v",
        read="snowflake",
    )
    assert isinstance(statement, exp.Merge)
    sql = merge.merge_update_set_unqualified(statement).sql(dialect="duckdb")
    assert "UPDATE SET v = tgt.v + src.v" in sql


def test_merge_returning_action_and_snowflake_result_columns() -> None:
    statement = sqlglot.parse_one(
        "MERGE INTO t USING s ON t.k = s.k WHEN MATCHED THEN UPDATE SET v = s.v "
        "WHEN NOT MATCHED THEN INSERT (k, v) VALUES (s.k, s.v)",
        read="snowflake",
    )
    assert isinstance(statement, exp.Merge)
    assert (
        merge.merge_returning_action(statement)
        .sql(dialect="duckdb")
        .endswith("RETURNING merge_action")
    )
    columns = merge.result_columns(statement, ["INSERT", "UPDATE", "INSERT"])
    assert columns == [("number of rows inserted", 2), ("number of rows updated", 1)]


@pytest.mark.parametrize(
    ("sql", "handler"),
    [
        ("CREATE ROLE IF NOT EXISTS POS_INGEST", ddl.create_role),
        ("CREATE OR REPLACE WAREHOUSE POS_WH WITH WAREHOUSE_SIZE = 'XSMALL'", ddl.create_warehouse),
        ("CREATE RESOURCE MONITOR M WITH CREDIT_QUOTA = 1", ddl.create_resource_monitor),
        ("GRANT USAGE ON DATABASE POS_DB TO ROLE POS_INGEST", grants.grant_or_revoke),
        ("REVOKE USAGE ON DATABASE POS_DB FROM ROLE POS_INGEST", grants.grant_or_revoke),
        ("SHOW GRANTS TO ROLE POS_INGEST", grants.show_grants),
        ("ALTER USER POS_FIREHOSE SET DEFAULT_ROLE = POS_INGEST", ddl.alter_user),
        ("-- comment\nUSE ROLE POS_TRANSFORM", ddl.use_role),
        ("USE WAREHOUSE POS_WH", ddl.use_warehouse),
        ("CREATE SCHEMA IF NOT EXISTS D.S WITH MANAGED ACCESS", ddl.create_managed_schema),
        ("ALTER SCHEMA D.S ENABLE MANAGED ACCESS", ddl.alter_schema_managed_access),
        ("ALTER TABLE POS_DB.BRONZE.T SET CHANGE_TRACKING = TRUE", ddl.alter_object_parameters),
        ("ALTER SESSION SET TIMEZONE = 'UTC'", commands.noop),
        ("ALTER TABLE T ADD COLUMN X INT", None),
        ("ALTER TABLE T ALTER COLUMN X SET DATA TYPE VARCHAR", None),
        ("CREATE TABLE ROLES (A INT)", None),
        ("CREATE SCHEMA IF NOT EXISTS D.S", None),
        ("USE SCHEMA POS_DB.SILVER", None),
    ],
)
def test_statements_the_runner_handles_itself(sql: str, handler: object) -> None:
    """Access-control statements go to the access model, session parameters are the one no-op,
    and everything else reaches fakesnow (where the access check runs on its expression)."""
    assert commands.handler_for(sql) is handler


def test_binds_skip_variant_paths_casts_strings_and_qualified_names() -> None:
    sql, names = replace_binds(
        "SELECT v:a::STRING, v[0]:b, ':x', t.run_id, :run_id, f(:n) FROM s WHERE k = :run_id",
        lambda name: "?",
    )
    assert sql == "SELECT v:a::STRING, v[0]:b, ':x', t.run_id, ?, f(?) FROM s WHERE k = ?"
    assert names == ["RUN_ID", "N", "RUN_ID"]


@pytest.mark.parametrize(
    "statement",
    [
        "WHILE (x > 1) DO RETURN 1; END WHILE",
        "FOR r IN c DO RETURN 1; END FOR",
        "LET c CURSOR FOR SELECT 1",
        "EXECUTE IMMEDIATE 'SELECT 1'",
    ],
)
def test_constructs_outside_the_subset_are_refused(statement: str) -> None:
    with pytest.raises(scripting.UnsupportedConstructError):
        scripting.parse_block(f"BEGIN {statement}; END")


def test_undeclared_bind_is_refused_when_the_procedure_is_created() -> None:
    block = scripting.parse_block("DECLARE a NUMBER; BEGIN INSERT INTO t SELECT :b; END")
    with pytest.raises(scripting.UnsupportedConstructError, match="B"):
        scripting.check_binds(block, set())


@pytest.mark.parametrize(
    ("text", "scale", "rounded", "truncated"),
    [
        ("12.345", 2, "12.35", "12.34"),  # ROUND is half away from zero, TRUNC towards zero
        ("-2.345", 2, "-2.35", "-2.34"),
        ("100.5", 0, "101", "100"),
        ("1.2345", 3, "1.235", "1.234"),
        ("7", None, None, None),  # a NULL scale gives NULL
    ],
)
def test_scale_per_row_rounds_exactly_and_keeps_the_input_type(
    text: str, scale: int | None, rounded: str | None, truncated: str | None
) -> None:
    duck = duckdb.connect()
    duck.execute("CREATE TABLE T (X DECIMAL(38, 24), S INTEGER)")
    duck.execute("INSERT INTO T VALUES (CAST(? AS DECIMAL(38, 24)), ?)", [text, scale])
    expression = sqlglot.parse_one("SELECT ROUND(X, S), TRUNC(X, S), ROUND(X, 1) FROM T", "duckdb")
    sql = numeric.scale_per_row(expression).sql(dialect="duckdb")
    assert "ROUND(X, 1)" in sql  # a constant scale is left to DuckDB
    row = duck.execute(sql).fetchone()
    assert row is not None
    assert (row[0], row[1]) == (
        None if rounded is None else Decimal(rounded),
        None if truncated is None else Decimal(truncated),
    )
    types = duck.execute(f"SELECT typeof(c0), typeof(c1) FROM ({sql}) AS r(c0, c1, c2)").fetchone()
    assert types == ("DECIMAL(38,24)", "DECIMAL(38,24)")  # the input's scale, as in Snowflake


def test_scale_per_row_refuses_a_negative_scale_rather_than_answer_differently() -> None:
    duck = duckdb.connect()
    duck.execute("CREATE TABLE T AS SELECT CAST('975.5' AS DECIMAL(4, 1)) AS X, -1 AS S")
    rewritten = numeric.scale_per_row(sqlglot.parse_one("SELECT ROUND(X, S) FROM T", "duckdb"))
    with pytest.raises(duckdb.Error, match="not emulated"):
        duck.execute(rewritten.sql(dialect="duckdb")).fetchall()


@pytest.mark.parametrize(
    ("sql", "handled"),
    [
        ("ALTER TABLE DB.S.T ADD SEARCH OPTIMIZATION ON EQUALITY(A, B)", True),
        ("ALTER TABLE IF EXISTS T DROP SEARCH OPTIMIZATION", True),
        ("-- why\nALTER TABLE DB.S.T DROP CLUSTERING KEY", True),
        ("ALTER TABLE T CLUSTER BY (A)", True),
        ("ALTER TABLE T SUSPEND RECLUSTER", True),
        ("ALTER TABLE T ADD COLUMN SEARCH VARCHAR", False),
        ("ALTER TABLE T SET DATA_RETENTION_TIME_IN_DAYS = 1", False),
    ],
)
def test_table_option_clauses_are_recognised(sql: str, handled: bool) -> None:
    assert table_options.handles(sql) is handled


def test_scale_per_row_above_a_cast_scale_leaves_the_value_unchanged() -> None:
    duck = duckdb.connect()
    sql = "SELECT TRUNC(TRY_CAST('1.25' AS DECIMAL(12, 2)), S) FROM (VALUES (1), (2), (30)) t(S)"
    rewritten = numeric.scale_per_row(sqlglot.parse_one(sql, "duckdb")).sql(dialect="duckdb")
    assert "= 3 THEN" not in rewritten  # no branch past the input's scale of 2
    assert [row[0] for row in duck.execute(rewritten).fetchall()] == [
        Decimal("1.20"),
        Decimal("1.25"),
        Decimal("1.25"),
    ]


def test_exact_sums_drop_fakesnows_double_cast_only_where_duckdb_can_sum_exactly() -> None:
    duck = duckdb.connect()
    duck.execute("CREATE TABLE T AS SELECT CAST('155.45' AS DECIMAL(12, 2)) AS N, '2' AS V")
    original = sqlglot.parse_one("SELECT SUM(N), SUM(V) FROM T", "snowflake")
    numeric.mark_sum_arguments(original)
    # What fakesnow hands over: every SUM argument wrapped in TRY_CAST(... AS DOUBLE).
    wrapped = original.transform(
        lambda node: (
            exp.TryCast(this=node, to=exp.DataType.build("DOUBLE"))
            if isinstance(node.parent, exp.Sum)
            else node
        )
    )

    def binds(statement: exp.Expr) -> bool:
        try:
            duck.execute(f"EXPLAIN {statement.sql(dialect='duckdb')}")
            return True
        except duckdb.Error:
            return False

    exact = numeric.exact_sums(wrapped, binds)
    assert duck.execute(exact.sql(dialect="duckdb")).fetchone() == (Decimal("155.45"), 2.0)
