"""Firehose's S3 error output, read back: objects, records, the original bytes, and a manifest.

Firehose writes a record it could not deliver to the S3 error bucket, newline-delimited JSON, one
object per record. ``processing-failed/`` (the transform failed it): "attemptsMade,
arrivalTimestamp, errorCode, errorMessage, attemptEndingTimestamp, rawData, lambdaArn", rawData
being the source record, base64 (https://docs.aws.amazon.com/firehose/latest/dev/
data-transformation-failure-handling.html). ``snowflake-failed/`` (Snowflake refused it, or the
retry duration passed): the same fields without lambdaArn, rawData being the *transformed*
record (https://docs.aws.amazon.com/firehose/latest/dev/retry.html, Snowflake section). Keys are
``<prefix>/YYYY/MM/DD/HH/<object>``; the local twin writes the same layout under its error
folder (``local/firehose/error_output.py``), so a folder is read like a bucket.

Every record is put back on the Kinesis stream as the bytes the POS sent, so it takes the whole
ingest path again (transform, Firehose, Bronze, Silver) and Silver's dedupe on
``meta.content_sha256`` makes a repeat harmless. For ``snowflake-failed/`` those bytes are
recovered from the transformed envelope (the transform splices the payload in untouched, or keeps
the raw text or base64) and checked against the envelope's own ``content_sha256``: a record whose
bytes cannot be proven is refused, never sent altered. The manifest (one JSON line per record
sent, fsynced after each batch) makes an interrupted redrive resume without resending.
"""

from __future__ import annotations

import binascii
import hashlib
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import orjson

from local import failpoints

PROCESSING_FAILED = "processing-failed"
SNOWFLAKE_FAILED = "snowflake-failed"
_PAYLOAD_HEAD = b'{"payload":'
_META_KEY = b',"meta":'


class MalformedErrorObjectError(ValueError):
    """An error output object that is not Firehose's documented format, or whose record's
    original bytes cannot be proven."""


@dataclass(frozen=True)
class ErrorRecord:
    key: str
    line: int  # 1-based line of the object
    kind: str  # PROCESSING_FAILED or SNOWFLAKE_FAILED
    data: bytes  # the bytes the POS sent
    error_code: str

    @property
    def identity(self) -> str:
        """Where the record sits in the error output: the manifest's key."""
        return f"{self.key}#{self.line}"


class ErrorObjects(Protocol):
    def keys(self, prefix: str) -> Iterator[str]: ...

    def read(self, key: str) -> bytes: ...


class FolderObjects:
    """The local twin's error folder, read as a bucket whose keys are relative paths."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def keys(self, prefix: str) -> Iterator[str]:
        for path in sorted(self.root.rglob("*")):
            key = path.relative_to(self.root).as_posix()
            if path.is_file() and not path.name.startswith(".") and key.startswith(prefix):
                yield key

    def read(self, key: str) -> bytes:
        return (self.root / key).read_bytes()


class S3Objects:
    """A bucket, through boto3 (ListObjectsV2 and GetObject)."""

    def __init__(self, client: Any, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    def keys(self, prefix: str) -> Iterator[str]:
        for page in self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        ):
            for item in page.get("Contents", []):
                yield str(item["Key"])

    def read(self, key: str) -> bytes:
        body: bytes = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return body


def kind_of(prefix: str) -> str:
    """processing-failed or snowflake-failed, from a prefix such as ``processing-failed/2026/12/``
    (a configured ErrorOutputPrefix may come before it)."""
    parts = prefix.strip("/").split("/")
    for kind in (PROCESSING_FAILED, SNOWFLAKE_FAILED):
        if kind in parts:
            return kind
    raise ValueError(f"{prefix!r} is under neither {PROCESSING_FAILED}/ nor {SNOWFLAKE_FAILED}/")


def parse_object(key: str, body: bytes, kind: str) -> list[ErrorRecord]:
    """Every record of one object; the whole object is refused if any line is malformed."""
    records = []
    for number, line in enumerate(body.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{key} line {number}"
        try:
            entry = orjson.loads(line)
        except orjson.JSONDecodeError:
            raise MalformedErrorObjectError(f"{where}: not JSON") from None
        if not isinstance(entry, dict):
            raise MalformedErrorObjectError(f"{where}: not a JSON object")
        raw = entry.get("rawData")
        if not isinstance(raw, str):
            raise MalformedErrorObjectError(f"{where}: no rawData (base64) field")
        try:
            decoded = binascii.a2b_base64(raw, strict_mode=True)
        except binascii.Error:
            raise MalformedErrorObjectError(f"{where}: rawData is not base64") from None
        data = decoded if kind == PROCESSING_FAILED else original_bytes(decoded, where)
        records.append(ErrorRecord(key, number, kind, data, str(entry.get("errorCode", ""))))
    if not records:
        raise MalformedErrorObjectError(f"{key}: no records")
    return records


def original_bytes(transformed: bytes, where: str) -> bytes:
    """The POS's bytes inside a transformed envelope, proven by its ``meta.content_sha256``."""
    try:
        envelope = orjson.loads(transformed)
    except orjson.JSONDecodeError:
        raise MalformedErrorObjectError(
            f"{where}: the transformed record is not JSON; its original bytes cannot be recovered"
        ) from None
    meta = envelope.get("meta") if isinstance(envelope, dict) else None
    digest = meta.get("content_sha256") if isinstance(meta, dict) else None
    if not isinstance(digest, str):
        raise MalformedErrorObjectError(
            f"{where}: the transformed record has no meta.content_sha256 to prove its bytes"
        )
    candidates: Iterable[bytes]
    if "payload" in envelope and transformed.startswith(_PAYLOAD_HEAD):
        # Spliced: {"payload":<bytes>,"meta":...}; the payload may itself hold ,"meta":.
        candidates = (
            transformed[len(_PAYLOAD_HEAD) : end] for end in _occurrences(transformed, _META_KEY)
        )
    elif envelope.get("raw_encoding") == "base64" and isinstance(envelope.get("raw"), str):
        candidates = [binascii.a2b_base64(envelope["raw"])]
    elif envelope.get("raw_encoding") == "text" and isinstance(envelope.get("raw"), str):
        candidates = [envelope["raw"].encode("utf-8")]
    else:
        candidates = []
    for candidate in candidates:
        if hashlib.sha256(candidate).hexdigest() == digest:
            return candidate
    raise MalformedErrorObjectError(
        f"{where}: no part of the transformed record hashes to its content_sha256"
    )


