"""The pipeline's health figures, defined once for the monitor Lambda and the local run command.

:func:`compute_health` runs the queries in ``sql/`` and hands their rows to :func:`summarize`, a
pure function that turns them into a :class:`HealthReport`:

- per hop (task, its procedure and the stream it drains): runs that succeeded and failed in the
  window, minutes since the procedure's last successful run, rows waiting in the stream and how
  long the oldest has waited;
- intake: records accepted and rejected in the window and the rejected share, rejects per rule;
- latency: Kinesis arrival to Silver for the transactions accepted in the window;
- dead letter: the rejected records now, and how many a redrive would accept today, per rule.

Counts cover a window ``[start, end)``; ages and backlogs are as of ``as_of`` (now).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from lambdas.snowflake_migrations.scripts import SqlVariables
from lambdas.snowflake_monitor.hops import HOPS, INTAKE_PROCEDURE, Hop
from lambdas.snowflake_monitor.queries import Connection, rows, window_params

Row = Mapping[str, Any]

# The monitor runs every 5 minutes and counts what finished in the previous 5-minute slot.
DEFAULT_WINDOW = timedelta(minutes=5)


# Task runs are looked up from this long before the window (a run can outlast its start by the
# task timeout), but never further back than INFORMATION_SCHEMA.TASK_HISTORY allows: "within the
# last 7 days ... If the time range does not fall within the last 7 days, an error is returned"
# (https://docs.snowflake.com/en/sql-reference/functions/task_history). A minute's margin keeps
# the bound inside the range by the time the query runs.
TASK_RUN_LOOKBACK = timedelta(hours=2)
TASK_HISTORY_RETENTION = timedelta(days=7)
TASK_HISTORY_MARGIN = timedelta(minutes=1)


def task_history_start(window_start: datetime, as_of: datetime) -> datetime:
    """Where ``task_failures.sql`` starts reading TASK_HISTORY for this window."""
    return max(
        window_start - TASK_RUN_LOOKBACK,
        as_utc(as_of) - TASK_HISTORY_RETENTION + TASK_HISTORY_MARGIN,
    )


def as_utc(value: datetime) -> datetime:
    """Aware UTC; the queries return UTC wall-clock times without an offset."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True)
class HealthWindow:
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("window bounds must be timezone-aware")
        if self.end <= self.start:
            raise ValueError("window end must be after its start")

    @classmethod
    def ending_before(cls, now: datetime, length: timedelta) -> HealthWindow:
        """The last whole ``length`` slot before ``now`` (aligned to the epoch), so that
        successive scheduled runs count each run exactly once, whatever their jitter."""
        step = int(length.total_seconds())
        end_epoch = int(as_utc(now).timestamp()) // step * step
        end = datetime.fromtimestamp(end_epoch, UTC)
        return cls(start=end - length, end=end)


@dataclass(frozen=True)
class HopHealth:
    task: str
    procedure: str
    stream: str
    runs_succeeded: int
    # Failed runs: the larger of the task history's and the run log's counts. A procedure that
    # fails logs a FAILED row and re-raises, so one failure shows in both; a run that never got
    # to its procedure shows only in the task history.
    runs_failed: int
    last_error: str | None
    last_success_at: datetime | None
    minutes_since_success: float | None
    rows_waiting: int
    # 0 when nothing waits; None when rows wait but their arrival time is unknown.
    oldest_waiting_minutes: float | None
    # Records the procedure accepted (landed) and rejected in the window, per its run log: each
    # kind's rejected share (the other kinds' dead letters are not RETAIL_POS_REJECTED).
    records_accepted: int = 0
    records_rejected: int = 0


@dataclass(frozen=True)
class IntakeHealth:
    records_accepted: int
    records_rejected: int
    duplicates_ignored: int

    @property
    def rejected_share(self) -> float | None:
        """Rejected / (accepted + rejected); redelivered copies are not records of their own."""
        total = self.records_accepted + self.records_rejected
        return self.records_rejected / total if total else None


@dataclass(frozen=True)
class Latency:
    transactions: int
    p50_seconds: float | None
    p95_seconds: float | None
    max_seconds: float | None


