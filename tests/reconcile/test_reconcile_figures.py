"""``local.reconcile.reconcile`` on given query rows (no warehouse): each check's verdict and the
detail a person reads, the figures, latency and the report's JSON shape. Fast, so that mutation
testing can run it once per mutant; ``test_checks_say_no.py`` breaks real warehouses."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from lambdas.pipeline_verify.windows import _sql as window_sql
from lambdas.snowflake_migrations.scripts import SqlVariables
from lambdas.snowflake_monitor.health import (
    HealthReport,
    HealthWindow,
    HopHealth,
    IntakeHealth,
)
from lambdas.snowflake_monitor.hops import HOPS
from local.reconcile import Expected, latency_seconds, percentile, reconcile
from local.reconcile.queries import _text
from tests.reconcile.conftest import (
    BAD_IN_REJECTED,
    FATE,
    GOLD,
    GOOD_IN_SILVER,
    INVENTORY,
    LOST,
    REJECTED_EXACT,
    RUN_LOG,
    SILVER_EXACT,
    STREAMS,
    WINDOWS,
)

VARIABLES = SqlVariables()
WINDOW_FATES = "window_fates"  # lambdas/pipeline_verify/sql, not local/reconcile/sql
T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
Rows = dict[str, list[dict[str, Any]]]


def healthy_rows() -> Rows:
    """A consistent state: 10 Bronze rows (9 records) = 6 accepted + 2 rejected + 2 copies."""
    return {
        "bronze_summary": [{"BRONZE_ROWS": 10, "BRONZE_RECORDS": 9}],
        # The whole run as one window: 11 put = 1 in the error output + 10 with a place.
        WINDOW_FATES: [
            {
                "BRONZE_RECORDS": 10,
                "DISTINCT_CONTENTS": 8,
                "IN_SILVER": 7,
                "IN_REJECTED": 3,
                "NO_PLACE": 0,
            }
        ],
        "silver_summary": [{"SILVER_TRANSACTIONS": 6, "SILVER_LINES": 11}],
        "rejected_summary": [{"REJECTED_RECORDS": 2}],
        "redrive_summary": [{"SENT_BACK": 0, "DECIDED": 0, "ACCEPTED_AFTER_REDRIVE": 0}],
        "redrive_accepted_transaction_ids": [],
        "run_log_totals": [
            {
                "PROCEDURE_NAME": "SILVER.PROCESS_RAW_POS",
                "STATUS": "SUCCEEDED",
                "RUNS": 3,
                "ROWS_READ": 10,
                "ROWS_ACCEPTED": 6,
                "ROWS_REJECTED": 2,
                "ROWS_DUPLICATE": 2,
            },
            {
                "PROCEDURE_NAME": "SILVER.PROCESS_RAW_POS",
                "STATUS": "FAILED",
                "RUNS": 1,
                "ROWS_READ": 0,
                "ROWS_ACCEPTED": 0,
                "ROWS_REJECTED": 0,
                "ROWS_DUPLICATE": 0,
            },
            {
                "PROCEDURE_NAME": "GOLD.UPDATE_DAILY_SUMMARY",
                "STATUS": "SUCCEEDED",
                "RUNS": 2,
                "ROWS_READ": 11,
                "ROWS_ACCEPTED": 11,
                "ROWS_REJECTED": 0,
                "ROWS_DUPLICATE": 0,
            },
        ],
        # A sales-only run: no other kind in Bronze.
        "kinds_summary": [
            {
                "KIND": kind,
                "PROCEDURE_NAME": "",
                "BRONZE_ROWS": 10 if kind == "pos.v1" else 0,
                "LANDED": 6 if kind == "pos.v1" else 0,
                "REJECTED": 2 if kind == "pos.v1" else 0,
            }
            for kind in ("pos.v1", "clickstream.v1", "iot.v1", "app_log.v1", "cdc.v1", "unknown")
        ],
        "silver_transaction_ids": [{"TRANSACTION_ID": f"T{n}"} for n in range(1, 7)],
        "rejected_transaction_ids": [{"TRANSACTION_ID": "B1"}],
        "gold_vs_silver": [
            {
                "SUMMARY_ROWS": 4,
                "MISMATCHED_ROWS": 0,
                "GOLD_GROSS_SALES": Decimal("120.50"),
                "SILVER_GROSS_SALES": Decimal("120.50"),
                "GOLD_NET_SALES": Decimal("110.00"),
                "SILVER_NET_SALES": Decimal("110.00"),
                "GOLD_TRANSACTIONS": 6,
                "GOLD_UNITS": 14,
                "SILVER_UNITS": 14,
            }
        ],
        "inventory_vs_expected": [
            {
                "INVENTORY_ROWS": 320,
                "MISMATCHED_ROWS": 0,
                "INVENTORY_UNITS_SOLD": 14,
                "SILVER_UNITS_SOLD": 14,
            }
        ],
        # Silver run 1 ends at +2 s, Gold runs span +1..+3 s and +4..+6 s.
        "run_log_times": [
            {
                "RUN_ID": "S1",
                "PROCEDURE_NAME": "SILVER.PROCESS_RAW_POS",
                "STARTED_AT": T0,
                "FINISHED_AT": T0 + timedelta(seconds=2),
            },
            {
                "RUN_ID": "G1",
                "PROCEDURE_NAME": "GOLD.UPDATE_DAILY_SUMMARY",
                "STARTED_AT": T0 + timedelta(seconds=1),
                "FINISHED_AT": T0 + timedelta(seconds=3),
            },
            {
                "RUN_ID": "G2",
                "PROCEDURE_NAME": "GOLD.UPDATE_DAILY_SUMMARY",
                "STARTED_AT": (T0 + timedelta(seconds=4)).isoformat(),
                "FINISHED_AT": (T0 + timedelta(seconds=6)).replace(tzinfo=None),
            },
        ],
        # Rows with nothing to measure first: the ones after them still count.
        "silver_latency": [
            {"TRANSACTION_ID": "T3", "SOLD_AT": None, "ARRIVED_AT": None, "RUN_ID": "S1"},
            {"TRANSACTION_ID": "T4", "SOLD_AT": None, "ARRIVED_AT": T0, "RUN_ID": "UNKNOWN"},
            {
                "TRANSACTION_ID": "T1",
                "SOLD_AT": T0 - timedelta(seconds=3),
                "ARRIVED_AT": T0 - timedelta(seconds=1),
                "RUN_ID": "S1",
            },
            {
                "TRANSACTION_ID": "T2",
                "SOLD_AT": T0 + timedelta(seconds=1),
                "ARRIVED_AT": T0,
                "RUN_ID": "S1",
            },
        ],
    }


class FakeCursor:
    def __init__(self, rows: Rows) -> None:
        self._by_text = {_text(name, VARIABLES): name for name in rows if name != WINDOW_FATES}
        self._by_text[window_sql(VARIABLES)] = WINDOW_FATES
        self._rows = rows
        self.description: list[tuple[str]] = []
        self._result: list[tuple[Any, ...]] = []

    def execute(self, text: str, params: dict[str, Any] | None = None) -> None:
        found = self._rows[self._by_text[text]]
        columns = list(found[0]) if found else []
        self.description = [(column.lower(),) for column in columns]
        self._result = [tuple(row[column] for column in columns) for row in found]

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._result

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._result[0] if self._result else None

    def close(self) -> None:
        pass


class FakeConnection:
    def __init__(self, rows: Rows) -> None:
        self.rows = rows

    def cursor(self) -> FakeCursor:
        return FakeCursor(self.rows)


def health(accepted: int = 6, rejected: int = 2, waiting: int = 0) -> HealthReport:
    hops = tuple(
        HopHealth(hop.task, hop.procedure, hop.stream, 1, 0, None, T0, 0.0, 0, 0.0) for hop in HOPS
    )
    hops = (replace(hops[0], rows_waiting=waiting), *hops[1:])
    window = HealthWindow(T0 - timedelta(days=1), T0 + timedelta(minutes=1))
    return HealthReport(
        "POS_DB", window, T0, hops, IntakeHealth(accepted, rejected, 2), {"UNKNOWN_STORE": 2}
    )


EXPECTED = Expected(silver_transactions=6, rejected_records=2, copies=2)
GENERATED = ({f"T{n}" for n in range(1, 7)}, {"B1"})


def checks(rows: Rows | None = None, **overrides: Any) -> dict[str, tuple[bool, str]]:
    arguments: dict[str, Any] = {
        "produced": 9,
        "put_to_kinesis": 11,
        "lost_lines": 0,
        "error_records": {"processing-failed": 1, "snowflake-failed": 0},
        "health": health(),
        "elapsed_s": 4.0,
        "expected": EXPECTED,
        "generated_transactions": GENERATED,
    } | overrides
    result = reconcile(FakeConnection(rows or healthy_rows()), VARIABLES, **arguments)
    return {check.name: (check.ok, check.detail) for check in result.checks}


def failing(rows: Rows | None = None, **overrides: Any) -> set[str]:
    return {name for name, (ok, _) in checks(rows, **overrides).items() if not ok}


def test_a_consistent_state_passes_every_check_with_readable_details() -> None:
    assert checks() == {
        LOST: (True, "9 of 9 produced records traced to Bronze or error output"),
        FATE: (
            True,
            "10 Bronze rows = 6 accepted + 2 rejected + 2 copies ignored (procedures read 10)",
        ),
        RUN_LOG: (True, "run log 6 / 2, tables 6 / 2"),
        STREAMS: (
            True,
            "BRONZE.JSON_RAW_DATA_STREAM 0, SILVER.PROCESSED_FOR_INVENTORY_STREAM 0, "
            "SILVER.PROCESSED_FOR_GOLD_STREAM 0, BRONZE.JSON_RAW_DATA_CLICKSTREAM_STREAM 0, "
            "BRONZE.JSON_RAW_DATA_IOT_STREAM 0, BRONZE.JSON_RAW_DATA_APP_LOG_STREAM 0, "
            "BRONZE.JSON_RAW_DATA_CDC_STREAM 0, BRONZE.JSON_RAW_DATA_UNCLASSIFIED_STREAM 0 "
            "rows waiting",
        ),
        SILVER_EXACT: (True, "6 accepted, 6 expected"),
        REJECTED_EXACT: (True, "2 rejected, 2 distinct bad records sent"),
        GOOD_IN_SILVER: (True, "0 good sales missing, 0 unexpected in Silver"),
        BAD_IN_REJECTED: (True, "0 missing from REJECTED"),
        GOLD: (True, "0 of 4 summary rows differ; gross 120.50 vs 120.50"),
        INVENTORY: (True, "0 of 320 rows differ; 14 vs 14 units"),
        WINDOWS: (
            True,
            "11 put = 1 in the error output + 10 in Silver or a dead letter (of 10 in Bronze,"
            " 2 copies); 0 unaccounted",
        ),
    }


def test_a_record_put_with_no_place_is_unaccounted() -> None:
    """The deployment's per-window definition says no: one Bronze record of any kind has no
    place (silently not loaded into Silver), or one record put never reached Bronze."""
    rows = healthy_rows()
    rows[WINDOW_FATES][0]["NO_PLACE"] = 1
    assert failing(rows) == {WINDOWS}
    assert "1 unaccounted" in checks(rows)[WINDOWS][1]
    assert failing(put_to_kinesis=12) == {WINDOWS}


def test_the_figures_and_the_json_report() -> None:
    rows = healthy_rows()
    rows[WINDOW_FATES][0]["BRONZE_RECORDS"] = 7  # 11 put = 4 in the error output + 7 placed
    result = reconcile(
        FakeConnection(rows),
        VARIABLES,
        produced=9,
        put_to_kinesis=11,
        lost_lines=0,
        error_records={"processing-failed": 1, "snowflake-failed": 3},
        health=health(),
        elapsed_s=4.0,
    )
    assert result.ok
    assert result.figures == {
        "produced": 9,
        "put_to_kinesis": 11,
        "kinesis_re_puts": 2,
        "delivered_to_bronze_rows": 10,
        "delivered_to_bronze_records": 9,
        "firehose_redeliveries": 1,
        "error_output_processing_failed": 1,
        "error_output_snowflake_failed": 3,
        "silver_transactions": 6,
        "silver_lines": 11,
        "rejected_records": 2,
        "duplicates_ignored": 2,
        "silver_rows_read": 10,
        "failed_procedure_runs": 1,
        "unaccounted_records": 0,
        "redriven_records": 0,
        "redriven_accepted": 0,
        "redrive_pending": 0,
        "bronze_stream_backlog": 0,
        "gold_summary_rows": 4,
        "gold_gross_sales": Decimal("120.50"),
        "silver_gross_sales": Decimal("120.50"),
        "gold_net_sales": Decimal("110.00"),
        "silver_net_sales": Decimal("110.00"),
        "gold_transactions": 6,
        "gold_units": 14,
        "silver_units": 14,
        "inventory_rows": 320,
        "inventory_units_sold": 14,
        "silver_units_sold": 14,
        # T1 arrived at -1 s, T2 at 0 s; both in Gold when G2 (started after S1 ended) ended.
        "latency_p50_s": 6.5,
        "latency_p95_s": 6.95,
        # Arrival minus the POS's sale time: T1 sold 2 s before it arrived, T2's clock 1 s ahead.
        "pos_clock_skew_p50_s": 0.5,
        "pos_clock_skew_p95_s": 1.85,
        "elapsed_s": 4.0,
        "events_per_s": 2.2,
    }
    assert [check.name for check in result.checks] == [
        LOST,
        FATE,
        WINDOWS,
        RUN_LOG,
        STREAMS,
        GOLD,
        INVENTORY,
    ]
    report = result.as_dict()
    assert report["ok"] is True
    assert report["figures"]["gold_gross_sales"] == 120.5
    assert report["figures"]["gold_net_sales"] == 110
    assert isinstance(report["figures"]["gold_net_sales"], int)
    assert report["rejected_by_rule"] == {"UNKNOWN_STORE": 2}
    assert report["checks"][0] == {
        "name": LOST,
        "ok": True,
        "detail": "9 of 9 produced records traced to Bronze or error output",
    }


def with_row(rows: Rows, query: str, **changes: Any) -> Rows:
    rows[query] = [rows[query][0] | changes]
    return rows


def with_run(rows: Rows, **changes: Any) -> Rows:
    rows["run_log_totals"][0] |= changes
    return rows


CASES: dict[str, tuple[Any, set[str]]] = {
    "a lost line": (lambda: ({}, {"lost_lines": 1}), {LOST}),
    "one more Bronze row": (
        lambda: (with_row(healthy_rows(), "bronze_summary", BRONZE_ROWS=11), {}),
        {FATE},
    ),
    "procedures read one row fewer": (lambda: (with_run(healthy_rows(), ROWS_READ=9), {}), {FATE}),
    "one copy fewer ignored": (lambda: (with_run(healthy_rows(), ROWS_DUPLICATE=1), {}), {FATE}),
    "run log accepted one more": (lambda: ({}, {"health": health(accepted=7)}), {RUN_LOG}),
    "run log rejected one fewer": (lambda: ({}, {"health": health(rejected=1)}), {RUN_LOG}),
    "a row waiting": (lambda: ({}, {"health": health(waiting=1)}), {STREAMS}),
    "one accepted transaction more": (
        lambda: (
            with_row(healthy_rows(), "silver_summary", SILVER_TRANSACTIONS=7),
            {"health": health(accepted=7)},
        ),
        {FATE, SILVER_EXACT, GOLD},
    ),
    "one rejected record more": (
        lambda: (
            with_row(healthy_rows(), "rejected_summary", REJECTED_RECORDS=3),
            {"health": health(rejected=3)},
        ),
        {FATE, REJECTED_EXACT},
    ),
    "a good sale missing": (
        lambda: ({}, {"generated_transactions": (GENERATED[0] | {"T7"}, GENERATED[1])}),
        {GOOD_IN_SILVER},
    ),
    "a bad record missing": (
        lambda: ({}, {"generated_transactions": (GENERATED[0], {"B1", "B2"})}),
        {BAD_IN_REJECTED},
    ),
    "a Gold row differs": (
        lambda: (with_row(healthy_rows(), "gold_vs_silver", MISMATCHED_ROWS=1), {}),
        {GOLD},
    ),
    "Gold counts one transaction fewer": (
        lambda: (with_row(healthy_rows(), "gold_vs_silver", GOLD_TRANSACTIONS=5), {}),
        {GOLD},
    ),
    "an INVENTORY row differs": (
        lambda: (with_row(healthy_rows(), "inventory_vs_expected", MISMATCHED_ROWS=1), {}),
        {INVENTORY},
    ),
    "INVENTORY sold one unit more": (
        lambda: (with_row(healthy_rows(), "inventory_vs_expected", INVENTORY_UNITS_SOLD=15), {}),
        {INVENTORY},
    ),
}


def redriven_rows(
    *, silver: int = 7, rejected: int = 1, pending: int = 0, rejected_ids: tuple[str, ...] = ("B2",)
) -> Rows:
    """The consistent state after a redrive sent both rejected records (B1, B2) back: B1 was
    accepted (its dimension had been added), B2 rejected again, and PROCESS_RAW_POS read them a
    second time: Silver 7 + REJECTED 1 + 2 copies = 10 Bronze rows; it read 12, rejected 3.
    With ``pending``, that many of them (B2 first) are sent back and not decided yet."""
    rows = with_row(healthy_rows(), "silver_summary", SILVER_TRANSACTIONS=silver)
    rows = with_row(rows, "rejected_summary", REJECTED_RECORDS=rejected)
    rows = with_row(rows, "gold_vs_silver", GOLD_TRANSACTIONS=silver)
    rows = with_row(
        rows, "redrive_summary", SENT_BACK=2, DECIDED=2 - pending, ACCEPTED_AFTER_REDRIVE=1
    )
    rows["redrive_accepted_transaction_ids"] = [{"TRANSACTION_ID": "B1"}]
    rows["silver_transaction_ids"].append({"TRANSACTION_ID": "B1"})
    rows["rejected_transaction_ids"] = [{"TRANSACTION_ID": name} for name in rejected_ids]
    return with_run(rows, ROWS_READ=12 - pending, ROWS_ACCEPTED=7, ROWS_REJECTED=3 - pending)


def redriven(pending: int = 0) -> dict[str, Any]:
    return {
        "health": health(accepted=7, rejected=3 - pending),
        "expected": Expected(silver_transactions=6, rejected_records=2, copies=2),
        "generated_transactions": (GENERATED[0], {"B1", "B2"}),
    }


def test_a_record_accepted_after_a_redrive_is_counted_once_in_silver() -> None:
    result = checks(redriven_rows(), **redriven())
    assert all(ok for ok, _ in result.values()), result
    assert result[FATE][1] == (
        "10 Bronze rows = 7 accepted + 1 rejected + 2 copies ignored (procedures read 12);"
        " 2 sent back from REJECTED by redrives, 1 of them accepted, 0 pending"
    )


def test_a_redriven_record_in_two_places_in_none_or_pending_fails() -> None:
    # The accepted record also still in REJECTED: counted twice.
    assert failing(redriven_rows(rejected=2), **redriven()) == {FATE, RUN_LOG, REJECTED_EXACT}
    # The accepted record lost on its way to Silver.
    assert failing(redriven_rows(silver=6), **redriven()) == {FATE, RUN_LOG, SILVER_EXACT}
    # B2 sent back, not decided yet: in neither table, so the run is not finished.
    pending = redriven_rows(rejected=0, pending=1, rejected_ids=())
    assert failing(pending, **redriven(pending=1)) == {STREAMS, BAD_IN_REJECTED}


@pytest.mark.parametrize(("name", "case"), CASES.items(), ids=CASES.keys())
def test_each_inconsistency_fails_exactly_its_checks(name: str, case: tuple[Any, set[str]]) -> None:
    make, expected = case
    rows, overrides = make()
    assert failing(rows or None, **overrides) == expected


def test_details_say_what_differs() -> None:
    assert checks(lost_lines=2)[LOST] == (
        False,
        "7 of 9 produced records traced to Bronze or error output",
    )
    rows = with_row(healthy_rows(), "gold_vs_silver", MISMATCHED_ROWS=2)
    assert checks(rows)[GOLD] == (False, "2 of 4 summary rows differ; gross 120.50 vs 120.50")
    waiting = checks(health=health(waiting=3))[STREAMS]
    assert waiting[1].startswith("BRONZE.JSON_RAW_DATA_STREAM 3,")
    missing = checks(generated_transactions=({"T1", "T9"}, {"B1", "B2", "B3"}))
    assert missing[GOOD_IN_SILVER] == (False, "1 good sales missing, 5 unexpected in Silver")
    assert missing[BAD_IN_REJECTED] == (False, "2 missing from REJECTED")


def test_empty_tables_read_as_zero() -> None:
    empty: Rows = {name: [] for name in healthy_rows()}
    # An aggregate always answers one row: zeros, on empty tables.
    empty[WINDOW_FATES] = [dict.fromkeys(healthy_rows()[WINDOW_FATES][0], 0)]
    result = checks(
        empty,
        produced=0,
        put_to_kinesis=0,
        error_records={},
        health=health(accepted=0, rejected=0),
        expected=None,
        generated_transactions=None,
    )
    assert all(ok for ok, _ in result.values())
    assert set(result) == {LOST, FATE, RUN_LOG, STREAMS, GOLD, INVENTORY, WINDOWS}


def test_latency_is_arrival_to_the_end_of_the_first_gold_run_after_acceptance() -> None:
    assert latency_seconds(FakeConnection(healthy_rows()), VARIABLES).to_gold == [7.0, 6.0]
    # A Gold run that starts the instant the Silver run ends has read its rows.
    rows = healthy_rows()
    rows["run_log_times"][2]["STARTED_AT"] = T0 + timedelta(seconds=2)
    assert latency_seconds(FakeConnection(rows), VARIABLES).to_gold == [7.0, 6.0]
    rows["run_log_times"][2]["STARTED_AT"] = T0 + timedelta(seconds=1.999)
    assert latency_seconds(FakeConnection(rows), VARIABLES).to_gold == []
    rows = healthy_rows()
    rows["run_log_times"] = rows["run_log_times"][:2]  # no Gold run started after S1 ended
    assert latency_seconds(FakeConnection(rows), VARIABLES).to_gold == []
    with pytest.raises(TypeError, match="not a timestamp"):
        rows["run_log_times"][0]["FINISHED_AT"] = 12
        latency_seconds(FakeConnection(rows), VARIABLES)


def test_percentile() -> None:
    assert percentile([], 0.5) is None
    assert percentile([3.0], 0.95) == 3.0
    values = [float(n) for n in range(1, 101)]
    assert percentile(values, 0.50) == pytest.approx(50.5)
    assert percentile(values, 0.95) == pytest.approx(95.05)


def test_empty_tables_and_no_error_output_give_zero_figures() -> None:
    empty: Rows = {name: [] for name in healthy_rows()}
    # An aggregate always answers one row: zeros, on empty tables.
    empty[WINDOW_FATES] = [dict.fromkeys(healthy_rows()[WINDOW_FATES][0], 0)]
    result = reconcile(
        FakeConnection(empty),
        VARIABLES,
        produced=0,
        put_to_kinesis=0,
        lost_lines=0,
        error_records={},
        health=health(accepted=0, rejected=0),
        elapsed_s=0.0,
    )
    zero = {name: value for name, value in result.figures.items() if value == 0}
    assert set(result.figures) - set(zero) == {
        "latency_p50_s",
        "latency_p95_s",
        "pos_clock_skew_p50_s",
        "pos_clock_skew_p95_s",
        "events_per_s",
    }
    assert result.figures["events_per_s"] is None  # no time elapsed: no rate
    assert {name for name, value in zero.items() if type(value) is not int} == {"elapsed_s"}


def test_the_bronze_backlog_figure_is_the_bronze_streams() -> None:
    result = reconcile(
        FakeConnection(healthy_rows()),
        VARIABLES,
        produced=9,
        put_to_kinesis=9,
        lost_lines=0,
        error_records={},
        health=health(waiting=4),
        elapsed_s=0.5,
    )
    assert result.figures["bronze_stream_backlog"] == 4
    assert result.figures["events_per_s"] == 18.0  # a run shorter than a second has a rate


def test_figures_keep_their_precision() -> None:
    rows = healthy_rows()
    rows["silver_latency"][2]["ARRIVED_AT"] = T0 - timedelta(seconds=1.23456)
    result = reconcile(
        FakeConnection(rows),
        VARIABLES,
        produced=9,
        put_to_kinesis=9,
        lost_lines=0,
        error_records={},
        health=health(),
        elapsed_s=4.56789,
    )
    assert result.figures["elapsed_s"] == 4.57
    assert result.figures["latency_p95_s"] == 7.173  # 0.95 of the way from 6.0 to 7.23456
    assert result.figures["latency_p50_s"] == 6.617


def test_whole_decimals_become_ints_and_others_floats_in_the_report() -> None:
    rows = with_row(healthy_rows(), "gold_vs_silver", GOLD_NET_SALES=Decimal("111"))
    report = reconcile(
        FakeConnection(rows),
        VARIABLES,
        produced=9,
        put_to_kinesis=9,
        lost_lines=0,
        error_records={},
        health=health(),
        elapsed_s=1.0,
    ).as_dict()
    assert type(report["figures"]["gold_net_sales"]) is int
    assert report["figures"]["gold_net_sales"] == 111
    assert type(report["figures"]["gold_gross_sales"]) is float


def test_timestamps_without_a_zone_are_utc_whatever_the_machine_zone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import time

    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        rows = healthy_rows()
        for run in rows["run_log_times"]:
            for key in ("STARTED_AT", "FINISHED_AT"):
                moment = run[key]
                if isinstance(moment, str):
                    moment = datetime.fromisoformat(moment)
                if moment.tzinfo is not None:
                    moment = moment.astimezone(UTC).replace(tzinfo=None)
                run[key] = moment
        assert latency_seconds(FakeConnection(rows), VARIABLES).to_gold == [7.0, 6.0]
    finally:
        monkeypatch.undo()
        time.tzset()
