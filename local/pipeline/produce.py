"""The producer side of a local run: ledger first, then ``put_records``; a thread or a process.

By default it runs as its own process (``python -m local.pipeline.produce``): the POS systems it
models are separate machines anyway, and in this process it would share the GIL with the Firehose
worker and the warehouse. The parent sends one JSON job line on stdin and keeps the pipe open; the
child exits at once when the pipe reaches end-of-file (the parent closed it or died). After each
put whose put-log entries are fsynced, the child prints one JSON line: records put, ledger lines
recorded, and the highest sequence number per shard; the parent feeds that to the ledger's
delivery gate. A failure is printed as ``{"error": ...}`` and the exit code is 1.

Sale times: without a base time (the default) each generated sale is stamped when it is produced
(``producer.generator.wall_clock``), so no sale is stamped ahead of the wall clock. With a base
time, sales follow the generator's reproducible synthetic clock, and the producer never puts a
record before the wall clock has reached its sale time.
"""

from __future__ import annotations

import itertools
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from local import failpoints
from local.pipeline.ledger import ProduceLedger
from local.processes import die_with_parent
from producer.generator import RESEND_WINDOW, VALID, GeneratorOptions, SaleGenerator, wall_clock
from producer.kinesis_producer import KinesisProducer, PutResult, RateLimiter, batches
from producer.mix import MixedGenerator, make_generator, parse_source_mix
from producer.records import ProducedRecord, read_json_lines

if TYPE_CHECKING:
    from types_boto3_kinesis import KinesisClient

MAX_PUT_CHUNK = 500
# The limiter may catch up on up to a second of lag (a slow fsync or put), so the offered rate
# is the asked rate on average, not the asked rate minus every stall.
RATE_BURST_S = 1.0


@dataclass(frozen=True)
class ProduceJob:
    """What one incarnation's producer does (all JSON-serializable)."""

    producer_dir: str
    stream_name: str
    endpoint_url: str
    params: dict[str, Any]
    resend: list[int]
    source_exhausted: bool

    def to_json(self) -> bytes:
        return orjson.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: bytes) -> ProduceJob:
        return cls(**orjson.loads(raw))


@dataclass(frozen=True)
class PutProgress:
    """Reported after a put's put-log entries are durable."""

    put: int
    produced: int
    highest: dict[str, str]


def generator_options(params: Mapping[str, Any]) -> GeneratorOptions:
    rate = params["rate"]
    base_time = params["base_time"]
    return GeneratorOptions(
        seed=params["seed"],
        base_time=datetime.fromisoformat(base_time) if base_time else datetime.now(UTC),
        bad_rate=params["bad_rate"],
        duplicate_rate=params["duplicate_rate"],
        # Synthetic business time advances with the send rate, so it stays close to arrival.
        seconds_between_sales=1.0 / rate if rate else 0.001,
        clock=None if base_time else wall_clock,
    )


@dataclass
class Source:
    """What is left to produce: the records, and the generator behind them (None for a file)."""

    records: Iterator[ProducedRecord]
    generator: SaleGenerator | MixedGenerator | None


def source(params: Mapping[str, Any], ledger: ProduceLedger | None = None) -> Source:
    """The run's records after those ``ledger`` already holds (all of them without a ledger)."""
    skip = ledger.recorded if ledger is not None else 0
    if params["from_file"]:
        recorded = read_json_lines(Path(params["from_file"]))
        return Source(itertools.islice(recorded, skip, None), None)
    generator = record_generator(params)
    good_lines: deque[int] = deque(maxlen=RESEND_WINDOW)
    for line in range(skip):  # regenerate what was sent, to continue the seed's sequence
        if generator.next_record().kind == VALID:
            good_lines.append(line)
    if ledger is not None and good_lines and params["base_time"] is None:
        # On the wall clock the regenerated sales' times differ from those sent: resends must
        # copy what was sent.
        generator.remember_sent(ledger.lines(list(good_lines)))
    records: Iterator[ProducedRecord] = iter(generator)
    if params["events"] is not None:
        records = itertools.islice(records, max(0, params["events"] - skip))
    return Source(records, generator)


