"""Puts records on a Kinesis stream with ``put_records``: batched, rate limited, retried.

Works against real AWS (a load generator) and against the local moto stream alike. A batch holds
at most 500 records and 5 MiB (data plus partition keys, Kinesis's own accounting). Records the
response reports as failed (throttling, internal errors) are retried with jittered exponential
backoff up to a bound; a record that still fails raises ``PutRecordsFailedError``, never a silent
drop. Every accepted record is reported with its shard and sequence number.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from producer.records import ProducedRecord

if TYPE_CHECKING:
    from types_boto3_kinesis import KinesisClient
    from types_boto3_kinesis.type_defs import PutRecordsRequestEntryTypeDef

MAX_RECORDS_PER_CALL = 500
MAX_BYTES_PER_CALL = 5 * 1024 * 1024
MAX_RECORD_BYTES = 1024 * 1024


class PutRecordsFailedError(RuntimeError):
    """Some records were still refused after every retry."""

    def __init__(self, failures: Sequence[tuple[int, str]]) -> None:
        sample = ", ".join(f"#{index}: {error}" for index, error in failures[:5])
        super().__init__(
            f"{len(failures)} record(s) not accepted by Kinesis after retries ({sample})"
        )
        self.failures = list(failures)


@dataclass(frozen=True)
class PutResult:
    """Where Kinesis stored one record (``index`` is its position in the producer's input)."""

    index: int
    shard_id: str
    sequence_number: str
    put_at: float


class RateLimiter:
    """Token bucket in records per second (``None`` = unlimited); one bucket shared by threads."""

    def __init__(self, records_per_second: float | None, burst_seconds: float = 0.1) -> None:
        self._rate = records_per_second
        self._capacity = max(1.0, (records_per_second or 0.0) * burst_seconds)
        self._tokens = self._capacity
        self._updated = time.monotonic()
        self._lock = threading.Lock()

    def acquire(self, count: int) -> None:
        if not self._rate:
            return
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self._capacity, self._tokens + (now - self._updated) * self._rate)
            self._updated = now
            self._tokens -= count
            deficit = -self._tokens
        if deficit > 0:
            time.sleep(deficit / self._rate)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_delay_s: float = 0.05
    max_delay_s: float = 2.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        # Full jitter (AWS architecture blog's recommendation for contended retries).
        return rng.uniform(0.0, min(self.max_delay_s, self.base_delay_s * 2**attempt))


def batches(
    records: Iterable[tuple[int, ProducedRecord]],
) -> Iterator[list[tuple[int, ProducedRecord]]]:
    """Groups records into put_records calls within Kinesis's count and size limits."""
    batch: list[tuple[int, ProducedRecord]] = []
    size = 0
    for index, record in records:
        record_size = len(record.data) + len(record.partition_key.encode())
        if record_size > MAX_RECORD_BYTES:
            raise ValueError(f"record #{index} is {record_size} bytes; Kinesis takes at most 1 MiB")
        if batch and (
            len(batch) == MAX_RECORDS_PER_CALL or size + record_size > MAX_BYTES_PER_CALL
        ):
            yield batch
            batch, size = [], 0
        batch.append((index, record))
        size += record_size
    if batch:
        yield batch


class KinesisProducer:
    def __init__(
        self,
        client: KinesisClient,
        stream_name: str,
        rate_limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        seed: int | None = None,
    ) -> None:
        self._client = client
        self._stream_name = stream_name
        self._rate_limiter = rate_limiter or RateLimiter(None)
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._rng = random.Random(seed)  # noqa: S311 - retry jitter, not security

    def put(self, batch: Sequence[tuple[int, ProducedRecord]]) -> list[PutResult]:
        """Puts one batch (see ``batches``), retrying refused records; results in input order."""
        self._rate_limiter.acquire(len(batch))
        pending = list(batch)
        accepted: dict[int, PutResult] = {}
        for attempt in range(self._retry.max_attempts):
            entries: list[PutRecordsRequestEntryTypeDef] = [
                {"Data": record.data, "PartitionKey": record.partition_key} for _, record in pending
            ]
            response = self._client.put_records(StreamName=self._stream_name, Records=entries)
            now = time.time()
            refused: list[tuple[int, ProducedRecord]] = []
            errors: list[tuple[int, str]] = []
            for (index, record), outcome in zip(pending, response["Records"], strict=True):
                if "ErrorCode" in outcome:
                    refused.append((index, record))
                    errors.append(
                        (index, f"{outcome['ErrorCode']}: {outcome.get('ErrorMessage', '')}")
                    )
                else:
                    accepted[index] = PutResult(
                        index, outcome["ShardId"], outcome["SequenceNumber"], now
                    )
            if not refused:
                return [accepted[index] for index, _ in batch]
            if attempt + 1 == self._retry.max_attempts:
                raise PutRecordsFailedError(errors)
            pending = refused
            self._sleep(self._retry.delay(attempt, self._rng))
        raise AssertionError("unreachable: the loop returns or raises")

    def put_all(
        self, records: Iterable[ProducedRecord], start_index: int = 0
    ) -> Iterator[PutResult]:
        """Puts every record, batch by batch, yielding where each one landed."""
        for batch in batches(enumerate(records, start=start_index)):
            yield from self.put(batch)
