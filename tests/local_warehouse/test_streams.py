"""Stream semantics on the runner: consumed only by committed DML, repeatable read, late writers."""

from __future__ import annotations

import pytest
from snowflake.connector.errors import ProgrammingError

from local.warehouse import LocalWarehouse
from tests.local_warehouse.conftest import admin, query, sale

STREAM = "BRONZE.JSON_RAW_DATA_STREAM"
CONSUME = (
    "INSERT INTO SILVER.SALES (TRANSACTION_ID, STORE_ID, AMOUNT, RUN_ID) "
    "SELECT RECORD_CONTENT:payload:transaction_id::STRING, "
    "RECORD_CONTENT:payload:store_id::STRING, "
    "RECORD_CONTENT:payload:total_amount::NUMBER(12, 2), 'manual' "
    "FROM BRONZE.JSON_RAW_DATA_STREAM"
)


def test_select_reads_new_rows_with_metadata_but_never_consumes(warehouse: LocalWarehouse) -> None:
    warehouse.load_bronze([sale("T1"), sale("T2")])
    rows = query(
        warehouse,
        "SELECT RECORD_CONTENT:payload:transaction_id::STRING, METADATA$ACTION, METADATA$ISUPDATE "
        f"FROM {STREAM} ORDER BY 1",
    )
    assert rows == [("T1", "INSERT", False), ("T2", "INSERT", False)]
    assert warehouse.stream_backlog(STREAM) == 2
    assert query(warehouse, f"SELECT SYSTEM$STREAM_HAS_DATA('{STREAM}')") == [(True,)]


def test_autocommit_dml_consumes_everything_even_rows_its_where_filtered(
    warehouse: LocalWarehouse,
) -> None:
    warehouse.load_bronze([sale("T1"), sale("T2"), sale("T3")])
    cursor = admin(warehouse).cursor()
    cursor.execute(CONSUME + " WHERE RECORD_CONTENT:payload:transaction_id::STRING = 'T2'")
    assert query(warehouse, "SELECT TRANSACTION_ID FROM SILVER.SALES") == [("T2",)]
    assert warehouse.stream_backlog(STREAM) == 0
    assert query(warehouse, f"SELECT COUNT(*) FROM {STREAM}") == [(0,)]
    assert query(warehouse, f"SELECT SYSTEM$STREAM_HAS_DATA('{STREAM}')") == [(False,)]


def test_rolled_back_transaction_leaves_the_offset(warehouse: LocalWarehouse) -> None:
    warehouse.load_bronze([sale("T1"), sale("T2")])
    cursor = admin(warehouse).cursor()
    cursor.execute("BEGIN TRANSACTION")
    cursor.execute(CONSUME)
    cursor.execute("ROLLBACK")
    assert warehouse.stream_backlog(STREAM) == 2
    assert query(warehouse, "SELECT COUNT(*) FROM SILVER.SALES") == [(0,)]


def test_failed_autocommit_dml_leaves_the_offset(warehouse: LocalWarehouse) -> None:
    warehouse.load_bronze([sale("T1")])
    cursor = admin(warehouse).cursor()
    with pytest.raises(ProgrammingError):
        # STORE_ID is NOT NULL: the statement fails after reading the stream.
        cursor.execute(
            "INSERT INTO SILVER.SALES SELECT 'x', NULL, 1, 'r' FROM BRONZE.JSON_RAW_DATA_STREAM"
        )
    assert warehouse.stream_backlog(STREAM) == 1


def test_repeatable_read_and_late_writer_is_not_skipped(warehouse: LocalWarehouse) -> None:
    warehouse.load_bronze([sale("T1"), sale("T2")])
    cursor = admin(warehouse).cursor()
    cursor.execute("BEGIN TRANSACTION")
    cursor.execute(f"SELECT COUNT(*) FROM {STREAM}")
    assert cursor.fetchall() == [(2,)]
    # Firehose commits a batch while the consuming transaction is open.
    warehouse.load_bronze([sale("T3")])
    cursor.execute(f"SELECT COUNT(*) FROM {STREAM}")
    assert cursor.fetchall() == [(2,)], "a transaction sees one set of change rows"
    cursor.execute(CONSUME)
    cursor.execute("COMMIT")
    assert sorted(query(warehouse, "SELECT TRANSACTION_ID FROM SILVER.SALES")) == [("T1",), ("T2",)]
    # The late row is still pending, not skipped.
    assert warehouse.stream_backlog(STREAM) == 1
    assert query(
        warehouse, f"SELECT RECORD_CONTENT:payload:transaction_id::STRING FROM {STREAM}"
    ) == [("T3",)]


def test_stream_created_on_a_table_with_rows_starts_empty(warehouse: LocalWarehouse) -> None:
    warehouse.load_bronze([sale("T1")])
    cursor = admin(warehouse).cursor()
    cursor.execute("CREATE STREAM BRONZE.LATE_STREAM ON TABLE BRONZE.JSON_RAW_DATA")
    assert warehouse.stream_backlog("BRONZE.LATE_STREAM") == 0
    with pytest.raises(ProgrammingError, match="already exists"):
        cursor.execute("CREATE STREAM BRONZE.LATE_STREAM ON TABLE BRONZE.JSON_RAW_DATA")
    cursor.execute(
        "CREATE OR REPLACE STREAM BRONZE.LATE_STREAM ON TABLE BRONZE.JSON_RAW_DATA "
        "SHOW_INITIAL_ROWS = TRUE"
    )
    assert warehouse.stream_backlog("BRONZE.LATE_STREAM") == 1


def test_bulk_load_is_one_atomic_batch(warehouse: LocalWarehouse) -> None:
    assert warehouse.load_bronze([sale(f"T{i}") for i in range(500)]) == 500
    with pytest.raises(Exception, match="JSON"):
        warehouse.load_bronze([sale("OK"), ("{not json", "{}")])
    assert warehouse.stream_backlog(STREAM) == 500
