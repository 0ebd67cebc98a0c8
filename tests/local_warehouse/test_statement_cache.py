"""The statement cache: a statement run again skips fakesnow's parse and transform, and answers
exactly what fakesnow's own path answers (rows, counts, description, errors, transactions)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import fakesnow.cursor
import pytest
from fakesnow.dialect import parse_one as fakesnow_parse_one
from snowflake.connector.errors import ProgrammingError

from local.warehouse import LocalWarehouse
from tests.local_warehouse.conftest import admin, query, sale

STREAM = "BRONZE.JSON_RAW_DATA_STREAM"
CONSUME = (
    "INSERT INTO SILVER.SALES (TRANSACTION_ID, STORE_ID, AMOUNT, RUN_ID) "
    "SELECT RECORD_CONTENT:payload:transaction_id::STRING, "
    "RECORD_CONTENT:payload:store_id::STRING, "
    "RECORD_CONTENT:payload:total_amount::NUMBER(12, 2), ? "
    "FROM BRONZE.JSON_RAW_DATA_STREAM"
)


def _outcome(cursor: Any, sql: str, params: list[Any] | None = None) -> tuple[Any, ...]:
    cursor.execute(sql, params)
    description = [(c.name, c.type_code, c.precision, c.scale) for c in cursor.description]
    return cursor.rowcount, cursor.fetchall(), description


def _hits(warehouse: LocalWarehouse) -> int:
    return warehouse._runtime.statements.hits


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Statement texts fakesnow parsed (it parses every statement it runs)."""
    seen: list[str] = []

    def recording_parse_one(sql: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(sql)
        return fakesnow_parse_one(sql, *args, **kwargs)

    monkeypatch.setattr(fakesnow.cursor, "parse_one", recording_parse_one)
    return seen


# Snowflake's rowcount of the two runs: rows returned, or rows affected (MERGE: all operations).
ROWCOUNTS = {
    "SELECT": (2, 2),
    "INSERT": (1, 1),
    "UPDATE": (2, 2),
    "MERGE": (2, 2),
    "DELETE": (2, 0),
}


def test_cached_statements_answer_as_fakesnow_does(
    warehouse: LocalWarehouse, parses: list[str]
) -> None:
    warehouse.load_bronze([sale("T1", amount=2.5), sale("T2", "S002", 4.0)])
    cursor = admin(warehouse).cursor()
    cursor.execute(CONSUME.replace("?", "'r0'"))
    qmark = warehouse._runtime.connect(
        "POS_DB", session=admin(warehouse).access.session, paramstyle="qmark"
    ).cursor()
    # (statement, parameters, rows of the first run, rows of the second run)
    statements: list[tuple[str, list[Any] | None, list[Any], list[Any]]] = [
        (
            "SELECT STORE_ID, AMOUNT * ? AS DOUBLED, CAST(? AS VARIANT) AS V "
            "FROM SILVER.SALES WHERE STORE_ID <> ? ORDER BY 1",
            [2, '{"a": 1}', "none"],
            [("S001", Decimal("5.00"), '{"a": 1}'), ("S002", Decimal("8.00"), '{"a": 1}')],
            [("S001", Decimal("5.00"), '{"a": 1}'), ("S002", Decimal("8.00"), '{"a": 1}')],
        ),
        (
            "INSERT INTO SILVER.TOTALS (STORE_ID, AMOUNT, SALES) SELECT ?, ?, 1",
            ["S009", 1.5],
            [(1,)],
            [(1,)],
        ),
        (
            "UPDATE SILVER.TOTALS SET SALES = SALES + 1 WHERE STORE_ID = ?",
            ["S009"],
            [(2, 0)],
            [(2, 0)],
        ),
        (
            "MERGE INTO SILVER.TOTALS AS t USING (SELECT STORE_ID, SUM(AMOUNT) AS A "
            "FROM SILVER.SALES GROUP BY STORE_ID) AS s ON t.STORE_ID = s.STORE_ID "
            "WHEN MATCHED THEN UPDATE SET t.AMOUNT = s.A "
            "WHEN NOT MATCHED THEN INSERT (STORE_ID, AMOUNT, SALES) VALUES (s.STORE_ID, s.A, 0)",
            None,
            [(2, 0)],
            [(0, 2)],
        ),
        ("DELETE FROM SILVER.TOTALS WHERE STORE_ID = ?", ["S009"], [(2,)], [(0,)]),
    ]
    for sql, params, first_rows, second_rows in statements:
        parses.clear()
        first = _outcome(qmark, sql, list(params) if params else None)
        assert sql in parses, "the first run goes through fakesnow"
        parses.clear()
        second = _outcome(qmark, sql, list(params) if params else None)
        assert sql not in parses, f"parsed again: {sql}"
        assert first[1] == first_rows, sql
        assert second[1] == second_rows, sql
        assert first[2] == second[2], sql  # description
        assert (first[0], second[0]) == ROWCOUNTS[sql.split()[0]], sql
    assert query(warehouse, "SELECT STORE_ID, AMOUNT, SALES FROM SILVER.TOTALS ORDER BY 1") == [
        ("S001", Decimal("2.50"), 0),
        ("S002", Decimal("4.00"), 0),
    ]


def test_stream_bounds_are_taken_per_run_not_from_the_cached_text(
    warehouse: LocalWarehouse,
) -> None:
    cursor = warehouse._runtime.connect(
        "POS_DB", session=admin(warehouse).access.session, paramstyle="qmark"
    ).cursor()
    warehouse.load_bronze([sale("T1")])
    cursor.execute(CONSUME, ["r1"])
    warehouse.load_bronze([sale("T2"), sale("T3")])
    hits = _hits(warehouse)
    cursor.execute(CONSUME, ["r2"])
    assert _hits(warehouse) == hits + 1
    assert cursor.fetchall() == [(2,)]
    cursor.execute(CONSUME, ["r3"])  # nothing new
    assert cursor.fetchall() == [(0,)]
    assert query(warehouse, "SELECT RUN_ID, TRANSACTION_ID FROM SILVER.SALES ORDER BY 2") == [
        ("r1", "T1"),
        ("r2", "T2"),
        ("r2", "T3"),
    ]
    assert warehouse.stream_backlog(STREAM) == 0


def test_cached_consumer_in_a_rolled_back_transaction_leaves_the_offset(
    warehouse: LocalWarehouse,
) -> None:
    cursor = warehouse._runtime.connect(
        "POS_DB", session=admin(warehouse).access.session, paramstyle="qmark"
    ).cursor()
    warehouse.load_bronze([sale("T1")])
    cursor.execute(CONSUME, ["r1"])  # cached from here on
    warehouse.load_bronze([sale("T2")])
    cursor.execute("BEGIN TRANSACTION")
    cursor.execute(CONSUME, ["r2"])
    cursor.execute("ROLLBACK")
    assert warehouse.stream_backlog(STREAM) == 1
    cursor.execute(CONSUME, ["r3"])
    assert query(warehouse, "SELECT RUN_ID, TRANSACTION_ID FROM SILVER.SALES ORDER BY 2") == [
        ("r1", "T1"),
        ("r3", "T2"),
    ]


def test_a_replaced_stream_is_not_read_through_a_stale_entry(warehouse: LocalWarehouse) -> None:
    cursor = admin(warehouse).cursor()
    cursor.execute("CREATE TABLE BRONZE.OTHER (RECORD_CONTENT VARIANT)")
    cursor.execute("CREATE STREAM BRONZE.SWITCH_STREAM ON TABLE BRONZE.JSON_RAW_DATA")
    warehouse.load_bronze([sale("T1")])
    for _ in range(2):
        cursor.execute("SELECT COUNT(*) FROM BRONZE.SWITCH_STREAM")
        assert cursor.fetchall() == [(1,)]
    cursor.execute("CREATE OR REPLACE STREAM BRONZE.SWITCH_STREAM ON TABLE BRONZE.OTHER")
    cursor.execute("INSERT INTO BRONZE.OTHER SELECT PARSE_JSON('{}')")
    cursor.execute("INSERT INTO BRONZE.OTHER SELECT PARSE_JSON('{}')")
    cursor.execute("SELECT COUNT(*) FROM BRONZE.SWITCH_STREAM")
    assert cursor.fetchall() == [(2,)]


def test_pyformat_parameters_are_formatted_by_fakesnow_and_never_cached(
    warehouse: LocalWarehouse,
) -> None:
    cursor = admin(warehouse).cursor()  # the connector's default paramstyle: pyformat
    answers = []
    for value in ("a", "b'c"):
        cursor.execute("SELECT %(v)s AS V", {"v": value})
        answers.append(cursor.fetchone())
    assert answers == [("a",), ("b'c",)]
    assert not any("%(v)s" in key[0] for key in warehouse._runtime.statements._entries)


def test_errors_on_the_cached_path_are_fakesnows_errors(warehouse: LocalWarehouse) -> None:
    cursor = admin(warehouse).cursor()
    cursor.execute("CREATE TABLE SILVER.GONE (A INT)")
    for _ in range(2):
        cursor.execute("SELECT A FROM SILVER.GONE")
    cursor.execute("DROP TABLE SILVER.GONE")
    with pytest.raises(ProgrammingError) as cached:
        cursor.execute("SELECT A FROM SILVER.GONE")
    with pytest.raises(ProgrammingError) as uncached:
        cursor.execute("SELECT A FROM SILVER.GONE WHERE 1 = 1")
    assert (cached.value.errno, cached.value.sqlstate) == (2003, "42S02")
    assert (cached.value.errno, cached.value.sqlstate) == (
        uncached.value.errno,
        uncached.value.sqlstate,
    )
    assert cursor.sqlstate == "42S02"


def test_cached_dml_joins_the_implicit_transaction_of_autocommit_off(
    warehouse: LocalWarehouse,
) -> None:
    connection = admin(warehouse, autocommit=False)
    cursor = connection.cursor()
    insert = "INSERT INTO SILVER.TOTALS (STORE_ID, AMOUNT, SALES) SELECT 'S1', 1, 1"
    cursor.execute(insert)
    connection.commit()
    hits = _hits(warehouse)
    cursor.execute(insert)
    assert _hits(warehouse) == hits + 1
    assert cursor.fetchall() == [(1,)]
    connection.rollback()
    assert query(warehouse, "SELECT COUNT(*) FROM SILVER.TOTALS") == [(1,)]


def test_procedure_calls_reuse_their_statements(warehouse: LocalWarehouse) -> None:
    cursor = admin(warehouse).cursor()
    warehouse.load_bronze([sale("T1")])
    cursor.execute("CALL SILVER.PROCESS_RAW()")
    hits = _hits(warehouse)
    warehouse.load_bronze([sale("T2"), sale("T3")])
    cursor.execute("CALL SILVER.PROCESS_RAW()")
    assert _hits(warehouse) > hits + 5  # every body statement
    assert query(warehouse, "SELECT TRANSACTION_ID FROM SILVER.SALES ORDER BY 1") == [
        ("T1",),
        ("T2",),
        ("T3",),
    ]
