"""``TABLE(INFORMATION_SCHEMA.TASK_HISTORY(...))`` on the local warehouse: known runs (succeeded,
failed, skipped) come back with Snowflake's columns, and each argument does what the docs say
(https://docs.snowflake.com/en/sql-reference/functions/task_history). The monitor's real query
runs unchanged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from snowflake.connector.errors import ProgrammingError

from lambdas.snowflake_migrations.scripts import SqlVariables
from lambdas.snowflake_monitor.health import task_history_start
from lambdas.snowflake_monitor.queries import rows, window_params
from local.warehouse import LocalWarehouse
from tests.local_warehouse.conftest import admin, query, sale

PROCESS, TOTALS, CHECK = "PROCESS_RAW_TASK", "UPDATE_TOTALS_TASK", "HOURLY_CHECK"
DOCUMENTED_COLUMNS = [
    "QUERY_ID",
    "NAME",
    "DATABASE_NAME",
    "SCHEMA_NAME",
    "QUERY_TEXT",
    "CONDITION_TEXT",
    "STATE",
    "ERROR_CODE",
    "ERROR_MESSAGE",
    "SCHEDULED_TIME",
    "QUERY_START_TIME",
    "NEXT_SCHEDULED_TIME",
    "COMPLETED_TIME",
    "RETURN_VALUE",
    "SCHEDULED_FROM",
    "ATTEMPT_NUMBER",
]


@pytest.fixture
def runs(warehouse: LocalWarehouse) -> LocalWarehouse:
    """In order: PROCESS fails, then PROCESS and TOTALS succeed, then HOURLY_CHECK is skipped
    (a scheduled task whose WHEN does not hold)."""
    warehouse.load_bronze([sale("T1")])
    with warehouse.fail_statement("SILVER.PROCESS_RAW", 2):
        assert [run.state for run in warehouse.run_due_tasks()] == ["FAILED"]
    assert [run.state for run in warehouse.run_due_tasks()] == ["SUCCEEDED", "SUCCEEDED"]
    cursor = warehouse.connect_as(warehouse.principals.admin).cursor()
    cursor.execute(
        f"CREATE TASK SILVER.{CHECK} SCHEDULE = '60 MINUTES' "
        "WHEN SYSTEM$STREAM_HAS_DATA('BRONZE.JSON_RAW_DATA_STREAM') AS SELECT 1"
    )
    cursor.execute(f"ALTER TASK SILVER.{CHECK} RESUME")
    assert [(run.name, run.state) for run in warehouse.run_due_tasks()] == [
        (f"POS_DB.SILVER.{CHECK}", "SKIPPED")
    ]
    return warehouse


def history(warehouse: LocalWarehouse, arguments: str = "") -> list[dict[str, Any]]:
    cursor = warehouse.connect_as(warehouse.principals.admin).cursor()
    cursor.execute(f"SELECT * FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY({arguments}))")
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_known_runs_come_back_newest_first_with_the_documented_columns(
    runs: LocalWarehouse,
) -> None:
    cursor = runs.connect_as(runs.principals.admin).cursor()
    cursor.execute("SELECT * FROM TABLE(POS_DB.INFORMATION_SCHEMA.TASK_HISTORY())")
    assert [column[0] for column in cursor.description] == DOCUMENTED_COLUMNS
    found = history(runs)
    assert [(row["NAME"], row["STATE"], row["SCHEDULED_FROM"]) for row in found] == [
        (CHECK, "SKIPPED", "SCHEDULE"),
        (TOTALS, "SUCCEEDED", "TRIGGER"),
        (PROCESS, "SUCCEEDED", "TRIGGER"),
        (PROCESS, "FAILED", "TRIGGER"),
    ]
    assert {(row["DATABASE_NAME"], row["SCHEMA_NAME"]) for row in found} == {("POS_DB", "SILVER")}
    skipped, succeeded, _, failed = found
    # A skipped run never started a query.
    assert skipped["QUERY_ID"] is None and skipped["QUERY_START_TIME"] is None
    assert skipped["CONDITION_TEXT"] == "SYSTEM$STREAM_HAS_DATA('BRONZE.JSON_RAW_DATA_STREAM')"
    assert skipped["QUERY_TEXT"] == "SELECT 1"
    assert succeeded["QUERY_ID"] and succeeded["QUERY_START_TIME"] == succeeded["SCHEDULED_TIME"]
    assert succeeded["ERROR_MESSAGE"] is None
    assert "injected failure" in failed["ERROR_MESSAGE"]
    assert failed["QUERY_TEXT"] == "CALL POS_DB.SILVER.PROCESS_RAW()"
    for row in found:
        assert row["SCHEDULED_TIME"] <= row["COMPLETED_TIME"] <= datetime.now(UTC)
    # Every run the scheduler recorded, and no other.
    assert len(found) == query(runs, "SELECT COUNT(*) FROM _LOCAL.TASK_HISTORY")[0][0]


def test_error_only_returns_the_failed_run(runs: LocalWarehouse) -> None:
    found = history(runs, "ERROR_ONLY => TRUE")
    assert [(row["NAME"], row["STATE"]) for row in found] == [(PROCESS, "FAILED")]
    assert len(history(runs, "ERROR_ONLY => FALSE")) == 4


def test_task_name_is_unqualified_and_case_insensitive(runs: LocalWarehouse) -> None:
    found = history(runs, "TASK_NAME => 'process_raw_task'")
    assert [row["STATE"] for row in found] == ["SUCCEEDED", "FAILED"]
    with pytest.raises(ProgrammingError, match="non-qualified"):
        history(runs, "TASK_NAME => 'SILVER.PROCESS_RAW_TASK'")


def test_result_limit_keeps_the_most_recent_runs_within_its_range(runs: LocalWarehouse) -> None:
    assert [row["NAME"] for row in history(runs, "RESULT_LIMIT => 2")] == [CHECK, TOTALS]
    for limit in (0, 10_001):
        with pytest.raises(ProgrammingError, match="RESULT_LIMIT must be between 1 and 10000"):
            history(runs, f"RESULT_LIMIT => {limit}")


def test_the_scheduled_time_range_selects_runs_and_stays_within_7_days(
    runs: LocalWarehouse,
) -> None:
    found = history(runs)
    second = found[2]["SCHEDULED_TIME"]  # PROCESS's successful run
    start = f"'{second.isoformat()}'::TIMESTAMP_LTZ"
    assert [row["NAME"] for row in history(runs, f"SCHEDULED_TIME_RANGE_START => {start}")] == [
        CHECK,
        TOTALS,
        PROCESS,
    ]
    assert [
        row["STATE"]
        for row in history(
            runs,
            "SCHEDULED_TIME_RANGE_START => DATEADD('HOUR', -1, CURRENT_TIMESTAMP()), "
            f"SCHEDULED_TIME_RANGE_END => {start}",
        )
    ] == ["FAILED"]
    with pytest.raises(ProgrammingError, match="within the last 7 days"):
        history(runs, "SCHEDULED_TIME_RANGE_START => DATEADD('DAY', -8, CURRENT_TIMESTAMP())")
    with pytest.raises(ProgrammingError, match="ROOT_TASK_ID is not emulated"):
        history(runs, "ROOT_TASK_ID => 'abc'")


def test_the_monitors_query_runs_unchanged(runs: LocalWarehouse) -> None:
    now = datetime.now(UTC)
    start = now - timedelta(minutes=5)
    params = window_params(start, now + timedelta(minutes=1)) | {
        "history_start": task_history_start(start, now).isoformat()
    }
    found = rows(runs.connect_as(runs.principals.admin), "task_failures", SqlVariables(), params)
    assert [(row["TASK_NAME"], row["STATE"]) for row in found] == [
        (f"POS_DB.SILVER.{PROCESS}", "FAILED")
    ]
    assert "injected failure" in found[0]["ERROR_MESSAGE"]


def test_the_monitor_never_asks_for_more_than_7_days() -> None:
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    assert task_history_start(now - timedelta(minutes=5), now) == now - timedelta(
        hours=2, minutes=5
    )
    whole_history = task_history_start(datetime(2000, 1, 1, tzinfo=UTC), now)
    assert now - timedelta(days=7) < whole_history < now - timedelta(days=6)


def test_a_role_sees_the_runs_of_the_tasks_it_may_monitor_only(runs: LocalWarehouse) -> None:
    """Usage notes of TASK_HISTORY: OWNERSHIP, MONITOR or OPERATE on the task, the global MONITOR
    EXECUTION privilege, or ACCOUNTADMIN; runs of other tasks are left out, not refused."""
    setup = admin(runs).cursor()
    for statement in (
        "CREATE ROLE WATCHER",
        "CREATE USER WATCHER_SVC DEFAULT_ROLE = WATCHER",
        "GRANT ROLE WATCHER TO USER WATCHER_SVC",
        "GRANT USAGE ON DATABASE POS_DB TO ROLE WATCHER",
        "GRANT USAGE ON SCHEMA POS_DB.SILVER TO ROLE WATCHER",
        f"GRANT USAGE ON WAREHOUSE {runs.variables.warehouse} TO ROLE WATCHER",
    ):
        setup.execute(statement)

    def seen() -> list[str]:
        connection = runs.connect(user="WATCHER_SVC", warehouse=runs.variables.warehouse)
        cursor = connection.cursor()
        cursor.execute("SELECT NAME FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY())")
        return [row[0] for row in cursor.fetchall()]

    assert seen() == []
    setup.execute(f"GRANT MONITOR ON TASK POS_DB.SILVER.{TOTALS} TO ROLE WATCHER")
    assert seen() == [TOTALS]
    setup.execute(f"GRANT OPERATE ON TASK POS_DB.SILVER.{PROCESS} TO ROLE WATCHER")
    assert seen() == [TOTALS, PROCESS, PROCESS]
    setup.execute("GRANT MONITOR EXECUTION ON ACCOUNT TO ROLE WATCHER")
    assert seen() == [CHECK, TOTALS, PROCESS, PROCESS]