def _occurrences(data: bytes, needle: bytes) -> Iterator[int]:
    start = data.find(needle)
    while start != -1:
        yield start
        start = data.find(needle, start + 1)


class Manifest:
    """The records already sent, one JSON line each, appended and fsynced per batch."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sent: set[str] = set()
        if path.exists():
            for line in path.read_bytes().splitlines():
                if line.strip():
                    self.sent.add(str(orjson.loads(line)["record"]))

    def record(self, records: Iterable[ErrorRecord]) -> None:
        lines = [
            orjson.dumps(
                {
                    "record": record.identity,
                    "sha256": hashlib.sha256(record.data).hexdigest(),
                    "error_code": record.error_code,
                }
            )
            for record in records
        ]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("ab") as handle:
            handle.write(b"".join(line + b"\n" for line in lines))
            handle.flush()
            os.fsync(handle.fileno())
        self.sent.update(record.identity for record in records)


@dataclass
class RedriveReport:
    prefix: str
    objects: int = 0
    records: int = 0
    already_sent: int = 0
    sent: int = 0
    to_send: int = 0  # dry run: what a redrive would send
    malformed: list[str] | None = None

    def lines(self, dry_run: bool) -> list[str]:
        verb = "would send" if dry_run else "sent"
        count = self.to_send if dry_run else self.sent
        lines = [
            f"{self.prefix}: {self.objects} objects, {self.records} records;"
            f" {verb} {count}, already sent by an earlier redrive {self.already_sent}"
        ]
        for problem in self.malformed or []:
            lines.append(f"  refused: {problem}")
        return lines


def redrive(
    objects: ErrorObjects,
    prefix: str,
    manifest: Manifest,
    send: Callable[[Sequence[bytes]], None] | None,
    batch_size: int = 500,
) -> RedriveReport:
    """Send every record under ``prefix`` the manifest does not hold, in batches, recording each
    batch once sent; ``send`` None is a dry run. A malformed object is refused whole and named."""
    kind = kind_of(prefix)
    report = RedriveReport(prefix, malformed=[])
    for key in objects.keys(prefix):
        report.objects += 1
        try:
            records = parse_object(key, objects.read(key), kind)
        except MalformedErrorObjectError as problem:
            assert report.malformed is not None
            report.malformed.append(str(problem))
            continue
        report.records += len(records)
        pending = [record for record in records if record.identity not in manifest.sent]
        report.already_sent += len(records) - len(pending)
        report.to_send += len(pending)
        if send is None:
            continue
        for start in range(0, len(pending), batch_size):
            batch = pending[start : start + batch_size]
            send([record.data for record in batch])
            manifest.record(batch)
            failpoints.reached("redrive.firehose.batch_recorded")
            report.sent += len(batch)
    return report
