"""End-of-run reconciliation: every produced record is accounted for, hop by hop.

The figures come from the run's own ledger (what was produced and where Kinesis put it), the
error output folder, and the warehouse tables. The checks are what a data engineer would verify:

- no record lost on the wire: every produced line reached Bronze or the error output;
- every Bronze row has one fate: Silver (accepted), REJECTED, or ignored as a copy, and the
  procedures' run log agrees with the table contents; a record sent back from REJECTED by a
  redrive (``SILVER.REDRIVE_REJECTED``) is read again, and counted once, in its final place;
- for generated runs, Silver and REJECTED hold exactly what the generator meant them to;
- Gold equals a from-scratch aggregation of Silver; INVENTORY equals initial stock minus units
  sold in Silver; nothing is left in any task's stream.

Figures the pipeline's health report also has (rejects by rule, rows waiting per stream, records
accepted and rejected per the run log) are taken from it (``lambdas.snowflake_monitor.health``,
the monitor's definition), not computed a second time. Its latency is Kinesis arrival to Silver;
the reconciliation's own is arrival to Gold, a different figure. Both start at Kinesis arrival (a
real clock); the POS's own sale time is only compared with arrival, as the separate "POS clock
skew" figure.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from lambdas.pipeline_verify.windows import window_counts
from lambdas.snowflake_migrations.scripts import SqlVariables
from lambdas.snowflake_monitor.health import HealthReport
from lambdas.snowflake_monitor.hops import HOPS
from local.reconcile.queries import Connection, one, query

PROCESS_RAW_POS = "PROCESS_RAW_POS"
UPDATE_DAILY_SUMMARY = "UPDATE_DAILY_SUMMARY"
# One window of Kinesis arrival time that holds any run.
WHOLE_RUN = (datetime(1970, 1, 1, tzinfo=UTC), datetime(9999, 1, 1, tzinfo=UTC))


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class KindExpected:
    """What a generated run should leave of one non-POS kind: distinct records landed in its
    Silver table (for CDC: DIM_CHANGE_LOG), distinct records in its dead letter, copies."""

    landed: int
    rejected: int
    copies: int


@dataclass(frozen=True)
class Expected:
    """What a generated run should end with (unknown for a replayed file)."""

    silver_transactions: int
    rejected_records: int
    copies: int
    other_kinds: Mapping[str, KindExpected] = field(default_factory=dict)


@dataclass
class Reconciliation:
    figures: dict[str, Any] = field(default_factory=dict)
    rejected_by_rule: dict[str, int] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    def check(self, name: str, ok: bool, detail: str) -> None:
        self.checks.append(Check(name, ok, detail))

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "figures": {key: _plain(value) for key, value in self.figures.items()},
            "rejected_by_rule": self.rejected_by_rule,
            "checks": [asdict(check) for check in self.checks],
        }


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value) if value % 1 else int(value)
    return value


def _epoch(moment: Any) -> float:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if not isinstance(moment, datetime):
        raise TypeError(f"not a timestamp: {moment!r}")
    if moment.tzinfo is None:  # TIMESTAMP_NTZ columns hold UTC
        moment = moment.replace(tzinfo=UTC)
    return float(moment.timestamp())


@dataclass(frozen=True)
class Latencies:
    """Per accepted transaction, in seconds: Kinesis arrival -> Gold (both on real clocks),
    and the POS's sale time -> Kinesis arrival (the POS clock's skew plus the send delay)."""

    to_gold: list[float]
    pos_clock_skew: list[float]


def latency_seconds(connection: Connection, variables: SqlVariables) -> Latencies:
    """Kinesis arrival -> the end of the first Gold run that started after Silver accepted it.

    A Gold run reads its stream when it starts, so a transaction is in Gold once the first Gold
    run that started after the accepting Silver run finished has itself finished. Kinesis
    stamps the arrival and the warehouse the runs, so the figure holds whatever the POS clock
    says; how far the POS clock is from arrival is the separate ``pos_clock_skew``.
    """
    runs = query(connection, "run_log_times", variables)
    finished = {run["RUN_ID"]: _epoch(run["FINISHED_AT"]) for run in runs}
    gold_runs = sorted(
        (_epoch(run["STARTED_AT"]), _epoch(run["FINISHED_AT"]))
        for run in runs
        if str(run["PROCEDURE_NAME"]).upper().endswith(UPDATE_DAILY_SUMMARY)
    )
    to_gold, skew = [], []
    for row in query(connection, "silver_latency", variables):
        if row["ARRIVED_AT"] is None:
            continue
        arrived = _epoch(row["ARRIVED_AT"])
        if row["SOLD_AT"] is not None:
            skew.append(arrived - _epoch(row["SOLD_AT"]))
        accepted_at = finished.get(row["RUN_ID"])
        if accepted_at is None:
            continue
        gold_at = next((end for start, end in gold_runs if start >= accepted_at), None)
        if gold_at is not None:
            to_gold.append(gold_at - arrived)
    return Latencies(to_gold, skew)


def _rounded(seconds: float | None) -> float | None:
    return round(seconds, 3) if seconds is not None else None


def percentile(values: Sequence[float], share: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def _reconcile_kinds(
    result: Reconciliation,
    kinds: Mapping[str, Mapping[str, Any]],
    runs: Sequence[Mapping[str, Any]],
    bronze_rows: int,
    expected: Expected | None,
) -> None:
    """Per kind: produced = landed + rejected + copies, by the tables and by the run log (for a
    run that carried other kinds than sales; a sales-only run has the checks above)."""
    result.check(
        "every Bronze row is of exactly one kind",
        sum(int(row["BRONZE_ROWS"]) for row in kinds.values()) == bronze_rows,
        ", ".join(f"{kind} {int(row['BRONZE_ROWS'])}" for kind, row in kinds.items())
        + f" of {bronze_rows} Bronze rows",
    )
    per_kind: dict[str, dict[str, int]] = {}
    for kind, row in kinds.items():
        logged = [
            run
            for run in runs
            if run["PROCEDURE_NAME"] == row["PROCEDURE_NAME"] and run["STATUS"] == "SUCCEEDED"
        ]
        read = sum(int(run["ROWS_READ"]) for run in logged)
        copies = sum(int(run["ROWS_DUPLICATE"]) for run in logged)
        rows, landed, rejected = (int(row[key]) for key in ("BRONZE_ROWS", "LANDED", "REJECTED"))
        per_kind[kind] = {
            "bronze_rows": rows,
            "landed": landed,
            "rejected": rejected,
            "copies_ignored": copies,
        }
        if kind == "pos.v1":
            continue  # the sales' own checks above (transactions, REJECTED, the intake)
        result.check(
            f"{kind}: every Bronze row has one fate (landed, rejected or ignored copy)",
            rows == landed + rejected + copies == read,
            f"{rows} Bronze rows = {landed} landed + {rejected} rejected + {copies} copies"
            f" (procedure read {read})",
        )
        wanted = expected.other_kinds.get(kind) if expected is not None else None
        if wanted is not None:
            result.check(
                f"{kind}: Silver and its dead letter hold exactly what was sent",
                (landed, rejected) == (wanted.landed, wanted.rejected),
                f"{landed} landed, {rejected} rejected;"
                f" {wanted.landed} and {wanted.rejected} distinct records sent",
            )
    result.figures["kinds"] = per_kind


def _reconcile_kinds_gold(result: Reconciliation, totals: Mapping[str, Any]) -> None:
    """The other kinds' Gold views against the same totals counted from Silver."""
    pairs = {
        "visitors": "VISITORS",
        "traffic transactions": ("TRAFFIC_TRANSACTIONS", "TRANSACTIONS"),
        "funnel events": "FUNNEL_EVENTS",
        "terminal errors": "TERMINAL_ERRORS",
        "fridge excursions": "FRIDGE_EXCURSIONS",
    }
    compared = {}
    for name, columns in pairs.items():
        gold_column, silver_column = columns if isinstance(columns, tuple) else (columns, columns)
        compared[name] = (
            int(totals.get(f"GOLD_{gold_column}") or 0),
            int(totals.get(f"SILVER_{silver_column}") or 0),
        )
    result.figures["kinds_gold"] = {name: gold for name, (gold, _) in compared.items()}
    result.check(
        "every kind's Gold equals a recomputation from Silver",
        all(gold == silver for gold, silver in compared.values()),
        "; ".join(f"{name} {gold} vs {silver}" for name, (gold, silver) in compared.items()),
    )