@dataclass(frozen=True)
class DeadLetterHealth:
    """SILVER.RETAIL_POS_REJECTED as of now: its size, how many records a redrive would accept
    today, and both per failed rule (a record counts under each rule it failed)."""

    records: int = 0
    redrivable: int = 0
    by_rule: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class HealthReport:
    database: str
    window: HealthWindow
    as_of: datetime
    hops: tuple[HopHealth, ...]
    intake: IntakeHealth
    rejects_by_rule: dict[str, int] = field(default_factory=dict)
    latency: Latency = field(default_factory=lambda: Latency(0, None, None, None))
    dead_letter: DeadLetterHealth = field(default_factory=DeadLetterHealth)

    @property
    def failed_runs(self) -> int:
        return sum(hop.runs_failed for hop in self.hops)

    @property
    def rows_waiting(self) -> int:
        return sum(hop.rows_waiting for hop in self.hops)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (times as ISO-8601 text)."""
        data = asdict(self)
        data["intake"]["rejected_share"] = self.intake.rejected_share
        result: dict[str, Any] = _iso_times(data)
        return result


@dataclass(frozen=True)
class HealthRows:
    """What the queries returned, before any figure is computed."""

    run_log: Sequence[Row]
    last_success: Sequence[Row]
    task_failures: Sequence[Row]
    backlog: Mapping[str, Row]  # stream -> its backlog query's single row
    rejects_by_rule: Sequence[Row]
    latency: Row
    dead_letter: Sequence[Row] = ()


def summarize(
    found: HealthRows, *, database: str, window: HealthWindow, as_of: datetime
) -> HealthReport:
    """The figures from the query rows: no I/O, so it is the same code on every runtime."""
    as_of = as_utc(as_of)
    runs = {str(row["PROCEDURE_NAME"]): row for row in found.run_log}
    last_success = {
        str(row["PROCEDURE_NAME"]): as_utc(row["LAST_SUCCESS_AT"])
        for row in found.last_success
        if row["LAST_SUCCESS_AT"] is not None
    }
    hops = tuple(_hop_health(hop, database, runs, last_success, found, as_of) for hop in HOPS)
    intake_row = runs.get(INTAKE_PROCEDURE, {})
    intake = IntakeHealth(
        records_accepted=_int(intake_row.get("ROWS_ACCEPTED")),
        records_rejected=_int(intake_row.get("ROWS_REJECTED")),
        duplicates_ignored=_int(intake_row.get("ROWS_DUPLICATE")),
    )
    rejects = {str(row["RULE_ID"]): _int(row["RECORDS"]) for row in found.rejects_by_rule}
    latency = Latency(
        transactions=_int(found.latency.get("TRANSACTIONS")),
        p50_seconds=_float(found.latency.get("P50_SECONDS")),
        p95_seconds=_float(found.latency.get("P95_SECONDS")),
        max_seconds=_float(found.latency.get("MAX_SECONDS")),
    )
    return HealthReport(
        database, window, as_of, hops, intake, rejects, latency, _dead_letter(found.dead_letter)
    )


def _dead_letter(found: Sequence[Row]) -> DeadLetterHealth:
    by_rule = {
        str(row["RULE_ID"]): {
            "records": _int(row["RECORDS"]),
            "redrivable": _int(row["REDRIVABLE"]),
        }
        for row in found
    }
    total = by_rule.pop("*", {"records": 0, "redrivable": 0})
    return DeadLetterHealth(total["records"], total["redrivable"], by_rule)


def _hop_health(
    hop: Hop,
    database: str,
    runs: Mapping[str, Row],
    last_success: Mapping[str, datetime],
    found: HealthRows,
    as_of: datetime,
) -> HopHealth:
    qualified_task = f"{database}.{hop.task}".upper()
    task_failures = [
        row for row in found.task_failures if str(row["TASK_NAME"]).upper() == qualified_task
    ]
    run_row = runs.get(hop.procedure, {})
    succeeded_at = last_success.get(hop.procedure)
    backlog = found.backlog.get(hop.stream, {})
    waiting = _int(backlog.get("ROWS_WAITING"))
    oldest = backlog.get("OLDEST_WAITING_AT")
    if waiting == 0:
        oldest_minutes: float | None = 0.0
    elif oldest is None:
        oldest_minutes = None
    else:
        oldest_minutes = max(0.0, _minutes(as_of - as_utc(oldest)))
    errors = [str(row["ERROR_MESSAGE"]) for row in task_failures if row.get("ERROR_MESSAGE")]
    return HopHealth(
        task=hop.task,
        procedure=hop.procedure,
        stream=hop.stream,
        runs_succeeded=_int(run_row.get("RUNS_SUCCEEDED")),
        runs_failed=max(len(task_failures), _int(run_row.get("RUNS_FAILED"))),
        last_error=errors[-1] if errors else None,
        last_success_at=succeeded_at,
        minutes_since_success=None if succeeded_at is None else _minutes(as_of - succeeded_at),
        rows_waiting=waiting,
        oldest_waiting_minutes=oldest_minutes,
        records_accepted=_int(run_row.get("ROWS_ACCEPTED")),
        records_rejected=_int(run_row.get("ROWS_REJECTED")),
    )


def fetch_rows(
    connection: Connection, variables: SqlVariables, window: HealthWindow, as_of: datetime
) -> HealthRows:
    params = window_params(window.start, window.end)
    history_params = params | {"history_start": task_history_start(window.start, as_of).isoformat()}
    backlog: dict[str, Row] = {}
    for hop in HOPS:
        found = rows(connection, hop.backlog_query, variables)
        backlog[hop.stream] = found[0] if found else {}
    latency = rows(connection, "latency", variables, params)
    return HealthRows(
        run_log=rows(connection, "run_log_window", variables, params),
        last_success=rows(connection, "run_log_last_success", variables),
        task_failures=rows(connection, "task_failures", variables, history_params),
        backlog=backlog,
        rejects_by_rule=rows(connection, "rejects_by_rule", variables, params),
        latency=latency[0] if latency else {},
        dead_letter=rows(connection, "dead_letter", variables),
    )


def compute_health(
    connection: Connection,
    variables: SqlVariables | None = None,
    window: HealthWindow | None = None,
    *,
    now: datetime | None = None,
) -> HealthReport:
    """Query the warehouse and compute the report (default window: the last whole 5 minutes)."""
    variables = variables or SqlVariables()
    as_of = as_utc(now) if now is not None else datetime.now(UTC)
    window = window or HealthWindow.ending_before(as_of, DEFAULT_WINDOW)
    found = fetch_rows(connection, variables, window, as_of)
    return summarize(found, database=variables.database, window=window, as_of=as_of)


def _int(value: Any) -> int:
    return 0 if value is None else int(value)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _minutes(delta: timedelta) -> float:
    return round(delta.total_seconds() / 60, 2)


def _iso_times(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _iso_times(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_iso_times(item) for item in value]
    return value
