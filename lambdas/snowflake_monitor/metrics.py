"""The CloudWatch metrics the monitor publishes: names (shared with the CDK alarms) and the pure
mapping from a :class:`HealthReport` to ``PutMetricData`` datums.

Window counts are stamped at the window's start, so each lands in the 5-minute CloudWatch period
it describes; backlogs and ages are stamped at the time they were measured. Every hop and the
intake get a datum on every run (zeros included), so a missing datapoint means the monitor did
not run, never that all was well.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from lambdas.snowflake_monitor.health import HealthReport

NAMESPACE = "RetailPosPipeline/Snowflake"

DIMENSION_DATABASE = "Database"
DIMENSION_TASK = "Task"
DIMENSION_STREAM = "Stream"
DIMENSION_RULE = "Rule"

TASK_RUNS_FAILED = "TaskRunsFailed"
TASK_RUNS_SUCCEEDED = "TaskRunsSucceeded"
MINUTES_SINCE_TASK_SUCCESS = "MinutesSinceTaskSuccess"
STREAM_ROWS_WAITING = "StreamRowsWaiting"
STREAM_OLDEST_WAITING_MINUTES = "StreamOldestWaitingMinutes"
RECORDS_ACCEPTED = "RecordsAccepted"
RECORDS_REJECTED = "RecordsRejected"
DUPLICATES_IGNORED = "DuplicatesIgnored"
REJECTED_SHARE = "RejectedShare"
REJECTED_BY_RULE = "RejectedByRule"
KINESIS_TO_SILVER_P95 = "KinesisToSilverP95Seconds"
# The dead letter's size now, and how many of its records a redrive would accept today.
DEAD_LETTER_RECORDS = "DeadLetterRecords"
DEAD_LETTER_REDRIVABLE = "DeadLetterRedrivable"
# Per task: records its procedure accepted and rejected in the window (every kind's share).
TASK_RECORDS_ACCEPTED = "TaskRecordsAccepted"
TASK_RECORDS_REJECTED = "TaskRecordsRejected"

# PutMetricData accepts at most 1000 datums per request.
MAX_DATUMS_PER_CALL = 1000


def _datum(
    name: str,
    value: float,
    unit: str,
    dimensions: dict[str, str],
    report: HealthReport,
    *,
    windowed: bool,
) -> dict[str, Any]:
    return {
        "MetricName": name,
        "Dimensions": [{"Name": key, "Value": item} for key, item in dimensions.items()],
        "Timestamp": report.window.start if windowed else report.as_of,
        "Value": float(value),
        "Unit": unit,
    }


def metric_data(report: HealthReport) -> list[dict[str, Any]]:
    """Every datum for one monitor run."""
    base = {DIMENSION_DATABASE: report.database}
    data: list[dict[str, Any]] = []

    def add(name: str, value: float, unit: str, extra: dict[str, str], *, windowed: bool) -> None:
        data.append(_datum(name, value, unit, base | extra, report, windowed=windowed))

    for hop in report.hops:
        task = {DIMENSION_TASK: hop.task}
        stream = {DIMENSION_STREAM: hop.stream}
        add(TASK_RUNS_FAILED, hop.runs_failed, "Count", task, windowed=True)
        add(TASK_RUNS_SUCCEEDED, hop.runs_succeeded, "Count", task, windowed=True)
        add(TASK_RECORDS_ACCEPTED, hop.records_accepted, "Count", task, windowed=True)
        add(TASK_RECORDS_REJECTED, hop.records_rejected, "Count", task, windowed=True)
        if hop.minutes_since_success is not None:
            add(MINUTES_SINCE_TASK_SUCCESS, hop.minutes_since_success, "None", task, windowed=False)
        add(STREAM_ROWS_WAITING, hop.rows_waiting, "Count", stream, windowed=False)
        if hop.oldest_waiting_minutes is not None:
            add(
                STREAM_OLDEST_WAITING_MINUTES,
                hop.oldest_waiting_minutes,
                "None",
                stream,
                windowed=False,
            )
    intake = report.intake
    add(RECORDS_ACCEPTED, intake.records_accepted, "Count", {}, windowed=True)
    add(RECORDS_REJECTED, intake.records_rejected, "Count", {}, windowed=True)
    add(DUPLICATES_IGNORED, intake.duplicates_ignored, "Count", {}, windowed=True)
    if intake.rejected_share is not None:
        add(REJECTED_SHARE, intake.rejected_share, "None", {}, windowed=True)
    for rule, count in sorted(report.rejects_by_rule.items()):
        add(REJECTED_BY_RULE, count, "Count", {DIMENSION_RULE: rule}, windowed=True)
    add(DEAD_LETTER_RECORDS, report.dead_letter.records, "Count", {}, windowed=False)
    add(DEAD_LETTER_REDRIVABLE, report.dead_letter.redrivable, "Count", {}, windowed=False)
    if report.latency.p95_seconds is not None:
        add(KINESIS_TO_SILVER_P95, report.latency.p95_seconds, "Seconds", {}, windowed=True)
    return data


def _chunks(data: Sequence[dict[str, Any]], size: int) -> Iterable[Sequence[dict[str, Any]]]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def publish(cloudwatch: Any, data: Sequence[dict[str, Any]], namespace: str = NAMESPACE) -> int:
    """Send ``data`` with PutMetricData; returns the number of requests made."""
    calls = 0
    for chunk in _chunks(data, MAX_DATUMS_PER_CALL):
        cloudwatch.put_metric_data(Namespace=namespace, MetricData=list(chunk))
        calls += 1
    return calls
