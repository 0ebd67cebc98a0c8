"""What ``pos produce`` does (its options: ``pos/produce.py``): send sales (or every kind, by a
source mix: ``producer/mix.py``) to a Kinesis stream, or write them to a file.

Records are generated (seeded: same seed, same sales; stamped when produced unless a base time
asks for the reproducible synthetic clock) or read from a recorded JSON Lines file, and put on the
stream at a chosen rate. Works against real AWS (credentials and region from the usual boto3
chain) or any endpoint (``endpoint_url``, e.g. a local moto server).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import boto3

from producer.generator import GeneratorOptions, wall_clock
from producer.kinesis_producer import KinesisProducer, RateLimiter
from producer.mix import make_generator
from producer.records import JsonLinesWriter, ProducedRecord, read_json_lines


def generator_options(
    seed: int, base_time: datetime | None, bad_rate: float, duplicate_rate: float
) -> GeneratorOptions:
    """Without a base time, sales are stamped when generated (a real POS's clock)."""
    return GeneratorOptions(
        seed=seed,
        base_time=base_time.astimezone(UTC) if base_time else datetime.now(UTC),
        bad_rate=bad_rate,
        duplicate_rate=duplicate_rate,
        clock=None if base_time else wall_clock,
    )


@dataclass(frozen=True)
class SendResult:
    sent: int
    elapsed_s: float

    @property
    def per_second(self) -> float:
        return self.sent / max(self.elapsed_s, 1e-9)


def records_for(
    from_file: Path | None,
    events: int,
    options: GeneratorOptions,
    source_mix: Mapping[str, int] | None = None,
) -> Iterator[ProducedRecord]:
    """Recorded records, or ``events`` generated ones (sales only, or by ``source_mix``)."""
    if from_file is not None:
        return read_json_lines(from_file)
    return itertools.islice(make_generator(options, source_mix), events)


def write_file(out: Path, records: Iterator[ProducedRecord]) -> int:
    """Write records to a JSON Lines file (one per line, byte for byte); returns how many."""
    writer = JsonLinesWriter(out)
    written = 0
    try:
        for record in records:
            writer.write((record,))
            written += 1
        writer.sync()
    finally:
        writer.close()
    return written


def send(
    records: Iterator[ProducedRecord],
    stream_name: str,
    *,
    region: str | None = None,
    endpoint_url: str | None = None,
    rate: float | None = None,
    record_to: Path | None = None,
) -> SendResult:
    """Put every record on the stream (batched, rate limited, refused records retried)."""
    client = boto3.client("kinesis", region_name=region, endpoint_url=endpoint_url)
    producer = KinesisProducer(client, stream_name, RateLimiter(rate))
    writer = JsonLinesWriter(record_to) if record_to else None
    started = time.monotonic()
    sent = 0
    try:
        for result in producer.put_all(_recorded(records, writer)):
            sent = result.index + 1
    finally:
        if writer:
            writer.sync()
            writer.close()
    return SendResult(sent, time.monotonic() - started)


def _recorded(
    records: Iterator[ProducedRecord], writer: JsonLinesWriter | None
) -> Iterator[ProducedRecord]:
    for record in records:
        if writer:
            writer.write((record,))
        yield record
