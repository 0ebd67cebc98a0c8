"""Reconciliation per closed time window: every record put to Kinesis in a window has a place.

One definition, used by the scheduled canary against the deployment (``handler.py``: Kinesis's
``IncomingRecords``, Firehose's error output metric) and by the local run's reconciliation
(``local/reconcile``: the ledger's puts, the error folder, one window holding the whole run).
Per window ``[start, end)`` of Kinesis arrival time:

- ``put``: records Kinesis accepted (``IncomingRecords``; locally the ledger);
- ``error_output``: records Firehose wrote to its error output instead of Bronze;
- ``bronze``: distinct Kinesis records in Bronze (a redelivered copy counts once);
- ``placed``: those whose content is in Silver or REJECTED (``sql/window_fates.sql``); the rest
  of Bronze has no place yet (``no_place``);
- ``copies``: Bronze records whose content another record already carried (POS resends): they
  have their place through that other record, and the report says how many were ignored.

``unaccounted = put - error_output - placed``: records put that are nowhere they should be. A
window *closes* when that is 0. Judge a window only once it is older than the pipeline's
latency (``settle``), or records still in flight count as unaccounted.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from lambdas.snowflake_migrations.scripts import SqlVariables, render

SQL_FILE = Path(__file__).parent / "sql" / "window_fates.sql"


@dataclass(frozen=True)
class WindowCounts:
    start: datetime
    end: datetime
    put: int
    error_output: int
    bronze: int
    placed: int
    no_place: int
    copies: int

    @property
    def unaccounted(self) -> int:
        return self.put - self.error_output - self.placed

    @property
    def closed(self) -> bool:
        return self.unaccounted == 0

    def describe(self) -> str:
        return (
            f"{self.start:%Y-%m-%d %H:%M:%S}-{self.end:%H:%M:%S} UTC: {self.put} put, "
            f"{self.error_output} error output, {self.bronze} in Bronze, {self.placed} placed "
            f"({self.copies} copies ignored), {self.unaccounted} unaccounted"
        )


def closed_windows(
    now: datetime, width: timedelta, settle: timedelta, count: int
) -> Iterator[tuple[datetime, datetime]]:
    """The ``count`` latest whole windows that ended at least ``settle`` ago, oldest first."""
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    latest_end = epoch + ((now - settle - epoch) // width) * width
    for index in range(count, 0, -1):
        end = latest_end - (index - 1) * width
        yield end - width, end


@cache
def _sql(variables: SqlVariables) -> str:
    return render(SQL_FILE.read_text(encoding="utf-8"), variables)


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def bronze_fates(
    connection: Any, variables: SqlVariables, start: datetime, end: datetime
) -> dict[str, int]:
    cursor = connection.cursor()
    try:
        cursor.execute(_sql(variables), {"start_ms": _millis(start), "end_ms": _millis(end)})
        columns = [str(column[0]).upper() for column in cursor.description]
        row = cursor.fetchone()
        return {column: int(value or 0) for column, value in zip(columns, row, strict=True)}
    finally:
        cursor.close()


def window_counts(
    connection: Any,
    variables: SqlVariables,
    start: datetime,
    end: datetime,
    *,
    put: int,
    error_output: int,
) -> WindowCounts:
    fates = bronze_fates(connection, variables, start, end)
    bronze = fates["BRONZE_RECORDS"]
    return WindowCounts(
        start=start,
        end=end,
        put=put,
        error_output=error_output,
        bronze=bronze,
        placed=bronze - fates["NO_PLACE"],
        no_place=fates["NO_PLACE"],
        copies=bronze - fates["DISTINCT_CONTENTS"],
    )


def metric_sum(
    cloudwatch: Any,
    namespace: str,
    metric: str,
    dimensions: dict[str, str],
    start: datetime,
    end: datetime,
) -> int:
    """A metric's Sum over ``[start, end)`` (one period covering the window)."""
    answer = cloudwatch.get_metric_statistics(
        Namespace=namespace,
        MetricName=metric,
        Dimensions=[{"Name": k, "Value": v} for k, v in dimensions.items()],
        StartTime=start,
        EndTime=end,
        Period=max(60, int((end - start).total_seconds())),
        Statistics=["Sum"],
    )
    return int(sum(point["Sum"] for point in answer.get("Datapoints", [])))


def deployed_window(
    cloudwatch: Any,
    connection: Any,
    variables: SqlVariables,
    stream_name: str,
    delivery_stream_name: str,
    start: datetime,
    end: datetime,
) -> WindowCounts:
    """A window of the deployment: Kinesis's IncomingRecords and Firehose's records written to
    its S3 backup (the error output) from CloudWatch, the fates from the warehouse."""
    put = metric_sum(
        cloudwatch, "AWS/Kinesis", "IncomingRecords", {"StreamName": stream_name}, start, end
    )
    errors = metric_sum(
        cloudwatch,
        "AWS/Firehose",
        "DeliveryToS3.Records",
        {"DeliveryStreamName": delivery_stream_name},
        start,
        end,
    )
    return window_counts(connection, variables, start, end, put=put, error_output=errors)


@dataclass(frozen=True)
class WindowSettings:
    width: timedelta = timedelta(minutes=5)
    # Older than the latency budget's worst case, so nothing is still in flight.
    settle: timedelta = timedelta(minutes=10)
    count: int = 3
    # Wait after the canary until its own window is judged (short local windows only).
    wait_for_canary: bool = False


def window_checks(
    cloudwatch: Any,
    connection: Any,
    variables: SqlVariables,
    stream_name: str,
    delivery_stream_name: str,
    settings: WindowSettings,
    now: datetime | None = None,
) -> Iterator[WindowCounts]:
    moment = now or datetime.now(UTC)
    for start, end in closed_windows(moment, settings.width, settings.settle, settings.count):
        yield deployed_window(
            cloudwatch, connection, variables, stream_name, delivery_stream_name, start, end
        )
