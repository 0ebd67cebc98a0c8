"""The delivery loop: read shards, buffer, invoke the transform, deliver, then checkpoint.

Order per batch, which is what makes a crash safe: (1) transform, (2) write error output,
(3) load ``Ok`` records to Bronze in one bulk commit, (4) save the shards' checkpoints (one
atomic file replace for all of them). A crash before (4) redelivers the batch after restart
(same record ids), never loses it.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import orjson

from lambdas.transform.limits import BUFFER_INTERVAL_SECONDS, BUFFER_SIZE_MB
from local import failpoints
from local.firehose.buffer import MIB, DeliveryBuffer
from local.firehose.checkpoint import CheckpointStore
from local.firehose.contract import DROPPED, OK, PROCESSING_FAILED
from local.firehose.error_output import (
    PROCESSING_FAILED_PREFIX,
    SNOWFLAKE_FAILED_PREFIX,
    ErrorOutput,
    FailedRecord,
)
from local.firehose.event import (
    DeliveryStream,
    SourceRecord,
    build_event,
    snowflake_metadata,
    split_into_invocations,
)
from local.firehose.invoke import TransformInvoker
from local.firehose.reader import ShardReader

if TYPE_CHECKING:
    from types_boto3_kinesis import KinesisClient


class BronzeSink(Protocol):
    """Where ``Ok`` records go: ``(RECORD_CONTENT json, RECORD_METADATA json)`` rows, one commit."""

    def load_bronze(self, rows: Sequence[tuple[str, str]]) -> int: ...


# Called with the highest sequence number per shard of a batch before anything is written.
DeliveryGate = Callable[[Mapping[str, str]], None]


@dataclass(frozen=True)
class WorkerConfig:
    buffer_size_bytes: int = BUFFER_SIZE_MB * MIB
    buffer_interval_s: float = BUFFER_INTERVAL_SECONDS
    poll_interval_s: float = 0.2
    bronze_attempts: int = 3
    # False (the local pipeline): a batch Bronze refuses after every attempt stops the worker and
    # is delivered again after a restart. True: it goes to snowflake-failed/ and the worker moves
    # on, as Firehose does once its retry duration has passed ("Failed records land under
    # snowflake-failed/", https://docs.aws.amazon.com/firehose/latest/dev/retry.html); the
    # redrive tests produce that error output this way.
    bronze_failures_to_error_output: bool = False


@dataclass
class WorkerStats:
    """Counters and where the time went; read by the CLI and the benchmark."""

    read: int = 0
    invocations: int = 0
    failed_invocations: int = 0
    ok: int = 0
    dropped: int = 0
    processing_failed: int = 0
    snowflake_failed: int = 0
    bronze_rows: int = 0
    batches: int = 0
    seconds: dict[str, float] = field(
        default_factory=lambda: dict.fromkeys(
            ("get_records", "transform", "error_output", "bronze", "checkpoint"), 0.0
        )
    )

    @property
    def delivered(self) -> int:
        return self.ok + self.processing_failed + self.snowflake_failed + self.dropped


@dataclass
class _BatchResult:
    rows: list[tuple[str, str]] = field(default_factory=list)
    # The source record and attempts of each row, for snowflake-failed/ if Bronze refuses them.
    row_sources: list[tuple[SourceRecord, int]] = field(default_factory=list)
    processing_failed: list[FailedRecord] = field(default_factory=list)
    snowflake_failed: list[FailedRecord] = field(default_factory=list)
    dropped: int = 0


class FirehoseWorker:
    def __init__(
        self,
        client: KinesisClient,
        source_stream_name: str,
        delivery_stream: DeliveryStream,
        sink: BronzeSink,
        error_output: ErrorOutput,
        checkpoints: CheckpointStore,
        invoker: TransformInvoker,
        config: WorkerConfig | None = None,
        delivery_gate: DeliveryGate | None = None,
    ) -> None:
        self._client = client
        self._source_stream_name = source_stream_name
        self.stream = delivery_stream
        self._sink = sink
        self._errors = error_output
        self._checkpoints = checkpoints
        self._invoker = invoker
        self.config = config or WorkerConfig()
        self._gate = delivery_gate
        self.buffer = DeliveryBuffer(self.config.buffer_size_bytes, self.config.buffer_interval_s)
        self.stats = WorkerStats()
        self._readers: list[ShardReader] = []

    def open(self) -> None:
        """Lists the shards and positions a reader on each after its checkpoint."""
        saved = self._checkpoints.load_all()
        shards = self._client.list_shards(StreamName=self._source_stream_name)["Shards"]
        self._readers = [
            ShardReader(
                self._client,
                self._source_stream_name,
                self.stream.source_stream_arn,
                shard["ShardId"],
                saved.get(shard["ShardId"]),
            )
            for shard in shards
        ]

    def poll_once(self) -> int:
        """One GetRecords per shard into the buffer, then every batch that is due. Returns reads."""
        started = time.perf_counter()
        read = 0
        for reader in self._readers:
            records = reader.poll()
            read += len(records)
            self.buffer.add(records)
        self.stats.read += read
        self.stats.seconds["get_records"] += time.perf_counter() - started
        while self.buffer.is_due():
            self.deliver(self.buffer.take())
        return read

    def flush(self) -> None:
        """Delivers everything buffered now, whatever the hints say (used on a clean stop)."""
        while len(self.buffer):
            self.deliver(self.buffer.take())

    def run(
        self,
        stop: threading.Event,
        drain_to: Callable[[], Mapping[str, str]] | None = None,
    ) -> None:
        """Delivers until ``stop``; then reads up to ``drain_to()`` (if given) and flushes."""
        if not self._readers:
            self.open()
        while not stop.is_set():
            # Like Firehose, read each shard a few times a second, not in a tight loop: Kinesis
            # allows 5 GetRecords/s per shard, and each call on moto scans the shard.
            self.poll_once()
            wait = self.config.poll_interval_s
            until_due = self.buffer.seconds_until_due()
            stop.wait(wait if until_due is None else min(wait, until_due))
        if drain_to is not None:
            self.drain(drain_to())
        self.flush()

    def drain(self, targets: Mapping[str, str], timeout_s: float = 120.0) -> None:
        """Reads until every shard has been read up to its target sequence number."""
        deadline = time.monotonic() + timeout_s
        readers = {reader.shard_id: reader for reader in self._readers}
        while any(
            int(readers[shard].last_read_sequence or -1) < int(sequence)
            for shard, sequence in targets.items()
        ):
            if time.monotonic() > deadline:
                raise TimeoutError(f"could not read up to {dict(targets)}")
            if self.poll_once() == 0:
                time.sleep(self.config.poll_interval_s / 4)

    def deliver(self, batch: list[SourceRecord]) -> None:
        if not batch:
            return
        result = self._transform(batch)
        highest = _highest_sequence_per_shard(batch)
        if self._gate is not None:
            self._gate(highest)
        ended_at_ms = int(time.time() * 1000)
        started = time.perf_counter()
        self._errors.write(PROCESSING_FAILED_PREFIX, result.processing_failed, ended_at_ms)
        self._errors.write(SNOWFLAKE_FAILED_PREFIX, result.snowflake_failed, ended_at_ms)
        self.stats.seconds["error_output"] += time.perf_counter() - started
        started = time.perf_counter()
        if result.rows:
            try:
                self._load_bronze(result.rows)
            except Exception as error:
                if not self.config.bronze_failures_to_error_output:
                    raise
                self._bronze_refused(result, error, ended_at_ms)
            failpoints.reached("firehose.bronze_loaded")
        self.stats.seconds["bronze"] += time.perf_counter() - started
        started = time.perf_counter()
        self._checkpoints.save_all(highest)
        failpoints.reached("firehose.checkpointed")
        self.stats.seconds["checkpoint"] += time.perf_counter() - started
        self.stats.batches += 1
        self.stats.ok += len(result.rows)
        self.stats.bronze_rows += len(result.rows)
        self.stats.processing_failed += len(result.processing_failed)
        self.stats.snowflake_failed += len(result.snowflake_failed)
        self.stats.dropped += result.dropped

    def _bronze_refused(self, result: _BatchResult, error: Exception, ended_at_ms: int) -> None:
        """The transformed records of a batch Bronze refused, to snowflake-failed/."""
        refused = [
            FailedRecord(
                source,
                "Snowflake.InternalError",
                f"Delivery to Snowflake failed after every retry: {type(error).__name__}",
                attempts,
                content.encode("utf-8"),
            )
            for (content, _), (source, attempts) in zip(
                result.rows, result.row_sources, strict=True
            )
        ]
        self._errors.write(SNOWFLAKE_FAILED_PREFIX, refused, ended_at_ms)
        result.snowflake_failed.extend(refused)
        result.rows = []

    def _load_bronze(self, rows: list[tuple[str, str]]) -> None:
        for attempt in range(1, self.config.bronze_attempts + 1):
            try:
                self._sink.load_bronze(rows)
                return
            except Exception:
                # Firehose retries the destination; the checkpoint has not moved, so giving up
                # here (re-raising) loses nothing: a restart redelivers the batch.
                if attempt == self.config.bronze_attempts:
                    raise
                time.sleep(0.5 * attempt)

    def _transform(self, batch: list[SourceRecord]) -> _BatchResult:
        started = time.perf_counter()
        result = _BatchResult()
        ingestion_ms = int(time.time() * 1000)
        for records, entries in split_into_invocations(batch, self.stream):
            event = build_event(self.stream, str(uuid.uuid4()), entries)
            record_ids = [entry["recordId"] for entry in entries]
            outcome = self._invoker.invoke(event, record_ids)
            self.stats.invocations += 1
            if outcome.records is None:
                self.stats.failed_invocations += 1
                result.processing_failed.extend(
                    FailedRecord(
                        record,
                        outcome.error_code,
                        outcome.error_message,
                        outcome.attempts,
                        record.data,
                    )
                    for record in records
                )
                continue
            for record, record_id in zip(records, record_ids, strict=True):
                transformed = outcome.records[record_id]
                if transformed.result == OK:
                    self._accept(record, transformed.data, outcome.attempts, ingestion_ms, result)
                elif transformed.result == PROCESSING_FAILED:
                    result.processing_failed.append(
                        FailedRecord(
                            record,
                            "Lambda.ProcessingFailedStatus",
                            "The transform returned ProcessingFailed for this record",
                            outcome.attempts,
                            record.data,
                        )
                    )
                elif transformed.result == DROPPED:
                    result.dropped += 1
        self.stats.seconds["transform"] += time.perf_counter() - started
        return result

    def _accept(
        self,
        record: SourceRecord,
        data: bytes,
        attempts: int,
        ingestion_ms: int,
        result: _BatchResult,
    ) -> None:
        """Bronze row for an ``Ok`` record, or snowflake-failed/ if Snowflake would refuse it."""
        try:
            content = data.decode("utf-8")
            is_object = isinstance(orjson.loads(data), dict)
        except (UnicodeDecodeError, orjson.JSONDecodeError):
            is_object = False
        if not is_object:
            result.snowflake_failed.append(
                FailedRecord(
                    record,
                    "Snowflake.InvalidInput",
                    "The record is not a single JSON object, which Snowflake requires",
                    attempts,
                    data,
                )
            )
            return
        metadata = snowflake_metadata(
            self._source_stream_name,
            shard_id=record.shard_id,
            partition_key=record.partition_key,
            sequence_number=record.sequence_number,
            subsequence_number=record.subsequence_number,
            ingestion_ms=ingestion_ms,
        )
        result.rows.append((content, metadata.decode("utf-8")))
        result.row_sources.append((record, attempts))


def _highest_sequence_per_shard(batch: Sequence[SourceRecord]) -> dict[str, str]:
    highest: dict[str, str] = {}
    for record in batch:
        current = highest.get(record.shard_id)
        if current is None or int(record.sequence_number) > int(current):
            highest[record.shard_id] = record.sequence_number
    return highest
