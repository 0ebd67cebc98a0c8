"""Triggered tasks, their order and history, and what survives a restart."""

from __future__ import annotations

from pathlib import Path

from local.warehouse import LocalWarehouse
from tests.local_warehouse.conftest import FIXTURE_SQL, admin, apply_fixture, query, sale

PROCESS = "POS_DB.SILVER.PROCESS_RAW_TASK"
TOTALS = "POS_DB.SILVER.UPDATE_TOTALS_TASK"


def test_triggered_tasks_run_in_dependency_order_until_idle(warehouse: LocalWarehouse) -> None:
    assert warehouse.run_due_tasks() == [], "no stream has data: no task runs"
    warehouse.load_bronze([sale("T1", "S001", 10), sale("T2", "S002", 4), sale("T3", "S001", 1)])
    runs = warehouse.run_due_tasks()
    # One round carries the batch through both layers: the writer of SALES runs first.
    assert [(run.name, run.state) for run in runs] == [
        (PROCESS, "SUCCEEDED"),
        (TOTALS, "SUCCEEDED"),
    ]
    assert sorted(query(warehouse, "SELECT STORE_ID, AMOUNT, SALES FROM SILVER.TOTALS")) == [
        ("S001", 11, 2),
        ("S002", 4, 1),
    ]
    assert warehouse.run_until_idle() == []
    history = query(warehouse, "SELECT NAME, STATE, SCHEDULED_FROM FROM _LOCAL.TASK_HISTORY")
    assert sorted(history) == [(PROCESS, "SUCCEEDED", "TRIGGER"), (TOTALS, "SUCCEEDED", "TRIGGER")]


def test_suspended_task_does_not_run_and_execute_task_runs_it(warehouse: LocalWarehouse) -> None:
    cursor = admin(warehouse).cursor()
    cursor.execute(f"ALTER TASK {PROCESS} SUSPEND")
    warehouse.load_bronze([sale("T1")])
    assert warehouse.run_until_idle() == []
    cursor.execute(f"EXECUTE TASK {PROCESS}")
    assert "SUCCEEDED" in cursor.fetchone()[0]
    assert query(warehouse, "SELECT COUNT(*) FROM SILVER.SALES") == [(1,)]


def test_failed_run_is_recorded_and_the_next_trigger_recovers(warehouse: LocalWarehouse) -> None:
    warehouse.load_bronze([sale("T1")])
    with warehouse.fail_statement("SILVER.PROCESS_RAW", 2):
        runs = warehouse.run_until_idle()
    assert [(run.name, run.state) for run in runs] == [(PROCESS, "FAILED")]
    assert runs[0].error is not None and "injected failure" in runs[0].error
    assert [run.state for run in warehouse.run_until_idle()] == ["SUCCEEDED", "SUCCEEDED"]
    assert query(warehouse, "SELECT SUM(SALES) FROM SILVER.TOTALS") == [(1,)]


def test_streams_tasks_procedures_and_offsets_survive_a_restart(tmp_path: Path) -> None:
    first = LocalWarehouse(tmp_path / "db")
    apply_fixture(first)
    first.load_bronze([sale("T1")])
    first.run_until_idle()
    first.load_bronze([sale("T2")])
    first.close()

    second = LocalWarehouse(tmp_path / "db")
    try:
        assert second.stream_backlog("BRONZE.JSON_RAW_DATA_STREAM") == 1
        result = second.apply_migrations(
            FIXTURE_SQL, user=second.principals.admin.user, role=second.principals.admin.role
        )
        assert result.applied == ["A__resume_tasks.sql"], "nothing changed but the always-script"
        assert [run.state for run in second.run_until_idle()] == ["SUCCEEDED", "SUCCEEDED"]
        assert sorted(query(second, "SELECT TRANSACTION_ID FROM SILVER.SALES")) == [
            ("T1",),
            ("T2",),
        ]
    finally:
        second.close()
