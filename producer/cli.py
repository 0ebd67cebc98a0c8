"""``python -m producer``: write a reproducible run file, or send generated or recorded sales.

``generate`` writes N records to a JSON Lines file (same seed and base time, same bytes).
``send`` puts generated records, or the lines of a recorded file, on a Kinesis stream at a chosen
rate; it works against real AWS (credentials from the usual boto3 chain) or any endpoint
(``--endpoint-url``, e.g. the local moto server).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import boto3
import typer

from producer.generator import GeneratorOptions, SaleGenerator
from producer.kinesis_producer import KinesisProducer, RateLimiter
from producer.records import JsonLinesWriter, ProducedRecord, read_json_lines

app = typer.Typer(help="POS sale producer: generator, Kinesis load generator, replay.")

Seed = Annotated[int, typer.Option(help="Same seed + base time = byte-identical records.")]
BaseTime = Annotated[
    datetime | None,
    typer.Option(
        formats=["%Y-%m-%dT%H:%M:%S%z"], help="Business time of the first sale (default now)."
    ),
]
BadRate = Annotated[float, typer.Option(min=0.0, max=1.0, help="Share of bad records.")]
DuplicateRate = Annotated[
    float, typer.Option(min=0.0, max=1.0, help="Share of byte-identical resends.")
]


def generator_options(
    seed: int, base_time: datetime | None, bad_rate: float, duplicate_rate: float
) -> GeneratorOptions:
    return GeneratorOptions(
        seed=seed,
        base_time=base_time.astimezone(UTC) if base_time else datetime.now(UTC),
        bad_rate=bad_rate,
        duplicate_rate=duplicate_rate,
    )


@app.command()
def generate(
    out: Annotated[Path, typer.Option(help="JSON Lines file to write.")],
    events: Annotated[int, typer.Option(min=1)] = 1000,
    seed: Seed = 0,
    base_time: BaseTime = None,
    bad_rate: BadRate = 0.0,
    duplicate_rate: DuplicateRate = 0.0,
) -> None:
    """Write generated records to a file (one record per line, byte for byte)."""
    options = generator_options(seed, base_time, bad_rate, duplicate_rate)
    writer = JsonLinesWriter(out)
    writer.write(itertools.islice(SaleGenerator(options), events))
    writer.sync()
    writer.close()
    typer.echo(f"wrote {events} records to {out}")


@app.command()
def send(
    stream: Annotated[str, typer.Option(help="Kinesis stream name.")],
    region: Annotated[str, typer.Option(envvar="AWS_REGION")] = "us-east-1",
    endpoint_url: Annotated[str | None, typer.Option(help="Non-AWS endpoint, e.g. moto.")] = None,
    from_file: Annotated[
        Path | None, typer.Option(help="Replay a recorded JSON Lines file.")
    ] = None,
    events: Annotated[int, typer.Option(min=1, help="Generated records to send.")] = 1000,
    rate: Annotated[
        float | None, typer.Option(min=1.0, help="Records per second (default: max).")
    ] = None,
    seed: Seed = 0,
    base_time: BaseTime = None,
    bad_rate: BadRate = 0.0,
    duplicate_rate: DuplicateRate = 0.0,
    record_to: Annotated[
        Path | None, typer.Option(help="Also write what was sent (JSONL).")
    ] = None,
) -> None:
    """Put generated or recorded records on a stream."""
    records: Iterator[ProducedRecord]
    if from_file is not None:
        records = read_json_lines(from_file)
    else:
        options = generator_options(seed, base_time, bad_rate, duplicate_rate)
        records = itertools.islice(SaleGenerator(options), events)
    client = boto3.client("kinesis", region_name=region, endpoint_url=endpoint_url)
    producer = KinesisProducer(client, stream, RateLimiter(rate))
    writer = JsonLinesWriter(record_to) if record_to else None
    started = time.monotonic()
    sent = 0
    for result in producer.put_all(_recorded(records, writer)):
        sent = result.index + 1
    if writer:
        writer.sync()
        writer.close()
    elapsed = time.monotonic() - started
    typer.echo(
        f"sent {sent} records to {stream} in {elapsed:.1f}s ({sent / max(elapsed, 1e-9):.0f}/s)"
    )


def _recorded(
    records: Iterator[ProducedRecord], writer: JsonLinesWriter | None
) -> Iterator[ProducedRecord]:
    for record in records:
        if writer:
            writer.write((record,))
        yield record