def reconcile(
    connection: Connection,
    variables: SqlVariables,
    *,
    produced: int,
    put_to_kinesis: int,
    lost_lines: int,
    error_records: Mapping[str, int],
    health: HealthReport,
    elapsed_s: float,
    expected: Expected | None = None,
    generated_transactions: tuple[Iterable[str], Iterable[str]] | None = None,
    kinesis_records: int | None = None,
) -> Reconciliation:
    """``health``: the run's health report, on the same warehouse state.
    ``kinesis_records``: the records Kinesis holds (default ``put_to_kinesis``); less when a
    restart put again what died with the local stream's process.
    ``generated_transactions``: (ids the generator sent as good sales, ids in bad records)."""
    result = Reconciliation()
    figures = result.figures
    bronze = one(connection, "bronze_summary", variables)
    silver = one(connection, "silver_summary", variables)
    rejected = one(connection, "rejected_summary", variables)
    runs = query(connection, "run_log_totals", variables)
    silver_runs = [
        run for run in runs if str(run["PROCEDURE_NAME"]).upper().endswith(PROCESS_RAW_POS)
    ]
    succeeded = [run for run in silver_runs if run["STATUS"] == "SUCCEEDED"]
    sql_read = sum(int(run["ROWS_READ"]) for run in succeeded)
    sql_duplicates = sum(int(run["ROWS_DUPLICATE"]) for run in succeeded)
    failed_runs = sum(int(run["RUNS"]) for run in runs if run["STATUS"] == "FAILED")
    bronze_rows = int(bronze.get("BRONZE_ROWS") or 0)
    kinds = {row["KIND"]: row for row in query(connection, "kinds_summary", variables)}
    others = {kind: row for kind, row in kinds.items() if kind != "pos.v1"}
    mixed = any(int(row["BRONZE_ROWS"]) for row in others.values())
    # The sales' Bronze rows: all of them but the other kinds' (every row of a sales-only run).
    pos_rows = bronze_rows - sum(int(row["BRONZE_ROWS"]) for row in others.values())
    bronze_records = int(bronze.get("BRONZE_RECORDS") or 0)
    silver_transactions = int(silver.get("SILVER_TRANSACTIONS") or 0)
    rejected_records = int(rejected.get("REJECTED_RECORDS") or 0)
    redrive = one(connection, "redrive_summary", variables)
    sent_back = int(redrive.get("SENT_BACK") or 0)
    # Sent back and not decided yet: out of REJECTED, in PROCESS_RAW_POS's stream or queue.
    redrive_pending = sent_back - int(redrive.get("DECIDED") or 0)
    accepted_after_redrive = int(redrive.get("ACCEPTED_AFTER_REDRIVE") or 0)
    redriven = (
        f"; {sent_back} sent back from REJECTED by redrives, {accepted_after_redrive} of them"
        f" accepted, {redrive_pending} pending"
        if sent_back
        else ""
    )
    waiting = {hop.stream: hop.rows_waiting for hop in health.hops}
    figures.update(
        produced=produced,
        put_to_kinesis=put_to_kinesis,
        kinesis_re_puts=put_to_kinesis - produced,
        delivered_to_bronze_rows=bronze_rows,
        delivered_to_bronze_records=bronze_records,
        firehose_redeliveries=bronze_rows - bronze_records,
        error_output_processing_failed=error_records.get("processing-failed", 0),
        error_output_snowflake_failed=error_records.get("snowflake-failed", 0),
        silver_transactions=silver_transactions,
        silver_lines=int(silver.get("SILVER_LINES") or 0),
        rejected_records=rejected_records,
        duplicates_ignored=sql_duplicates,
        silver_rows_read=sql_read,
        failed_procedure_runs=failed_runs,
        redriven_records=sent_back,
        redriven_accepted=accepted_after_redrive,
        redrive_pending=redrive_pending,
        bronze_stream_backlog=waiting[HOPS[0].stream],
    )
    result.rejected_by_rule = dict(health.rejects_by_rule)
    result.check(
        "no record lost between producer and Bronze/error output",
        lost_lines == 0,
        f"{produced - lost_lines} of {produced} produced records traced to Bronze or error output",
    )
    result.check(
        "every Bronze row has one fate (Silver, REJECTED or ignored copy)",
        pos_rows
        == silver_transactions + rejected_records + sql_duplicates + redrive_pending
        == sql_read - (sent_back - redrive_pending),
        f"{pos_rows} {'pos.v1 ' if mixed else ''}Bronze rows = {silver_transactions} accepted +"
        f" {rejected_records} rejected + {sql_duplicates} copies ignored (procedures read"
        f" {sql_read}){redriven}",
    )
    if mixed or (expected is not None and expected.other_kinds):
        _reconcile_kinds(result, kinds, runs, bronze_rows, expected)
    # The deployment's definition (lambdas/pipeline_verify/windows.py), over one window that
    # holds the whole run: every record put has its kind's place, or is in the error output.
    whole_run = window_counts(
        connection,
        variables,
        WHOLE_RUN[0],
        WHOLE_RUN[1],
        put=put_to_kinesis if kinesis_records is None else kinesis_records,
        error_output=sum(error_records.values()),
    )
    figures.update(unaccounted_records=whole_run.unaccounted)
    result.check(
        "every record put to Kinesis has a place (the per-window definition, whole run)",
        whole_run.closed,
        f"{whole_run.put} put = {whole_run.error_output} in the error output +"
        f" {whole_run.placed} in Silver or a dead letter (of {whole_run.bronze} in Bronze,"
        f" {whole_run.copies} copies); {whole_run.unaccounted} unaccounted",
    )
    result.check(
        "the run log's accepted / rejected equal Silver transactions / REJECTED rows",
        (health.intake.records_accepted, health.intake.records_rejected - sent_back)
        == (silver_transactions, rejected_records),
        f"run log {health.intake.records_accepted} / {health.intake.records_rejected},"
        f" tables {silver_transactions} / {rejected_records}{redriven}",
    )
    result.check(
        "every task's stream fully processed",
        not any(waiting.values()) and redrive_pending == 0,
        ", ".join(f"{stream} {rows}" for stream, rows in waiting.items())
        + f" rows waiting{redriven}",
    )
    if expected is not None:
        result.check(
            "Silver holds exactly the good sales sent",
            silver_transactions == expected.silver_transactions + accepted_after_redrive,
            f"{silver_transactions} accepted, {expected.silver_transactions} expected{redriven}",
        )
        result.check(
            "REJECTED holds exactly the bad records sent",
            rejected_records + redrive_pending + accepted_after_redrive
            == expected.rejected_records,
            f"{rejected_records} rejected, {expected.rejected_records} distinct bad records sent"
            f"{redriven}",
        )
    if generated_transactions is not None:
        good, bad = (set(ids) for ids in generated_transactions)
        redriven_in = {
            row["TRANSACTION_ID"]
            for row in query(connection, "redrive_accepted_transaction_ids", variables)
        }
        # A bad record that a redrive accepted (its dimension was added) is a good sale now.
        good, bad = good | (bad & redriven_in), bad - redriven_in
        accepted = {
            row["TRANSACTION_ID"] for row in query(connection, "silver_transaction_ids", variables)
        }
        rejected_ids = {
            row["TRANSACTION_ID"]
            for row in query(connection, "rejected_transaction_ids", variables)
        }
        result.check(
            "every good sale is in Silver, no bad one is",
            good == accepted,
            f"{len(good - accepted)} good sales missing,"
            f" {len(accepted - good)} unexpected in Silver",
        )
        result.check(
            "every bad record with a readable transaction id is in REJECTED",
            bad <= rejected_ids,
            f"{len(bad - rejected_ids)} missing from REJECTED",
        )
    gold = one(connection, "gold_vs_silver", variables)
    figures.update(
        gold_summary_rows=int(gold.get("SUMMARY_ROWS") or 0),
        gold_gross_sales=gold.get("GOLD_GROSS_SALES") or 0,
        silver_gross_sales=gold.get("SILVER_GROSS_SALES") or 0,
        gold_net_sales=gold.get("GOLD_NET_SALES") or 0,
        silver_net_sales=gold.get("SILVER_NET_SALES") or 0,
        gold_transactions=int(gold.get("GOLD_TRANSACTIONS") or 0),
        gold_units=int(gold.get("GOLD_UNITS") or 0),
        silver_units=int(gold.get("SILVER_UNITS") or 0),
    )
    mismatched = int(gold.get("MISMATCHED_ROWS") or 0)
    result.check(
        "Gold equals a recomputation from Silver",
        mismatched == 0 and int(gold.get("GOLD_TRANSACTIONS") or 0) == silver_transactions,
        f"{mismatched} of {figures['gold_summary_rows']} summary rows differ;"
        f" gross {figures['gold_gross_sales']} vs {figures['silver_gross_sales']}",
    )
    if mixed:
        _reconcile_kinds_gold(result, one(connection, "gold_kinds_vs_silver", variables))
    inventory = one(connection, "inventory_vs_expected", variables)
    inventory_mismatched = int(inventory.get("MISMATCHED_ROWS") or 0)
    figures.update(
        inventory_rows=int(inventory.get("INVENTORY_ROWS") or 0),
        inventory_units_sold=int(inventory.get("INVENTORY_UNITS_SOLD") or 0),
        silver_units_sold=int(inventory.get("SILVER_UNITS_SOLD") or 0),
    )
    result.check(
        "INVENTORY equals initial stock minus units sold in Silver",
        inventory_mismatched == 0
        and figures["inventory_units_sold"] == figures["silver_units_sold"],
        f"{inventory_mismatched} of {figures['inventory_rows']} rows differ;"
        f" {figures['inventory_units_sold']} vs {figures['silver_units_sold']} units",
    )
    latencies = latency_seconds(connection, variables)
    figures.update(
        latency_p50_s=_rounded(percentile(latencies.to_gold, 0.50)),
        latency_p95_s=_rounded(percentile(latencies.to_gold, 0.95)),
        pos_clock_skew_p50_s=_rounded(percentile(latencies.pos_clock_skew, 0.50)),
        pos_clock_skew_p95_s=_rounded(percentile(latencies.pos_clock_skew, 0.95)),
        elapsed_s=round(elapsed_s, 2),
        events_per_s=round(produced / elapsed_s, 1) if elapsed_s > 0 else None,
    )
    return result
