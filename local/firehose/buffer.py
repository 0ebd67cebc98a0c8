"""Firehose's processor buffering: flush when the buffered data reaches the size hint or when the
oldest buffered record has waited the interval hint, whichever comes first.

Size is counted on the records' source bytes, as Firehose counts incoming data.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from local.firehose.event import SourceRecord

MIB = 1024 * 1024


class DeliveryBuffer:
    def __init__(
        self,
        size_hint_bytes: int,
        interval_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.size_hint_bytes = size_hint_bytes
        self.interval_s = interval_s
        self._clock = clock
        self._records: list[SourceRecord] = []
        self._size = 0
        self._first_added_at: float | None = None

    def add(self, records: list[SourceRecord]) -> None:
        if records and self._first_added_at is None:
            self._first_added_at = self._clock()
        self._records.extend(records)
        self._size += sum(len(record.data) for record in records)

    def __len__(self) -> int:
        return len(self._records)

    @property
    def size_bytes(self) -> int:
        return self._size

    def is_full(self) -> bool:
        return self._size >= self.size_hint_bytes

    def is_due(self) -> bool:
        if not self._records:
            return False
        if self.is_full():
            return True
        assert self._first_added_at is not None
        return self._clock() - self._first_added_at >= self.interval_s

    def seconds_until_due(self) -> float | None:
        if self._first_added_at is None:
            return None
        return max(0.0, self.interval_s - (self._clock() - self._first_added_at))

    def take(self) -> list[SourceRecord]:
        """The next batch: records in arrival order up to the size hint (at least one).

        A batch stops at the record that reaches the hint, so one large GetRecords page becomes
        several hint-sized invocations. What is left keeps its arrival time and is due at once
        if it is still full or old enough.
        """
        taken = 0
        size = 0
        for record in self._records:
            taken += 1
            size += len(record.data)
            if size >= self.size_hint_bytes:
                break
        batch, self._records = self._records[:taken], self._records[taken:]
        self._size -= size
        if not self._records:
            self._first_added_at = None
        return batch
