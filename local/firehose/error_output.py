"""The local stand-in for Firehose's S3 error output, in Firehose's layout and record format.

``<root>/processing-failed/YYYY/MM/DD/HH/<file>`` holds records the transform failed (or that
were in a batch whose invocation failed after every retry); ``<root>/snowflake-failed/...`` holds
transformed records Snowflake would refuse (not one JSON object). Each file is newline-delimited
JSON, one object per record with Firehose's documented fields: ``attemptsMade``,
``arrivalTimestamp``, ``errorCode``, ``errorMessage``, ``attemptEndingTimestamp``, ``rawData``
(base64) and, for processing failures, ``lambdaArn``.

A file is named after the batch's first and last record ids and written atomically, so a
redelivered batch rewrites the same file instead of adding a second copy.
"""

from __future__ import annotations

import os
from base64 import b64encode
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import orjson

from local.firehose.event import SourceRecord

PROCESSING_FAILED_PREFIX: Final = "processing-failed"
SNOWFLAKE_FAILED_PREFIX: Final = "snowflake-failed"


@dataclass(frozen=True, slots=True)
class FailedRecord:
    source: SourceRecord
    error_code: str
    error_message: str
    attempts_made: int
    # What Firehose keeps: the source bytes for a processing failure, the transformed bytes for
    # a destination failure.
    raw_data: bytes


def _folder_for(arrival_ms: int) -> str:
    return datetime.fromtimestamp(arrival_ms / 1000, UTC).strftime("%Y/%m/%d/%H")


def write_atomically(path: Path, content: bytes) -> None:
    """Writes via a temporary file, fsync and rename, then fsyncs the directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


class ErrorOutput:
    def __init__(self, root: Path, delivery_stream_name: str, lambda_arn: str) -> None:
        self.root = root
        self._delivery_stream_name = delivery_stream_name
        self._lambda_arn = lambda_arn

    def write(self, prefix: str, failures: Sequence[FailedRecord], ended_at_ms: int) -> Path | None:
        if not failures:
            return None
        first, last = failures[0].source, failures[-1].source
        name = f"{self._delivery_stream_name}-1-{first.record_id}-{last.record_id[-24:]}"
        path = self.root / prefix / _folder_for(first.arrival_ms) / name
        lines = [orjson.dumps(self._entry(prefix, failure, ended_at_ms)) for failure in failures]
        write_atomically(path, b"\n".join(lines) + b"\n")
        return path

    def _entry(self, prefix: str, failure: FailedRecord, ended_at_ms: int) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "attemptsMade": failure.attempts_made,
            "arrivalTimestamp": failure.source.arrival_ms,
            "errorCode": failure.error_code,
            "errorMessage": failure.error_message,
            "attemptEndingTimestamp": ended_at_ms,
            "rawData": b64encode(failure.raw_data).decode("ascii"),
        }
        if prefix == PROCESSING_FAILED_PREFIX:
            entry["lambdaArn"] = self._lambda_arn
        return entry


def read_error_records(root: Path, prefix: str) -> Iterator[dict[str, Any]]:
    """Every error record under one prefix (for reconciliation and tests)."""
    folder = root / prefix
    if not folder.exists():
        return
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            for line in path.read_bytes().splitlines():
                if line:
                    yield orjson.loads(line)
