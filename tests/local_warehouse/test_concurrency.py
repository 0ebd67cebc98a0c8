"""The local pipeline's threads: the Firehose worker loads Bronze while the task loop runs the
real procedures. Each uses DuckDB cursors of its own on the one instance (load_bronze a fresh
cursor per batch, each task run and CALL a connection of its own); writers of one target are
serialized by the runtime's locks. Nothing may be lost, read twice or fail. No sleep decides
anything: the loader waits on the task loop's progress (rounds counted as they finish)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from local.warehouse import LocalWarehouse, TaskRun
from tests.local_warehouse.conftest import query
from tests.local_warehouse.test_real_sql import SNOWFLAKE_SQL, pos_record

pytestmark = pytest.mark.slow
BATCHES = 40
BATCH_SIZE = 25


class CountingWarehouse(LocalWarehouse):
    """Counts task rounds as they start and finish, so the loader can wait on progress."""

    def __init__(self, db_dir: Path) -> None:
        super().__init__(db_dir)
        self.rounds = threading.Condition()
        self.started = self.finished = 0

    def run_due_tasks(self) -> list[TaskRun]:
        with self.rounds:
            self.started += 1
        try:
            return super().run_due_tasks()
        finally:
            with self.rounds:
                self.finished += 1
                self.rounds.notify_all()

    def wait_for_round_started_after(self, started: int) -> None:
        """Until round ``started + 1`` (rounds run one after another) has finished."""
        with self.rounds:
            assert self.rounds.wait_for(lambda: self.finished > started, timeout=120)


def test_bronze_loads_concurrent_with_task_rounds_lose_and_double_nothing(
    tmp_path: Path,
) -> None:
    """The loader does not wait for the task loop: each load runs while rounds keep starting
    (0.01 s apart). It only waits, after each load, for one round that STARTED after the load to
    finish; that round saw the load committed, so each batch is consumed before the next one is
    loaded, by a run of its own: at least BATCHES runs, on any machine."""
    warehouse = CountingWarehouse(tmp_path / "db")
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
                    with warehouse.rounds:
                        started_by_now = warehouse.started  # the next one starts after the load
                    warehouse.wait_for_round_started_after(started_by_now)
            except BaseException as error:  # reported by the main thread
                loader_errors.append(error)

        loader = threading.Thread(target=firehose, name="firehose worker")
        rounds.start()
        loader.start()
        loader.join(timeout=300)
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
        assert run_count >= BATCHES, "a batch was not consumed by a run of its own"
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
