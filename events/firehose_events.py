"""Builds the sample Firehose events in this folder (Kinesis-stream source shape).

    python -m events.firehose_events    # rewrites both firehose_kinesis_*.json files

Also used by the transform tests and benchmark for realistic ``pos.v1`` sales and known-bad records.
"""

from __future__ import annotations

import base64
import json
import random
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

EVENTS_DIR = Path(__file__).parent
STREAM_ARN = "arn:aws:kinesis:eu-west-1:123456789012:stream/retail-pos-events"
DELIVERY_STREAM_ARN = (
    "arn:aws:firehose:eu-west-1:123456789012:deliverystream/retail-pos-to-snowflake"
)
REGION = "eu-west-1"

# (store_id, city, UTC offset in hours): stores in three time zones.
STORES = [
    ("S001", "Lisbon", 0),
    ("S002", "Porto", 0),
    ("S003", "Madrid", 1),
    ("S004", "Barcelona", 1),
    ("S005", "New York", -5),
    ("S006", "Boston", -5),
]
PAYMENT_METHODS = ["card", "cash", "mobile", "gift_card"]
PRODUCTS = {
    f"P{n:04d}": Decimal(random.Random(n).randint(99, 9999)) / 100  # noqa: S311
    for n in range(1, 201)
}
FIRST_SEQUENCE_NUMBER = 49546986683135544286507457936321625675700192471156785154
BASE_TIME = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def realistic_sale(rng: random.Random, index: int) -> dict[str, Any]:
    """One plausible pos.v1 sale; lines, refunds and canceled items vary with ``rng``."""
    store_id, city, offset_hours = rng.choice(STORES)
    local_tz = timezone(timedelta(hours=offset_hours))
    moment = (BASE_TIME + timedelta(seconds=index * 7 + rng.randint(0, 6))).astimezone(local_tz)
    items: list[dict[str, Any]] = []
    for product_id in rng.sample(sorted(PRODUCTS), rng.randint(1, 6)):
        items.append(
            {
                "product_id": product_id,
                "price": PRODUCTS[product_id],
                "quantity": rng.randint(1, 4),
                "canceled": rng.random() < 0.05,
            }
        )
    total = sum((i["price"] * i["quantity"] for i in items if not i["canceled"]), Decimal("0"))
    refund = None
    if rng.random() < 0.03:
        refund = {
            "refund_amount": items[0]["price"],
            "refund_method": rng.choice(PAYMENT_METHODS[:2]),
            "timestamp": (moment + timedelta(minutes=5)).isoformat(timespec="milliseconds"),
        }
    cancel_item = next((dict(i) for i in items if i["canceled"]), None)
    return {
        "schema_version": "pos.v1",
        "store_id": store_id,
        "city": city,
        "register_id": f"{store_id}-R{rng.randint(1, 6):02d}",
        "cashier_id": f"C{rng.randint(100, 999)}",
        "transaction_id": f"{store_id}-{BASE_TIME:%Y%m%d}-{index:08d}",
        "timestamp": moment.isoformat(timespec="milliseconds"),
        "currency": "USD" if offset_hours < 0 else "EUR",
        "items": items,
        "total_amount": total,
        "payment_method": rng.choice(PAYMENT_METHODS),
        "refund": refund,
        "cancel_item": cancel_item,
    }


def sale_bytes(sale: dict[str, Any]) -> bytes:
    """Compact JSON bytes of a sale. Money becomes a JSON number with the same digits: every
    amount here has at most 10 significant digits, which a float's repr reproduces exactly."""
    return json.dumps(sale, separators=(",", ":"), default=float).encode()


def _deeply_nested(depth: int) -> bytes:
    return b'{"store_id":"S001","nested":' + b"[" * depth + b"]" * depth + b"}"


def _with(sale: dict[str, Any], **changes: Any) -> bytes:
    return sale_bytes({**sale, **changes})


