"""CALL of a procedure in the contract's shape: MERGE in a transaction, rollback on failure."""

from __future__ import annotations

import json

import pytest
from snowflake.connector.errors import ProgrammingError

from local.warehouse import LocalWarehouse, UnsupportedConstructError
from tests.local_warehouse.conftest import admin, query, sale

STREAM = "BRONZE.JSON_RAW_DATA_STREAM"


def _call(warehouse: LocalWarehouse) -> dict[str, object]:
    cursor = admin(warehouse).cursor()
    cursor.execute("CALL SILVER.PROCESS_RAW()")
    assert [column.name for column in cursor.description] == ["PROCESS_RAW"]
    result: dict[str, object] = json.loads(cursor.fetchone()[0])
    return result


def test_call_merges_dedupes_logs_and_consumes(warehouse: LocalWarehouse) -> None:
    warehouse.load_bronze([sale("T1"), sale("T2"), sale("T1")])
    result = _call(warehouse)
    assert result["rows_read"] == 3 and result["accepted"] == 2
    assert sorted(query(warehouse, "SELECT TRANSACTION_ID FROM SILVER.SALES")) == [("T1",), ("T2",)]
    assert query(warehouse, "SELECT STATUS, ROWS_READ, ROWS_ACCEPTED FROM OPS.RUN_LOG") == [
        ("SUCCEEDED", 3, 2)
    ]
    assert warehouse.stream_backlog(STREAM) == 0
    # A replay of the same sales adds nothing: MERGE on the business key.
    warehouse.load_bronze([sale("T1"), sale("T2")])
    assert _call(warehouse)["accepted"] == 0
    assert query(warehouse, "SELECT COUNT(*) FROM SILVER.SALES") == [(2,)]


@pytest.mark.parametrize("failing_statement", [3, 5])  # the MERGE; the run-log INSERT
def test_failure_rolls_back_everything_and_keeps_the_stream(
    warehouse: LocalWarehouse, failing_statement: int
) -> None:
    warehouse.load_bronze([sale("T1"), sale("T2")])
    with (
        warehouse.fail_statement("SILVER.PROCESS_RAW", failing_statement),
        pytest.raises(ProgrammingError, match="injected failure"),
    ):
        _call(warehouse)
    assert query(warehouse, "SELECT COUNT(*) FROM SILVER.SALES") == [(0,)]
    assert warehouse.stream_backlog(STREAM) == 2
    (status, message), *_ = query(warehouse, "SELECT STATUS, ERROR_MESSAGE FROM OPS.RUN_LOG")
    assert status == "FAILED" and f"statement {failing_statement}" in str(message)
    # The next run completes the work.
    assert _call(warehouse)["accepted"] == 2
    assert warehouse.stream_backlog(STREAM) == 0


def test_merge_inside_a_transaction_reports_counts_and_rolls_back(
    warehouse: LocalWarehouse,
) -> None:
    cursor = admin(warehouse).cursor()
    cursor.execute("INSERT INTO SILVER.TOTALS (STORE_ID, AMOUNT, SALES) SELECT 'S001', 5, 1")
    merge = (
        "MERGE INTO SILVER.TOTALS AS tgt USING (SELECT 'S001' AS s, 2 AS a UNION ALL "
        "SELECT 'S002', 3) AS src ON tgt.STORE_ID = src.s "
        "WHEN MATCHED THEN UPDATE SET tgt.AMOUNT = tgt.AMOUNT + src.a "
        "WHEN NOT MATCHED THEN INSERT (STORE_ID, AMOUNT, SALES) VALUES (src.s, src.a, 1)"
    )
    cursor.execute("BEGIN TRANSACTION")
    cursor.execute(merge)
    assert cursor.fetchall() == [(1, 1)]
    assert [c.name for c in cursor.description] == [
        "number of rows inserted",
        "number of rows updated",
    ]
    cursor.execute("ROLLBACK")
    assert query(warehouse, "SELECT STORE_ID, AMOUNT FROM SILVER.TOTALS") == [("S001", 5)]
    cursor.execute("BEGIN TRANSACTION")
    cursor.execute(merge)
    cursor.execute("COMMIT")
    assert sorted(query(warehouse, "SELECT STORE_ID, AMOUNT FROM SILVER.TOTALS")) == [
        ("S001", 7),
        ("S002", 3),
    ]


def test_procedure_outside_the_subset_fails_at_create(warehouse: LocalWarehouse) -> None:
    cursor = admin(warehouse).cursor()
    with pytest.raises(ProgrammingError, match="unsupported construct 'IF'"):
        cursor.execute(
            "CREATE OR REPLACE PROCEDURE SILVER.BAD() RETURNS NUMBER LANGUAGE SQL AS "
            "$$ BEGIN IF (1 = 1) THEN RETURN 1; END IF; END $$"
        )
    assert issubclass(UnsupportedConstructError, ValueError)


def test_procedure_left_with_an_open_transaction_is_rolled_back(
    warehouse: LocalWarehouse,
) -> None:
    cursor = admin(warehouse).cursor()
    cursor.execute(
        "CREATE PROCEDURE SILVER.OPEN_TX() RETURNS VARCHAR LANGUAGE SQL AS $$ BEGIN "
        "BEGIN TRANSACTION; INSERT INTO SILVER.TOTALS SELECT 'S9', 1, 1; RETURN 'x'; END $$"
    )
    with pytest.raises(ProgrammingError, match="transaction open"):
        cursor.execute("CALL SILVER.OPEN_TX()")
    assert query(warehouse, "SELECT COUNT(*) FROM SILVER.TOTALS") == [(0,)]
