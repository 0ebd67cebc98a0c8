"""Builds the sample Firehose events in this folder (Kinesis-stream source shape).

    python -m events.firehose_events    # rewrites both firehose_kinesis_*.json files

The sales are the producer's own (``producer.generator.SaleGenerator`` over ``producer.catalog``),
so they use the stores, products and payment methods Silver knows and a clean sample is accepted
end to end. ``bad_records`` derives one record of each known-bad kind from such sales.
``firehose_kinesis_event`` builds AWS's documented event shape on its own, deliberately apart
from ``local.firehose.event``: the transform tests check the handler against AWS, not against our
own worker. Also used by the transform tests and benchmark.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from producer.catalog import STORES_BY_ID
from producer.generator import GeneratorOptions, SaleGenerator, encode_sale
from producer.records import partition_key_for

EVENTS_DIR = Path(__file__).parent
STREAM_ARN = "arn:aws:kinesis:eu-west-1:123456789012:stream/retail-pos-events"
DELIVERY_STREAM_ARN = (
    "arn:aws:firehose:eu-west-1:123456789012:deliverystream/retail-pos-to-snowflake"
)
REGION = "eu-west-1"
FIRST_SEQUENCE_NUMBER = 49546986683135544286507457936321625675700192471156785154
# The first record's Kinesis arrival. Sales start a second earlier: Silver rejects a sale stamped
# more than 10 minutes after it reached Kinesis.
BASE_TIME = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
SALES_START = BASE_TIME - timedelta(seconds=1)

sale_bytes = encode_sale  # compact UTF-8 JSON, exactly as the producer writes a sale


def sales(seed: int) -> Iterator[dict[str, Any]]:
    """Endless valid ``pos.v1`` sales from the producer's generator: same seed, same sales."""
    generator = SaleGenerator(GeneratorOptions(seed=seed, base_time=SALES_START))
    while True:
        yield generator.next_sale()


def realistic_sale(seed: int) -> dict[str, Any]:
    """The first sale of ``sales(seed)``."""
    return next(sales(seed))


def _with(sale: dict[str, Any], **changes: Any) -> bytes:
    return sale_bytes({**sale, **changes})


def _first_item(sale: dict[str, Any], **changes: Any) -> list[dict[str, Any]]:
    return [{**sale["items"][0], **changes}, *sale["items"][1:]]


def _plus(amount: float, extra: str) -> float:
    return float(Decimal(str(amount)) + Decimal(extra))


def _other_currency(sale: dict[str, Any]) -> str:
    return "EUR" if STORES_BY_ID[sale["store_id"]].currency != "EUR" else "USD"


def bad_records(seed: int) -> dict[str, bytes]:
    """One record of each known-bad kind, by name, each made from its own real sale.

    The transform flags all but the last seven: those are well-formed ``pos.v1`` that only
    Silver's reference-data and consistency rules reject, and ``unknown_extra_fields``, which
    is valid everywhere (extra fields are kept).
    """
    real = sales(seed)
    good = sale_bytes(next(real))
    latin1 = {**next(real), "note": "Olá"}  # a POS that encodes Latin-1, not UTF-8
    return {
        "not_json": _as_text(next(real)),
        "truncated_json": good[: len(good) // 2],
        "json_array": b"[" + good + b"]",
        "json_scalar": b"42",
        "not_utf8": json.dumps(latin1, separators=(",", ":"), ensure_ascii=False).encode("latin-1"),
        "empty": b"",
        "missing_field": sale_bytes({k: v for k, v in next(real).items() if k != "transaction_id"}),
        "price_as_text": _with(sale := next(real), items=_first_item(sale, price="twelve")),
        "zero_quantity": _with(sale := next(real), items=_first_item(sale, quantity=0)),
        "negative_quantity": _with(sale := next(real), items=_first_item(sale, quantity=-2)),
        "empty_items": _with(next(real), items=[]),
        "nan_amount": sale_bytes(next(real)).replace(
            b'"total_amount":', b'"total_amount":NaN,"was":', 1
        ),
        "infinity_amount": sale_bytes(next(real)).replace(
            b'"total_amount":', b'"total_amount":Infinity,"was":', 1
        ),
        "huge_number": sale_bytes(next(real)).replace(
            b'"total_amount":', b'"total_amount":1e400,"was":', 1
        ),
        "huge_money": _with(next(real), total_amount=123456789012345.67),
        "naive_timestamp": _with(sale := next(real), timestamp=sale["timestamp"][:23]),
        "unparseable_timestamp": _with(next(real), timestamp="yesterday at noon"),
        "duplicate_keys": sale_bytes(next(real)).replace(b'{"', b'{"store_id":"S999","', 1),
        "deep_nesting": _deeply_nested(next(real)["store_id"], 300),
        # Valid for the transform; Silver rejects each for one rule.
        "unknown_store": _with(next(real), store_id="S999"),
        "unknown_product": _with(sale := next(real), items=_first_item(sale, product_id="P999")),
        "unknown_payment_method": _with(next(real), payment_method="bitcoin"),
        "currency_mismatch": _with(sale := next(real), currency=_other_currency(sale)),
        "total_mismatch": _with(sale := next(real), total_amount=_plus(sale["total_amount"], "1")),
        "refund_exceeds_total": _with(
            sale := next(real),
            refund={
                "refund_amount": _plus(sale["total_amount"], "10"),
                "refund_method": sale["payment_method"],
                "timestamp": sale["timestamp"],
            },
        ),
        "unknown_extra_fields": _with(
            next(real), loyalty={"card": "L-7781", "points": 120}, lane=3
        ),
    }


def _as_text(sale: dict[str, Any]) -> bytes:
    line = sale["items"][0]
    return (
        f"store {sale['store_id']} sold {line['quantity']} x {line['product_id']}"
        f" for {sale['total_amount']}"
    ).encode()


def _deeply_nested(store_id: str, depth: int) -> bytes:
    return (
        b'{"store_id":"' + store_id.encode() + b'","nested":' + b"[" * depth + b"]" * depth + b"}"
    )


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


def keyed(payloads: list[bytes]) -> list[tuple[bytes, str]]:
    """Each payload with the partition key the producer gives it (store id, else UNKNOWN)."""
    return [(data, partition_key_for(data)) for data in payloads]


def clean_event(count: int = 25, seed: int = 7) -> dict[str, Any]:
    """``count`` valid sales that Silver accepts, one per record."""
    real = sales(seed)
    return firehose_kinesis_event(keyed([sale_bytes(next(real)) for _ in range(count)]))


def mixed_bad_event(seed: int = 11) -> dict[str, Any]:
    """Three valid sales, every kind of ``bad_records(seed)``, then two more valid sales."""
    real = sales(seed + 1_000_000)  # apart from the sales bad_records(seed) draws from
    good = [sale_bytes(next(real)) for _ in range(5)]
    bad = list(bad_records(seed).values())
    return firehose_kinesis_event(
        keyed(good[:3] + bad + good[3:]), invocation_id="7f7c6a0e-5c3b-4f0e-9a39-3c0a2a9c1b11"
    )


def main() -> None:
    for name, event in [
        ("firehose_kinesis_clean.json", clean_event()),
        ("firehose_kinesis_mixed_bad.json", mixed_bad_event()),
    ]:
        (EVENTS_DIR / name).write_text(json.dumps(event, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
