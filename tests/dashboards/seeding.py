"""Seed a local warehouse the way production fills Snowflake: pos.v1 records from the producer,
through the real transform handler inside the local Firehose worker, into Bronze, then the tasks.
"""

from __future__ import annotations

import functools
import itertools
import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from lambdas.transform.handler import lambda_handler
from local.firehose.checkpoint import CheckpointStore
from local.firehose.error_output import ErrorOutput
from local.firehose.event import DeliveryStream, SourceRecord
from local.firehose.invoke import TransformInvoker
from local.firehose.worker import FirehoseWorker
from local.warehouse import LocalWarehouse
from producer.generator import GeneratorOptions, SaleGenerator
from producer.kinds import KindGenerator, encode
from producer.records import ProducedRecord

REPO = Path(__file__).resolve().parents[2]
SNOWFLAKE_DIR = REPO / "snowflake"
STREAM_NAME = "pos-sales"
STREAM_ARN = f"arn:aws:kinesis:us-east-1:000000000000:stream/{STREAM_NAME}"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:000000000000:function:pos-transform"
DELIVERY = DeliveryStream(
    name="pos-to-snowflake",
    arn="arn:aws:firehose:us-east-1:000000000000:deliverystream/pos-to-snowflake",
    source_stream_arn=STREAM_ARN,
    region="us-east-1",
    lambda_arn=FUNCTION_ARN,
)


@dataclass(frozen=True)
class SeedPlan:
    records: int
    base_time: datetime
    seed: int = 7
    bad_rate: float = 0.0
    duplicate_rate: float = 0.0
    seconds_between_sales: float = 60.0
    # Hand-written pos.v1 records delivered after the generated ones (e.g. a bulk sale).
    extra_records: tuple[bytes, ...] = ()
    # Good records of each other kind (clickstream, iot, app_log, cdc), spread evenly over the
    # sales' time span, delivered after the sales.
    other_kind_records: int = 0


def bulk_sale(
    store_id: str, city: str, product_id: str, price: Decimal, quantity: int, at: datetime
) -> bytes:
    """One valid pos.v1 sale of ``quantity`` units: drives a product down to its reorder point."""
    total = price * quantity
    sale = {
        "store_id": store_id,
        "city": city,
        "transaction_id": f"bulk-{store_id}-{product_id}-{int(at.timestamp())}",
        "timestamp": at.isoformat(timespec="milliseconds"),
        "items": [
            {
                "product_id": product_id,
                "price": float(price),
                "quantity": quantity,
                "canceled": False,
            }
        ],
        "total_amount": float(total),
        "payment_method": "credit_card",
        "refund": None,
        "cancel_item": None,
        "schema_version": "pos.v1",
    }
    return json.dumps(sale).encode()


def create_warehouse(db_dir: Path) -> LocalWarehouse:
    warehouse = LocalWarehouse(db_dir)
    warehouse.apply_migrations(SNOWFLAKE_DIR)
    return warehouse


def _other_kinds(plan: SeedPlan, first_sequence: int) -> list[SourceRecord]:
    """``plan.other_kind_records`` good records of each other kind, each arriving 2 s after its
    event time; the times spread over the span the sales cover."""
    span = plan.seconds_between_sales * plan.records
    records: list[SourceRecord] = []
    for kind in ("clickstream.v1", "iot.v1", "app_log.v1", "cdc.v1"):
        step = timedelta(seconds=span / max(plan.other_kind_records, 1))
        times = (plan.base_time + step * (n + 1) for n in itertools.count())
        generator = KindGenerator(
            kind, random.Random(f"{kind}:{plan.seed}"), functools.partial(next, times)
        )
        for _ in range(plan.other_kind_records):
            event = generator.good()
            data = encode(event)
            moment = generator.last_time or plan.base_time
            records.append(
                SourceRecord(
                    stream_arn=STREAM_ARN,
                    shard_id="shardId-000000000000",
                    sequence_number=str(49_000_000_000_000_000_000 + first_sequence + len(records)),
                    subsequence_number=0,
                    partition_key="kinds",
                    data=data,
                    arrival_ms=int(moment.timestamp() * 1000) + 2000,
                )
            )
    return records


def deliver(warehouse: LocalWarehouse, work_dir: Path, plan: SeedPlan) -> int:
    """Produce ``plan.records`` records and deliver them to Bronze; returns Bronze rows added."""
    generator = SaleGenerator(
        GeneratorOptions(
            seed=plan.seed,
            base_time=plan.base_time,
            bad_rate=plan.bad_rate,
            duplicate_rate=plan.duplicate_rate,
            seconds_between_sales=plan.seconds_between_sales,
        )
    )
    # Sale n happens at most (n + 1) spacings after base_time and reaches Kinesis 2 s later;
    # bad records and resends do not advance the sale clock, so arrival never precedes the sale.
    base_ms = int(plan.base_time.timestamp() * 1000)
    spacing_ms = int(plan.seconds_between_sales * 1000)
    batch = [
        SourceRecord(
            stream_arn=STREAM_ARN,
            shard_id="shardId-000000000000",
            sequence_number=str(49_000_000_000_000_000_000 + position),
            subsequence_number=0,
            partition_key=produced.partition_key,
            data=produced.data,
            arrival_ms=base_ms + (position + 1) * spacing_ms + 2000,
        )
        for position, produced in enumerate(
            itertools.chain(
                itertools.islice(generator, plan.records),
                (ProducedRecord.from_bytes(data) for data in plan.extra_records),
            )
        )
    ]
    batch += _other_kinds(plan, first_sequence=len(batch))
    worker = FirehoseWorker(
        client=None,  # type: ignore[arg-type]  # deliver() never reads Kinesis
        source_stream_name=STREAM_NAME,
        delivery_stream=DELIVERY,
        sink=warehouse,
        error_output=ErrorOutput(work_dir / "firehose-errors", DELIVERY.name, FUNCTION_ARN),
        checkpoints=CheckpointStore(work_dir / "checkpoints"),
        invoker=TransformInvoker(lambda_handler, FUNCTION_ARN),
    )
    worker.deliver(batch)
    return worker.stats.bronze_rows
