"""Reconciliation per window on the twin: records put in a window all have a place, and a
window whose records do not all arrive (a Bronze row silently lost) is reported unaccounted."""

from __future__ import annotations

import json
import random
import time
from datetime import UTC, datetime, timedelta

from lambdas.pipeline_verify.windows import closed_windows, deployed_window
from producer.kinds import KindGenerator, encode
from tests.verify.conftest import Twin


def _put_sales(twin: Twin, count: int, tag: str) -> None:
    kinesis = twin.aws("kinesis")
    stamp = datetime.now(UTC).isoformat()
    records = []
    for index in range(count):
        sale = {
            "store_id": "S001",
            "city": "New York",
            "transaction_id": f"W-{tag}-{index}",
            "timestamp": stamp,
            "total_amount": 2.5,
            "payment_method": "cash",
            "items": [{"product_id": "P002", "price": 2.5, "quantity": 1, "canceled": False}],
            "refund": None,
            "cancel_item": None,
        }
        records.append({"Data": json.dumps(sale).encode(), "PartitionKey": "S001"})
    records.append(dict(records[0]))  # a POS resend: a copy with its place through the first
    answer = kinesis.put_records(StreamName=twin.target.stack.output("StreamName"), Records=records)
    assert answer["FailedRecordCount"] == 0


def _window(twin: Twin, start: datetime, end: datetime):  # type: ignore[no-untyped-def]
    stack = twin.target.stack
    return deployed_window(
        twin.aws("cloudwatch"),
        twin.target.connection,
        twin.target.variables,
        stack.output("StreamName"),
        stack.output("DeliveryStreamName"),
        start,
        end,
    )


def _settled(twin: Twin, start: datetime, end: datetime, placed: int) -> None:
    deadline = time.monotonic() + 60
    while _window(twin, start, end).placed < placed and time.monotonic() < deadline:
        time.sleep(0.5)


def test_a_window_closes_when_every_record_has_a_place_and_not_when_one_is_lost(
    twin: Twin,
) -> None:
    # Whole seconds: CloudWatch times are whole seconds.
    start = datetime.now(UTC).replace(microsecond=0)
    time.sleep(0.01)
    _put_sales(twin, 10, "A")
    end = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    time.sleep(max(0.0, (end - datetime.now(UTC)).total_seconds()))  # nothing else in it
    _settled(twin, start, end, placed=11)
    window = _window(twin, start, end)
    assert (window.put, window.bronze, window.placed, window.copies) == (11, 11, 11, 1)
    assert window.unaccounted == 0 and window.closed, window.describe()

    # One record silently not loaded: Firehose said nothing, Bronze lacks the row.
    twin.admin.execute(
        "DELETE FROM BRONZE.JSON_RAW_DATA WHERE RECORD_CONTENT:payload:transaction_id::STRING"
        " = 'W-A-3'"
    )
    lost = _window(twin, start, end)
    assert (lost.put, lost.bronze, lost.unaccounted, lost.closed) == (11, 10, 1, False)
    assert "1 unaccounted" in lost.describe()


def test_closed_windows_are_whole_and_older_than_the_settle_time() -> None:
    now = datetime(2026, 12, 2, 14, 7, 30, tzinfo=UTC)
    windows = list(closed_windows(now, timedelta(minutes=5), timedelta(minutes=10), 3))
    assert windows == [
        (datetime(2026, 12, 2, 13, 40, tzinfo=UTC), datetime(2026, 12, 2, 13, 45, tzinfo=UTC)),
        (datetime(2026, 12, 2, 13, 45, tzinfo=UTC), datetime(2026, 12, 2, 13, 50, tzinfo=UTC)),
        (datetime(2026, 12, 2, 13, 50, tzinfo=UTC), datetime(2026, 12, 2, 13, 55, tzinfo=UTC)),
    ]


def test_every_kind_has_its_place_in_a_window(twin: Twin) -> None:
    """Clickstream, IoT, app logs and CDC land in their own Silver tables or dead letters, and a
    record of no known kind in UNCLASSIFIED_REJECTED: none of them is unaccounted."""
    kinesis = twin.aws("kinesis")
    start = datetime.now(UTC).replace(microsecond=0)
    time.sleep(0.01)
    records = []
    for kind in ("clickstream.v1", "iot.v1", "app_log.v1", "cdc.v1"):
        generator = KindGenerator(kind, random.Random(kind), lambda: datetime.now(UTC))
        records.append(encode(generator.good()))
        records.append(generator.bad("missing_field"))
    records.append(json.dumps({"schema_version": "weather.v9", "station": "X"}).encode())
    answer = kinesis.put_records(
        StreamName=twin.target.stack.output("StreamName"),
        Records=[{"Data": data, "PartitionKey": str(n)} for n, data in enumerate(records)],
    )
    assert answer["FailedRecordCount"] == 0
    end = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    time.sleep(max(0.0, (end - datetime.now(UTC)).total_seconds()))
    _settled(twin, start, end, placed=len(records))
    window = _window(twin, start, end)
    assert (window.put, window.bronze, window.placed) == (9, 9, 9), window.describe()
    assert window.closed, window.describe()
