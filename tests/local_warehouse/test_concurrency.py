"""The local pipeline's threads: the Firehose worker loads Bronze while the task loop runs the
real procedures. Each uses DuckDB cursors of its own on the one instance (load_bronze a fresh
cursor per batch, each task run and CALL a connection of its own); writers of one target are
serialized by the runtime's locks. Nothing may be lost, read twice or fail."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from local.warehouse import LocalWarehouse
from tests.local_warehouse.conftest import query
from tests.local_warehouse.test_real_sql import SNOWFLAKE_SQL, pos_record

pytestmark = pytest.mark.slow
BATCHES = 40
BATCH_SIZE = 25


def test_bronze_loads_concurrent_with_task_rounds_lose_and_double_nothing(
    tmp_path: Path,
) -> None:
    warehouse = LocalWarehouse(tmp_path / "db")
    try:
        warehouse.apply_migrations(SNOWFLAKE_SQL)
        # Warm up (first CALLs go through fakesnow's parser) so rounds are short and many.
        warehouse.load_bronze([pos_record(n) for n in range(BATCH_SIZE)])
        warehouse.run_until_idle()
        stop = threading.Event()
        loader_errors: list[BaseException] = []
        rounds = threading.Thread(
            target=warehouse.run_tasks_forever, args=(stop, 0.01), name="task loop"
        )

        def firehose() -> None:
            try:
                for batch in range(1, BATCHES):
                    first = batch * BATCH_SIZE
                    records = [pos_record(n) for n in range(first, first + BATCH_SIZE)]
                    assert warehouse.load_bronze(records) == BATCH_SIZE
                    time.sleep(0.03)
            except BaseException as error:  # reported by the main thread
                loader_errors.append(error)

        loader = threading.Thread(target=firehose, name="firehose worker")
        rounds.start()
        loader.start()
        loader.join(timeout=120)
        # Let the loop catch up while it is still running concurrently, then stop it.
        deadline = time.monotonic() + 60
        while (
            warehouse.stream_backlog("BRONZE.JSON_RAW_DATA_STREAM") and time.monotonic() < deadline
        ):
            time.sleep(0.05)
        stop.set()
        rounds.join(timeout=60)
        assert not loader.is_alive() and not rounds.is_alive()
        assert loader_errors == []
        warehouse.run_until_idle()

        total = BATCHES * BATCH_SIZE
        runs = query(
            warehouse,
            "SELECT COUNT(*), SUM(ROWS_READ), SUM(ROWS_ACCEPTED), SUM(ROWS_DUPLICATE), "
            "COUNT_IF(STATUS <> 'SUCCEEDED') FROM OPS.PIPELINE_RUN_LOG "
            "WHERE PROCEDURE_NAME ILIKE '%PROCESS_RAW_POS'",
        )
        (run_count, read, accepted, duplicate, failed) = runs[0]
        assert run_count >= 5, "the loads and the rounds did not interleave"
        assert (read, accepted, duplicate, failed) == (total, total, 0, 0)
        assert query(
            warehouse,
            "SELECT COUNT(*), COUNT(DISTINCT TRANSACTION_ID || '/' || LINE_NUMBER) "
            "FROM SILVER.RETAIL_POS_PROCESSED",
        ) == [(2 * total, 2 * total)]
        assert query(warehouse, "SELECT SUM(TRANSACTIONS) FROM GOLD.DAILY_SALES_SUMMARY") == [
            (total,)
        ]
        duck = warehouse._runtime.duck()
        try:
            history = duck.execute(
                "SELECT STATE, COUNT(*) FROM POS_DB._LOCAL.TASK_HISTORY GROUP BY STATE"
            ).fetchall()
        finally:
            duck.close()
        assert dict(history).get("FAILED", 0) == 0, history
        for stream in (
            "BRONZE.JSON_RAW_DATA_STREAM",
            "SILVER.PROCESSED_FOR_INVENTORY_STREAM",
            "SILVER.PROCESSED_FOR_GOLD_STREAM",
        ):
            assert warehouse.stream_backlog(stream) == 0
    finally:
        warehouse.close()