def record_generator(params: Mapping[str, Any]) -> SaleGenerator | MixedGenerator:
    """The run's generator: sales only, or every kind by the run's source mix."""
    mix = params.get("source_mix")
    return make_generator(generator_options(params), parse_source_mix(mix) if mix else None)


def _wait_for_sale_times(generator: SaleGenerator | MixedGenerator | None, synthetic: bool) -> None:
    """On the synthetic clock, hold a batch until the wall clock reaches its last sale's time."""
    if not synthetic or generator is None or generator.latest_sale_time is None:
        return
    ahead = (generator.latest_sale_time - datetime.now(UTC)).total_seconds()
    if ahead > 0:
        time.sleep(ahead)


def produce(
    job: ProduceJob,
    ledger: ProduceLedger,
    client: KinesisClient,
    on_put: Callable[[PutProgress], None],
) -> None:
    """Re-puts ``job.resend``, then continues the source where the ledger ends."""
    rate = job.params["rate"]
    producer = KinesisProducer(client, job.stream_name, RateLimiter(rate, RATE_BURST_S))
    chunk_size = max(1, min(MAX_PUT_CHUNK, int(rate / 10))) if rate else MAX_PUT_CHUNK

    def put(batch: list[tuple[int, ProducedRecord]]) -> None:
        results = producer.put(batch)
        ledger.record_puts(job.stream_name, results)
        on_put(PutProgress(len(results), ledger.recorded, _highest(results)))

    if job.resend:
        recorded = ledger.records()
        for batch in batches((line, recorded[line]) for line in job.resend):
            put(batch)
    if job.source_exhausted:
        return
    remaining = source(job.params, ledger)
    synthetic = job.params["base_time"] is not None
    # A restarted --duration run produces for its full duration again (it is time-bounded,
    # not count-bounded); --events runs resume exactly where they stopped.
    duration = job.params["duration_s"]
    deadline = None if duration is None else time.monotonic() + float(duration)
    while deadline is None or time.monotonic() < deadline:
        chunk = list(itertools.islice(remaining.records, chunk_size))
        if not chunk:
            break
        _wait_for_sale_times(remaining.generator, synthetic)
        first = ledger.record(chunk)
        failpoints.reached("produce.ledger_recorded")
        for batch in batches(enumerate(chunk, start=first)):
            put(batch)


def _highest(results: list[PutResult]) -> dict[str, str]:
    highest: dict[str, int] = {}
    for result in results:
        sequence = int(result.sequence_number)
        highest[result.shard_id] = max(highest.get(result.shard_id, -1), sequence)
    return {shard: str(sequence) for shard, sequence in highest.items()}


def _exit_when_stdin_closes() -> None:
    # os.read on the descriptor, not sys.stdin: a daemon thread blocked inside a buffered reader
    # makes the interpreter abort at exit.
    while os.read(sys.stdin.fileno(), 4096):
        pass
    os._exit(1)  # the parent is gone or gave up: stop writing the ledger now


def _read_line(fd: int) -> bytes:
    """One line from a descriptor, byte by byte, so nothing after it is buffered away."""
    line = bytearray()
    while not line.endswith(b"\n"):
        byte = os.read(fd, 1)
        if not byte:
            raise SystemExit("no job on stdin")
        line += byte
    return bytes(line)


def main() -> None:
    """The child process: one job from stdin, progress lines on stdout."""
    from local.kinesis import client_for

    die_with_parent()
    job = ProduceJob.from_json(_read_line(sys.stdin.fileno()))
    failpoints.also_kill(os.getppid())  # a fail point here is the whole run's crash
    threading.Thread(target=_exit_when_stdin_closes, daemon=True).start()
    out = sys.stdout.buffer

    def report(progress: PutProgress) -> None:
        out.write(orjson.dumps(asdict(progress)) + b"\n")
        out.flush()

    ledger = ProduceLedger(Path(job.producer_dir))
    try:
        produce(job, ledger, client_for(job.endpoint_url), report)
    except Exception as error:
        out.write(orjson.dumps({"error": f"{type(error).__name__}: {error}"}) + b"\n")
        out.flush()
        raise SystemExit(1) from error
    finally:
        ledger.close()
    out.write(b'{"done": true}\n')
    out.flush()


if __name__ == "__main__":
    main()
