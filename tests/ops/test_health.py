"""The health figures on the local warehouse (the same snowflake/ scripts, the real transform):
healthy, failing and stale hops, rejects and the rejected share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from lambdas.snowflake_monitor.health import (
    HealthReport,
    HealthRows,
    HealthWindow,
    compute_health,
    summarize,
)
from tests.snowflake.bronze import ARRIVAL, bronze_rows, sale

RAW_TASK = "SILVER.PROCESS_RAW_POS_TASK"


def _report(warehouse: Any, now: datetime | None = None) -> HealthReport:
    """Everything since an hour ago, as the local CLI asks for it."""
    real_now = datetime.now(UTC)
    window = HealthWindow(real_now - timedelta(hours=1), real_now + timedelta(minutes=1))
    connection = warehouse.connect_as(warehouse.principals.monitor)
    try:
        return compute_health(connection, window=window, now=now or real_now)
    finally:
        connection.close()


def _hop(report: HealthReport, task: str) -> Any:
    return next(hop for hop in report.hops if hop.task == task)


def test_healthy_pipeline_reports_no_failures_no_backlog(warehouse: Any) -> None:
    warehouse.load_bronze(bronze_rows([sale("T1"), sale("T2"), sale("T3")]))
    warehouse.run_until_idle()

    report = _report(warehouse)

    assert report.failed_runs == 0
    assert report.rows_waiting == 0
    assert report.intake.records_accepted == 3
    assert report.intake.records_rejected == 0
    assert report.intake.rejected_share == 0.0
    for hop in report.hops:
        assert hop.runs_succeeded >= 1, hop
        assert hop.oldest_waiting_minutes == 0.0
        assert hop.minutes_since_success is not None and hop.minutes_since_success < 5
    assert report.latency.transactions == 3
    assert report.latency.p95_seconds is not None


def test_failing_task_is_counted_once_and_its_rows_keep_waiting(warehouse: Any) -> None:
    warehouse.load_bronze(bronze_rows([sale("T1"), sale("T2")]))
    with warehouse.fail_statement("SILVER.PROCESS_RAW_POS", 1):
        runs = warehouse.run_due_tasks()
    assert any(run.state == "FAILED" for run in runs)

    report = _report(warehouse)

    raw = _hop(report, RAW_TASK)
    # The procedure logged a FAILED run and re-raised, so the task failed too: one failure.
    assert raw.runs_failed == 1
    assert raw.last_error
    assert raw.rows_waiting == 2
    assert raw.last_success_at is None and raw.minutes_since_success is None
    assert report.intake.records_accepted == 0


def test_rows_waiting_on_a_stuck_task_age_with_time(warehouse: Any) -> None:
    warehouse.load_bronze(bronze_rows([sale("T1")]))  # tasks never run: stuck

    later = ARRIVAL + timedelta(minutes=45)
    report = _report(warehouse, now=later)

    raw = _hop(report, RAW_TASK)
    assert raw.rows_waiting == 1
    # Bronze IngestionTime is the Kinesis arrival + 1.5 s (tests/snowflake/bronze.py).
    assert 44.9 < (raw.oldest_waiting_minutes or 0) < 45.0
    assert raw.runs_failed == 0


def test_rejects_by_rule_and_rejected_share(warehouse: Any) -> None:
    bad = sale("T9", payment_method="barter")
    warehouse.load_bronze(bronze_rows([sale("T1"), sale("T2"), sale("T3"), bad, b"not json"]))
    warehouse.run_until_idle()

    report = _report(warehouse)

    assert report.intake.records_accepted == 3
    assert report.intake.records_rejected == 2
    assert report.intake.rejected_share == 2 / 5
    assert sum(report.rejects_by_rule.values()) >= 2
    assert all(count >= 1 for count in report.rejects_by_rule.values())


def test_window_excludes_runs_outside_it(warehouse: Any) -> None:
    warehouse.load_bronze(bronze_rows([sale("T1")]))
    warehouse.run_until_idle()
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    connection = warehouse.connect_as(warehouse.principals.monitor)
    try:
        report = compute_health(
            connection,
            window=HealthWindow(long_ago, long_ago + timedelta(minutes=5)),
        )
    finally:
        connection.close()
    assert report.intake.records_accepted == 0
    assert all(hop.runs_succeeded == 0 for hop in report.hops)
    # Last success is over the whole run log, not the window.
    assert _hop(report, RAW_TASK).last_success_at is not None


def _rows(**overrides: Any) -> HealthRows:
    values: dict[str, Any] = {
        "run_log": [],
        "last_success": [],
        "task_failures": [],
        "backlog": {},
        "rejects_by_rule": [],
        "latency": {},
    }
    values.update(overrides)
    return HealthRows(**values)


NOW = datetime(2026, 11, 30, 12, 3, tzinfo=UTC)
WINDOW = HealthWindow.ending_before(NOW, timedelta(minutes=5))


def test_failures_outside_the_procedure_come_from_task_history() -> None:
    found = _rows(
        task_failures=[
            {"TASK_NAME": f"POS_DB.{RAW_TASK}", "STATE": "FAILED", "ERROR_MESSAGE": "no priv"},
            {"TASK_NAME": "POS_DB.OTHER.TASK", "STATE": "FAILED", "ERROR_MESSAGE": "x"},
        ],
        run_log=[{"PROCEDURE_NAME": "SILVER.PROCESS_RAW_POS", "RUNS_FAILED": 0}],
    )
    report = summarize(found, database="POS_DB", window=WINDOW, as_of=NOW)
    raw = _hop(report, RAW_TASK)
    assert raw.runs_failed == 1
    assert raw.last_error == "no priv"
    assert report.failed_runs == 1  # the unrelated task is not one of the pipeline's


def test_no_records_means_no_share_and_unknown_arrival_is_not_zero() -> None:
    found = _rows(backlog={"BRONZE.JSON_RAW_DATA_STREAM": {"ROWS_WAITING": 4}})
    report = summarize(found, database="POS_DB", window=WINDOW, as_of=NOW)
    assert report.intake.rejected_share is None
    raw = _hop(report, RAW_TASK)
    assert raw.rows_waiting == 4
    assert raw.oldest_waiting_minutes is None


def test_window_is_the_last_whole_slot() -> None:
    assert WINDOW.start == datetime(2026, 11, 30, 11, 55, tzinfo=UTC)
    assert WINDOW.end == datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    # Two runs jittered inside the same slot measure the same window.
    jittered = HealthWindow.ending_before(NOW + timedelta(seconds=110), timedelta(minutes=5))
    assert jittered == WINDOW
