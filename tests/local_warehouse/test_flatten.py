"""flatten_index_by_position: FLATTEN's INDEX is the element's position, whatever DuckDB's plan."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
from fakesnow import macros

from local.warehouse import LocalWarehouse, internal_sql
from tests.local_warehouse.conftest import admin, apply_fixture, query

RECORDS = 50_000
ITEMS = 5


def _element(position: int) -> str:
    # {"pos": <position>, "v": <a value that does not follow array order>}
    value = f"TO_VARCHAR(MOD(SEQ4() * {7 + position}, 1000))"
    return '\'{"pos": ' + str(position) + ', "v": \' || ' + value + " || '}'"


# Every element says where it is, and its other value is not in array order, so an INDEX that
# follows any order but the array's shows up as a mismatch.
CREATE_ITEMS = (
    "CREATE OR REPLACE TABLE SILVER.FLATTEN_CHECK AS SELECT SEQ4() AS ID, PARSE_JSON('[' || "
    + " || ',' || ".join(_element(position) for position in range(ITEMS))
    + f" || ']') AS ITEMS FROM TABLE(GENERATOR(ROWCOUNT => {RECORDS}))"
)
CHECK = """
SELECT COUNT(*), COUNT_IF(item.INDEX = item.VALUE:pos::INT), COUNT(DISTINCT work.ID)
FROM SILVER.FLATTEN_CHECK AS work, LATERAL FLATTEN(INPUT => work.ITEMS) AS item
"""


def test_index_is_the_array_position_at_scale_on_every_run(tmp_path: Path) -> None:
    expected = (RECORDS * ITEMS, RECORDS * ITEMS, RECORDS)
    warehouse = LocalWarehouse(tmp_path / "db")
    try:
        apply_fixture(warehouse)
        query(warehouse, CREATE_ITEMS)
        for _ in range(3):  # fresh connection each time (query() connects anew)
            assert query(warehouse, CHECK) == [expected]
        # Materialized as the procedures do it: INSERT ... SELECT with INDEX + 1.
        query(
            warehouse,
            "CREATE OR REPLACE TABLE SILVER.FLATTEN_LINES AS "
            "SELECT work.ID, item.INDEX + 1 AS LINE_NUMBER, item.VALUE:pos::INT AS POS "
            "FROM SILVER.FLATTEN_CHECK AS work, LATERAL FLATTEN(INPUT => work.ITEMS) AS item",
        )
        assert query(
            warehouse, "SELECT COUNT(*) FROM SILVER.FLATTEN_LINES WHERE LINE_NUMBER <> POS + 1"
        ) == [(0,)]
    finally:
        warehouse.close()
    # After a restart fakesnow defines its macro again when it attaches the file; the runner's
    # replacement must still be the one in effect.
    reopened = LocalWarehouse(tmp_path / "db")
    try:
        assert query(reopened, CHECK) == [expected]
    finally:
        reopened.close()


def test_array_columns_keep_fakesnows_seq_path_value_and_this(warehouse: LocalWarehouse) -> None:
    rows = query(
        warehouse,
        "SELECT f.SEQ, f.KEY, f.PATH, f.INDEX, f.VALUE, f.THIS "
        """FROM TABLE(FLATTEN(INPUT => PARSE_JSON('["a", {"b": 1}, null, 3]'))) AS f """
        "ORDER BY f.INDEX",
    )
    assert [row[1:4] for row in rows] == [
        (None, "[0]", 0),
        (None, "[1]", 1),
        (None, "[2]", 2),
        (None, "[3]", 3),
    ]
    # A JSON null element comes back as SQL NULL, as with fakesnow's own macro.
    assert [None if row[4] is None else json.loads(str(row[4])) for row in rows] == [
        "a",
        {"b": 1},
        None,
        3,
    ]
    assert {json.loads(str(row[5])) == ["a", {"b": 1}, None, 3] for row in rows} == {True}
    assert len({row[0] for row in rows}) == 1  # one SEQ per input


def test_objects_flatten_to_keys_without_index(warehouse: LocalWarehouse) -> None:
    rows = query(
        warehouse,
        "SELECT f.KEY, f.PATH, f.INDEX, f.VALUE "
        """FROM TABLE(FLATTEN(INPUT => PARSE_JSON('{"x": 1, "y": [2, 3]}'))) AS f """
        "ORDER BY f.KEY",
    )
    assert [(key, path, index, json.loads(str(value))) for key, path, index, value in rows] == [
        ("x", "x", None, 1),
        ("y", "y", None, [2, 3]),
    ]


def test_nested_flatten_restarts_index_per_outer_row(warehouse: LocalWarehouse) -> None:
    rows = query(
        warehouse,
        "SELECT outer_item.INDEX AS O, inner_item.INDEX AS I, inner_item.VALUE::INT AS V "
        """FROM TABLE(FLATTEN(INPUT => PARSE_JSON('[[10, 11, 12], [20, 21]]'))) AS outer_item, """
        "LATERAL FLATTEN(INPUT => outer_item.VALUE) AS inner_item ORDER BY 1, 2",
    )
    assert rows == [(0, 0, 10), (0, 1, 11), (0, 2, 12), (1, 0, 20), (1, 1, 21)]


def test_a_database_created_by_sql_gets_the_positional_index(warehouse: LocalWarehouse) -> None:
    query(warehouse, "CREATE DATABASE FLATTEN_DB")
    connection = admin(warehouse, "FLATTEN_DB")
    cursor = connection.cursor()
    cursor.execute("CREATE SCHEMA FLATTEN_DB.S")
    cursor.execute(
        "SELECT COUNT_IF(f.INDEX = f.VALUE:pos::INT), COUNT(*) FROM TABLE(FLATTEN(INPUT => "
        """PARSE_JSON('[{"pos": 0}, {"pos": 1}, {"pos": 2}]'))) AS f"""
    )
    assert cursor.fetchall() == [(3, 3)]
    duck = warehouse._runtime.duck()  # the macro itself, in DuckDB's catalog
    try:
        definitions = duck.execute(
            "SELECT macro_definition FROM duckdb_functions() "
            "WHERE database_name = 'FLATTEN_DB' AND function_name = '_fs_flatten'"
        ).fetchall()
    finally:
        duck.close()
    assert len(definitions) == 1 and "row_number" not in str(definitions[0][0]).lower()


def test_only_index_and_path_differ_from_fakesnows_macro() -> None:
    """Same inputs through fakesnow's macro and the replacement, side by side in DuckDB: every
    other column is identical, and INDEX/PATH are the same set of positions, now in order."""
    duck = duckdb.connect(config={"lambda_syntax": "ENABLE_SINGLE_ARROW"})
    for catalog in ("THEIRS", "OURS"):
        duck.execute(f"ATTACH ':memory:' AS {catalog}")
    duck.execute(macros.FS_FLATTEN.substitute(catalog="THEIRS"))
    duck.execute(internal_sql.render("flatten_macro", database="OURS"))
    inputs = [
        '["a", {"b": 1}, null, 3, [4, 5]]',
        '{"x": 1, "y": [2, 3], "z": null}',
        "[]",
        "{}",
    ]
    for text in inputs:
        sql = "SELECT SEQ, KEY, PATH, INDEX, VALUE, THIS FROM {}._fs_flatten(?::JSON)"
        theirs = duck.execute(sql.format("THEIRS"), [text]).fetchall()
        ours = duck.execute(sql.format("OURS"), [text]).fetchall()
        assert sorted(map(repr, _without_position(ours))) == sorted(
            map(repr, _without_position(theirs))
        ), text
        assert sorted(map(repr, [row[2:4] for row in ours])) == sorted(
            map(repr, [row[2:4] for row in theirs])
        ), text
        # Each element or member once, in order: (KEY, PATH, INDEX, VALUE as JSON). A JSON null
        # array element comes back as SQL NULL, an object member's null as the JSON text null.
        document = json.loads(text)
        expected = (
            [(None, f"[{index}]", index, element) for index, element in enumerate(document)]
            if isinstance(document, list)
            else [(key, key, None, member) for key, member in document.items()]
        )
        got = [
            (key, path, index, None if value is None else json.loads(value))
            for _, key, path, index, value, _ in ours
        ]
        assert got == expected, text


def _without_position(rows: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
    return [(seq, key, value, this) for seq, key, _, _, value, this in rows]
