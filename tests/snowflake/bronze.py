"""Bronze rows for the SQL tests, built the way production builds them.

Each POS event goes through the REAL transform handler (``lambdas.transform.handler``) inside a
Firehose Kinesis-source transformation event (built by the local Firehose worker's event module),
and the handler's output becomes ``RECORD_CONTENT``; ``RECORD_METADATA`` has Firehose's Kinesis
metadata shape. A redelivery is the same Kinesis record sent again: same shard, sequence number and
payload (the transform stamps a new ``received_at``, as it would in production).
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import orjson

# Powertools needs these before the handler module is imported (tracing stays off in tests).
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "pos-transform-test")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "RetailPosPipelineTest")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")

from lambdas.transform.handler import lambda_handler
from local.firehose.event import (
    DeliveryStream,
    SourceRecord,
    build_event,
    event_record,
    snowflake_metadata,
)
from local.firehose.invoke import FakeLambdaContext

KINESIS_STREAM = "pos-sales"
STREAM = DeliveryStream(
    name="pos-to-snowflake",
    arn="arn:aws:firehose:eu-west-1:123456789012:deliverystream/pos-to-snowflake",
    source_stream_arn=f"arn:aws:kinesis:eu-west-1:123456789012:stream/{KINESIS_STREAM}",
    region="eu-west-1",
    lambda_arn="arn:aws:lambda:eu-west-1:123456789012:function:pos-transform",
)
# A fixed "now" for arrival times, so TIMESTAMP_IN_FUTURE is judged against a known instant.
ARRIVAL = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)

BronzeRow = tuple[str, str]
# The seeded store whose currency (JPY) has no decimals.
YEN_STORE = "S007"


def sale(
    transaction_id: str,
    *,
    store_id: str = "S001",
    city: str = "New York",
    timestamp: str = "2026-11-30T09:15:02.123-05:00",
    items: Sequence[tuple[str, str, int, bool]] | None = None,
    payment_method: str = "credit_card",
    refund: str | None = None,
    total: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A valid pos.v1 sale; ``items`` are (product_id, price, quantity, canceled). By default two
    P001 at the store's shelf price: 59.99, or 5999 in the yen store (JPY has no decimals)."""
    if items is None:
        items = (("P001", "5999" if store_id == YEN_STORE else "59.99", 2, False),)
    lines: list[dict[str, Any]] = [
        {"product_id": product, "price": Decimal(price), "quantity": qty, "canceled": canceled}
        for product, price, qty, canceled in items
    ]
    computed = sum(
        (Decimal(price) * qty for _, price, qty, canceled in items if not canceled), Decimal(0)
    )
    return {
        "store_id": store_id,
        "city": city,
        "transaction_id": transaction_id,
        "timestamp": timestamp,
        "items": lines,
        "total_amount": Decimal(total) if total is not None else computed,
        "payment_method": payment_method,
        "refund": None
        if refund is None
        else {
            "refund_amount": Decimal(refund),
            "refund_method": payment_method,
            "timestamp": timestamp,
        },
        "cancel_item": None,
        "schema_version": "pos.v1",
        **extra,
    }


def encode(event: dict[str, Any] | bytes) -> bytes:
    """JSON bytes as a POS sends them: money as JSON numbers with their exact decimal text."""
    if isinstance(event, bytes):
        return event
    return orjson.dumps(event, default=_exact_number)


def _exact_number(value: object) -> Any:
    if isinstance(value, Decimal):
        return orjson.Fragment(str(value).encode())
    raise TypeError(type(value))


@dataclass
class KinesisShard:
    """Hands out increasing sequence numbers, like one Kinesis shard."""

    shard_id: str = "shardId-000000000000"
    next_sequence: int = 49_650_000_000_000_000_000_000_000_000_000_000_000_000_000_000
    arrival: datetime = ARRIVAL
    sent: list[SourceRecord] = field(default_factory=list)

    def put(self, data: bytes, partition_key: str = "S001") -> SourceRecord:
        self.next_sequence += 1
        self.arrival += timedelta(milliseconds=5)
        record = SourceRecord(
            stream_arn=STREAM.source_stream_arn,
            shard_id=self.shard_id,
            sequence_number=str(self.next_sequence),
            subsequence_number=0,
            partition_key=partition_key,
            data=data,
            arrival_ms=int(self.arrival.timestamp() * 1000),
        )
        self.sent.append(record)
        return record


def deliver(records: Iterable[SourceRecord]) -> list[BronzeRow]:
    """Run records through the transform handler; return the Bronze rows Firehose would write."""
    records = list(records)
    if not records:
        return []
    event = build_event(
        STREAM, "00000000-0000-4000-8000-000000000000", [event_record(r) for r in records]
    )
    # Through JSON, as the Lambda runtime delivers it.
    response = lambda_handler(
        orjson.loads(orjson.dumps(event)),
        FakeLambdaContext("pos-transform", STREAM.lambda_arn),
    )
    by_id = {entry["recordId"]: entry for entry in response["records"]}
    rows: list[BronzeRow] = []
    for record in records:
        entry = by_id[record.record_id]
        assert entry["result"] == "Ok", entry
        content = base64.b64decode(entry["data"]).decode("utf-8")
        metadata = snowflake_metadata(
            KINESIS_STREAM,
            shard_id=record.shard_id,
            partition_key=record.partition_key,
            sequence_number=record.sequence_number,
            subsequence_number=record.subsequence_number,
            ingestion_ms=record.arrival_ms + 1500,
        )
        rows.append((content, metadata.decode("utf-8")))
    return rows


def bronze_rows(
    events: Iterable[dict[str, Any] | bytes], shard: KinesisShard | None = None
) -> list[BronzeRow]:
    """Put each event on a (new or given) shard and deliver them through the transform."""
    shard = shard or KinesisShard()
    records = [shard.put(encode(event), _partition_key(event)) for event in events]
    return deliver(records)


def _partition_key(event: dict[str, Any] | bytes) -> str:
    if isinstance(event, dict) and isinstance(event.get("store_id"), str):
        return str(event["store_id"])
    return "unknown"


def forced_valid(rows: Sequence[BronzeRow]) -> list[BronzeRow]:
    """The same rows as if the transform had passed them (meta.status valid, no errors): shows
    that the SQL rules catch a problem on their own, whatever the transform version did."""
    patched: list[BronzeRow] = []
    for content, metadata in rows:
        document = orjson.loads(content)
        document["meta"]["status"] = "valid"
        document["meta"]["errors"] = []
        patched.append((orjson.dumps(document).decode("utf-8"), metadata))
    return patched