def bad_records(rng: random.Random) -> dict[str, bytes]:
    """One record of each known-bad kind (and one valid record with unknown fields), by name."""
    sale = realistic_sale(rng, 900_000)
    first_item = sale["items"][0]
    good = sale_bytes(sale)
    return {
        "not_json": b"store S001 sold 2 x P0001 for 25.98",
        "truncated_json": good[: len(good) // 2],
        "json_array": b"[" + good + b"]",
        "json_scalar": b"42",
        "not_utf8": b'{"store_id":"S001","city":"M\xe1laga"}',
        "empty": b"",
        "missing_field": _with({k: v for k, v in sale.items() if k != "transaction_id"}),
        "price_as_text": _with(sale, items=[{**first_item, "price": "twelve"}]),
        "zero_quantity": _with(sale, items=[{**first_item, "quantity": 0}]),
        "negative_quantity": _with(sale, items=[{**first_item, "quantity": -2}]),
        "empty_items": _with(sale, items=[]),
        "nan_amount": good.replace(b'"total_amount":', b'"total_amount":NaN,"was":', 1),
        "infinity_amount": good.replace(b'"total_amount":', b'"total_amount":Infinity,"was":', 1),
        "huge_number": good.replace(b'"total_amount":', b'"total_amount":1e400,"was":', 1),
        "huge_money": _with(sale, total_amount=Decimal("123456789012345.67")),
        "naive_timestamp": _with(sale, timestamp="2026-11-30T09:00:00"),
        "unparseable_timestamp": _with(sale, timestamp="yesterday at noon"),
        "duplicate_keys": good.replace(
            b'{"schema_version"', b'{"store_id":"S999","schema_version"'
        ),
        "deep_nesting": _deeply_nested(300),
        "unknown_extra_fields": _with(sale, loyalty={"card": "L-7781", "points": 120}, lane=3),
    }


def firehose_kinesis_event(
    records: list[tuple[bytes, str]],
    *,
    invocation_id: str = "2b4d1ad9-2f48-94bd-a088-767c317e994a",
    first_sequence: int = FIRST_SEQUENCE_NUMBER,
) -> dict[str, Any]:
    """A Firehose transformation event with a Kinesis-stream source: (data, partition key) pairs."""
    arrival_ms = int(BASE_TIME.timestamp() * 1000)
    entries = []
    for offset, (data, partition_key) in enumerate(records):
        sequence = str(first_sequence + offset * 1_000_000)
        arrival = arrival_ms + offset * 37
        entries.append(
            {
                "recordId": f"{sequence}{offset:012d}",
                "approximateArrivalTimestamp": arrival,
                "data": base64.b64encode(data).decode("ascii"),
                "kinesisRecordMetadata": {
                    "shardId": f"shardId-{offset % 4:012d}",
                    "partitionKey": partition_key,
                    "approximateArrivalTimestamp": arrival,
                    "sequenceNumber": sequence,
                    "subsequenceNumber": 0,
                },
            }
        )
    return {
        "invocationId": invocation_id,
        "sourceKinesisStreamArn": STREAM_ARN,
        "deliveryStreamArn": DELIVERY_STREAM_ARN,
        "region": REGION,
        "records": entries,
    }


def clean_event(count: int = 25, seed: int = 7) -> dict[str, Any]:
    rng = random.Random(seed)  # noqa: S311 (reproducible sample data)
    sales = [realistic_sale(rng, index) for index in range(count)]
    return firehose_kinesis_event([(sale_bytes(sale), sale["store_id"]) for sale in sales])


def mixed_bad_event(seed: int = 11) -> dict[str, Any]:
    rng = random.Random(seed)  # noqa: S311 (reproducible sample data)
    good = [sale_bytes(realistic_sale(rng, index)) for index in range(5)]
    bad = list(bad_records(rng).values())
    records = [(data, "S001") for data in good[:3] + bad + good[3:]]
    return firehose_kinesis_event(records, invocation_id="7f7c6a0e-5c3b-4f0e-9a39-3c0a2a9c1b11")


def main() -> None:
    for name, event in [
        ("firehose_kinesis_clean.json", clean_event()),
        ("firehose_kinesis_mixed_bad.json", mixed_bad_event()),
    ]:
        (EVENTS_DIR / name).write_text(json.dumps(event, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
