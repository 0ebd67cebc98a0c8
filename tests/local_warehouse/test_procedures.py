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
    with pytest.raises(ProgrammingError, match="unsupported construct 'WHILE'"):
        cursor.execute(
            "CREATE OR REPLACE PROCEDURE SILVER.BAD() RETURNS NUMBER LANGUAGE SQL AS "
            "$$ BEGIN WHILE (1 = 1) DO RETURN 1; END WHILE; END $$"
        )
    assert issubclass(UnsupportedConstructError, ValueError)


DML_STATUS = """
CREATE OR REPLACE PROCEDURE SILVER.DML_STATUS() RETURNS VARIANT LANGUAGE SQL AS $$
DECLARE
    inserted NUMBER;
    updated NUMBER;
    found_after_update BOOLEAN;
    none_deleted BOOLEAN;
    merged NUMBER;
    after_query NUMBER DEFAULT -1;
    after_commit NUMBER DEFAULT -1;
    branch VARCHAR;
BEGIN
    BEGIN TRANSACTION;
    INSERT INTO SILVER.TOTALS (STORE_ID, AMOUNT, SALES)
    SELECT 'S1', 1, 1 UNION ALL SELECT 'S2', 2, 1;
    inserted := SQLROWCOUNT;
    UPDATE SILVER.TOTALS SET SALES = SALES + 1 WHERE STORE_ID = 'S1';
    updated := SQLROWCOUNT;
    found_after_update := SQLFOUND;
    DELETE FROM SILVER.TOTALS WHERE STORE_ID = 'NONE';
    none_deleted := SQLNOTFOUND;
    MERGE INTO SILVER.TOTALS AS tgt USING (SELECT 'S3' AS s) AS src ON tgt.STORE_ID = src.s
    WHEN NOT MATCHED THEN INSERT (STORE_ID, AMOUNT, SALES) VALUES (src.s, 3, 1);
    merged := SQLROWCOUNT;
    SELECT COUNT(*) FROM SILVER.TOTALS;
    after_query := SQLROWCOUNT;
    COMMIT;
    after_commit := SQLROWCOUNT;
    IF (merged > 1) THEN
        branch := 'more';
    ELSEIF (merged = 1) THEN
        branch := 'one';
    ELSE
        branch := 'none';
    END IF;
    RETURN OBJECT_CONSTRUCT(
        'inserted', inserted, 'updated', updated, 'found_after_update', found_after_update,
        'none_deleted', none_deleted, 'merged', merged, 'after_query', after_query,
        'after_commit', after_commit, 'branch', branch
    );
END
$$
"""


def test_sqlrowcount_after_each_dml_and_null_after_other_statements(
    warehouse: LocalWarehouse,
) -> None:
    cursor = admin(warehouse).cursor()
    cursor.execute(DML_STATUS)
    cursor.execute("CALL SILVER.DML_STATUS()")
    result = json.loads(cursor.fetchone()[0])
    assert result == {
        "inserted": 2,
        "updated": 1,
        "found_after_update": True,
        "none_deleted": True,
        "merged": 1,
        "branch": "one",
    }  # OBJECT_CONSTRUCT drops the NULL keys: after a query and after COMMIT, SQLROWCOUNT is NULL


RAISES = """
CREATE OR REPLACE PROCEDURE SILVER.RAISES(CAUGHT BOOLEAN) RETURNS VARIANT LANGUAGE SQL AS $$
DECLARE
    count_mismatch EXCEPTION (-20001, 'keys and lines disagree');
BEGIN
    BEGIN TRANSACTION;
    INSERT INTO SILVER.TOTALS (STORE_ID, AMOUNT, SALES) SELECT 'S1', 1, 1;
    IF (SQLROWCOUNT = 1) THEN
        RAISE count_mismatch;
    END IF;
    COMMIT;
    RETURN 'not raised';
EXCEPTION
    WHEN OTHER THEN
        ROLLBACK;
        IF (NOT caught) THEN
            RAISE;
        END IF;
        RETURN OBJECT_CONSTRUCT('SQLCODE', SQLCODE, 'SQLERRM', SQLERRM, 'SQLSTATE', SQLSTATE);
END
$$
"""


def test_declared_exception_is_raised_caught_and_rolls_back(warehouse: LocalWarehouse) -> None:
    cursor = admin(warehouse).cursor()
    cursor.execute(RAISES)
    cursor.execute("CALL SILVER.RAISES(TRUE)")
    assert json.loads(cursor.fetchone()[0]) == {
        "SQLCODE": -20001,
        "SQLERRM": "keys and lines disagree",
        "SQLSTATE": "P0001",
    }
    with pytest.raises(ProgrammingError) as raised:
        cursor.execute("CALL SILVER.RAISES(FALSE)")
    assert raised.value.errno == -20001 and raised.value.sqlstate == "P0001"
    assert "Uncaught exception of type 'COUNT_MISMATCH'" in str(raised.value.msg)
    assert query(warehouse, "SELECT COUNT(*) FROM SILVER.TOTALS") == [(0,)]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("IF (1 = 1) THEN RETURN 1;", "IF without END IF"),
        ("IF 1 = 1 THEN RETURN 1; END IF;", r"needs a \(condition\)"),
        ("RAISE nothing_declared;", "no such declared exception"),
    ],
)
def test_malformed_control_flow_is_refused_at_create(
    warehouse: LocalWarehouse, body: str, problem: str
) -> None:
    cursor = admin(warehouse).cursor()
    with pytest.raises(ProgrammingError, match=problem):
        cursor.execute(
            f"CREATE OR REPLACE PROCEDURE SILVER.BAD() RETURNS NUMBER LANGUAGE SQL AS "
            f"$$ BEGIN {body} END $$"
        )


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


POSITIONAL = """
CREATE OR REPLACE PROCEDURE SILVER.POSITIONAL(A VARCHAR, B TIMESTAMP_TZ, C VARCHAR)
RETURNS VARIANT LANGUAGE SQL AS $$
BEGIN
    RETURN OBJECT_CONSTRUCT('a', a, 'b_is_null', b IS NULL, 'c', c);
END
$$
"""


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ("NULL, NULL, 'x'", {"b_is_null": True, "c": "x"}),
        ("'y', NULL, NULL", {"a": "y", "b_is_null": True}),
        (
            "'f(1, 2)', '2026-12-01T00:00:00Z'::TIMESTAMP_TZ, 'z'",
            {"a": "f(1, 2)", "b_is_null": False, "c": "z"},
        ),
    ],
)
def test_call_arguments_are_positional_even_when_two_are_alike(
    warehouse: LocalWarehouse, arguments: str, expected: dict[str, object]
) -> None:
    """CALL <procedure_name> ( [ [ <arg_name> => ] <arg> , ... ] ) (CALL): the n-th argument
    is the n-th parameter, also when two arguments are the same literal (NULL, NULL)."""
    cursor = admin(warehouse).cursor()
    cursor.execute(POSITIONAL)
    cursor.execute(f"CALL SILVER.POSITIONAL({arguments})")
    assert json.loads(cursor.fetchone()[0]) == expected
