"""The producer's durable ledger: what was produced, and where Kinesis put each record.

The local Kinesis (moto) lives in memory and dies with the process, so the ledger is what makes
a killed run restartable without loss:

- ``events.jsonl``: every record, in production order, written and fsynced BEFORE it is put
  (this file is also the run's replay file);
- ``put-log.jsonl``: after each successful ``put_records``, the line index, stream, shard and
  sequence number of each record, fsynced.

The producer may be another process (``local/pipeline/produce.py``); both open the same files,
and the workdir lock (``local/pipeline/lock.py``) keeps a restart from touching them while an old
producer still runs.

The Firehose worker may not deliver a record before its put-log entry is durable (``wait_covered``
is its delivery gate). So after a crash every record in Bronze or the error output can be traced
to its line, and a restart re-puts exactly the lines that never got delivered.
"""

from __future__ import annotations

import os
import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson

from producer.kinesis_producer import PutResult
from producer.records import JsonLinesWriter, ProducedRecord, read_json_lines

GATE_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class PutEntry:
    line: int
    stream: str
    shard_id: str
    sequence_number: str
    put_at: float


def _truncate_partial_last_line(path: Path) -> int:
    """Drops a line a crash left half-written; returns the number of complete lines."""
    if not path.exists():
        return 0
    content = path.read_bytes()
    complete = content.rfind(b"\n") + 1
    if complete != len(content):
        with path.open("r+b") as handle:
            handle.truncate(complete)
            handle.flush()
            os.fsync(handle.fileno())
    return content.count(b"\n", 0, complete)


class ProduceLedger:
    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.events_path = directory / "events.jsonl"
        self.put_log_path = directory / "put-log.jsonl"
        self.recorded = _truncate_partial_last_line(self.events_path)
        _truncate_partial_last_line(self.put_log_path)
        self._events = JsonLinesWriter(self.events_path)
        self._put_log = self.put_log_path.open("ab")
        self._covered: dict[tuple[str, str], int] = {}
        self._condition = threading.Condition()
        self._failed: BaseException | None = None

    def record(self, records: Sequence[ProducedRecord]) -> int:
        """Makes records durable before they are put; returns the first one's line index."""
        first = self.recorded
        self._events.write(records)
        self._events.sync()
        self.recorded += len(records)
        return first

    def record_puts(self, stream: str, results: Iterable[PutResult]) -> None:
        lines = []
        highest: dict[str, int] = {}
        for result in results:
            lines.append(
                orjson.dumps(
                    {
                        "line": result.index,
                        "stream": stream,
                        "shard": result.shard_id,
                        "seq": result.sequence_number,
                        "at": result.put_at,
                    }
                )
            )
            sequence = int(result.sequence_number)
            highest[result.shard_id] = max(highest.get(result.shard_id, 0), sequence)
        self._put_log.write(b"".join(line + b"\n" for line in lines))
        self._put_log.flush()
        os.fsync(self._put_log.fileno())
        self.note_covered(stream, {shard: str(sequence) for shard, sequence in highest.items()})

    def note_covered(self, stream: str, highest: Mapping[str, str]) -> None:
        """Opens the delivery gate up to ``highest`` per shard: call only once that is durable.

        ``record_puts`` calls it itself; a run whose producer is another process calls it for
        each progress line the producer prints after its fsync.
        """
        with self._condition:
            for shard_id, sequence in highest.items():
                key = (stream, shard_id)
                self._covered[key] = max(self._covered.get(key, 0), int(sequence))
            self._condition.notify_all()

    def reload(self) -> None:
        """Re-counts the recorded lines after another process (the producer) appended some."""
        self._events.close()
        self.recorded = _truncate_partial_last_line(self.events_path)
        self._events = JsonLinesWriter(self.events_path)

    def fail(self, error: BaseException) -> None:
        """Wakes a waiting gate when the producer died, so the worker does not hang."""
        with self._condition:
            self._failed = error
            self._condition.notify_all()

    def gate_for(self, stream: str) -> DeliveryGateForStream:
        return DeliveryGateForStream(self, stream)

    def wait_covered(self, stream: str, highest: Mapping[str, str]) -> None:
        def covered() -> bool:
            return all(
                self._covered.get((stream, shard), -1) >= int(sequence)
                for shard, sequence in highest.items()
            )

        with self._condition:
            if not self._condition.wait_for(
                lambda: covered() or self._failed is not None, GATE_TIMEOUT_S
            ):
                raise TimeoutError("put-log never covered records the worker read")
            if not covered():
                raise RuntimeError("the producer failed") from self._failed

    def put_entries(self) -> list[PutEntry]:
        entries = []
        for raw in self.put_log_path.read_bytes().splitlines():
            data = orjson.loads(raw)
            entries.append(
                PutEntry(data["line"], data["stream"], data["shard"], data["seq"], data["at"])
            )
        return entries

    def records(self) -> list[ProducedRecord]:
        return list(read_json_lines(self.events_path))

    def lines(self, indices: Sequence[int]) -> list[bytes]:
        """The recorded bytes of the given lines (ascending), reading the file once."""
        wanted = iter(indices)
        found: list[bytes] = []
        target = next(wanted, None)
        for index, record in enumerate(read_json_lines(self.events_path)):
            while target is not None and target == index:
                found.append(record.data)
                target = next(wanted, None)
            if target is None:
                break
        if target is not None:
            raise IndexError(f"line {target} is not in {self.events_path}")
        return found

    def close(self) -> None:
        self._events.close()
        self._put_log.close()


@dataclass(frozen=True)
class DeliveryGateForStream:
    ledger: ProduceLedger
    stream: str

    def __call__(self, highest: Mapping[str, str]) -> None:
        self.ledger.wait_covered(self.stream, highest)


def undelivered_lines(
    entries: Iterable[PutEntry],
    recorded: int,
    delivered: Mapping[tuple[str, str], int],
) -> list[int]:
    """Recorded lines none of whose puts reached Bronze or the error output.

    ``delivered`` is the highest delivered sequence number per (stream, shard): a shard is
    delivered in order, so every record at or below it is durable downstream.
    """
    done: set[int] = set()
    for entry in entries:
        if int(entry.sequence_number) <= delivered.get((entry.stream, entry.shard_id), -1):
            done.add(entry.line)
    return [line for line in range(recorded) if line not in done]


def merge_positions(*sources: Mapping[tuple[str, str], int]) -> dict[tuple[str, str], int]:
    merged: dict[tuple[str, str], int] = defaultdict(lambda: -1)
    for source in sources:
        for key, value in source.items():
            merged[key] = max(merged[key], value)
    return dict(merged)
