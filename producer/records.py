"""One produced Kinesis record, its partition key, and the JSON Lines file that records a run.

A run's file holds one record per line, byte for byte (a good record is one compact JSON object;
a deliberately bad one may be anything without a newline byte, even an empty line or non-UTF-8).
Replaying the file therefore re-sends exactly what was produced. The generator and the replay
derive the partition key with the same function, so a replay lands on the same shards.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

# Kinesis partition keys are 1..256 Unicode characters.
MAX_PARTITION_KEY_CHARS = 256
UNKNOWN_PARTITION_KEY = "UNKNOWN"


@dataclass(frozen=True)
class ProducedRecord:
    """A record to put on the stream. ``kind`` says what the generator meant it to be."""

    data: bytes
    kind: str
    partition_key: str

    @classmethod
    def from_bytes(cls, data: bytes, kind: str = "recorded") -> ProducedRecord:
        return cls(data=data, kind=kind, partition_key=partition_key_for(data))


def partition_key_for(data: bytes) -> str:
    """The store id when the record is a JSON object with a usable one, else ``UNKNOWN``."""
    try:
        document = json.loads(data)
    except ValueError:  # not JSON, not UTF-8, empty
        return UNKNOWN_PARTITION_KEY
    if isinstance(document, dict):
        store_id = document.get("store_id")
        if isinstance(store_id, str) and 0 < len(store_id) <= MAX_PARTITION_KEY_CHARS:
            return store_id
    return UNKNOWN_PARTITION_KEY


class JsonLinesWriter:
    """Appends records to a run file; ``sync()`` makes everything written so far durable."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: BinaryIO = path.open("ab")

    def write(self, records: Iterable[ProducedRecord]) -> None:
        for record in records:
            if b"\n" in record.data:
                raise ValueError("a JSON Lines record cannot contain a newline byte")
            self._file.write(record.data + b"\n")

    def sync(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()


def read_json_lines(path: Path) -> Iterator[ProducedRecord]:
    """Every line of a recorded file as a record, bytes untouched (a final partial line too)."""
    with path.open("rb") as handle:
        for line in handle:
            yield ProducedRecord.from_bytes(line.removesuffix(b"\n"))


def count_lines(path: Path) -> int:
    """Number of complete (newline-terminated) records in a run file."""
    with path.open("rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
