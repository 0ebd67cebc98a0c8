"""Turns one Firehose batch into the response records, every recordId once, within the budget.

Each record gets ``Ok`` with its envelope, whatever it contains. ``ProcessingFailed`` (with the
original data, so Firehose's S3 ``processing-failed/`` output keeps it) is only for a record this
code could not build an envelope for, and for records past the response budget (see limits.py).
``Dropped`` is never used: this pipeline never loses a record on purpose.
"""

from __future__ import annotations

from binascii import a2b_base64, b2a_base64
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from lambdas.transform.classify import VALID, classify
from lambdas.transform.envelope import EnvelopeWriter, kinesis_coordinates
from lambdas.transform.limits import (
    FAILED_ENTRY_OVERHEAD_BYTES,
    OK_ENTRY_OVERHEAD_BYTES,
    RESPONSE_BUDGET_BYTES,
    RESPONSE_WRAPPER_BYTES,
)

OK: Final = "Ok"
PROCESSING_FAILED: Final = "ProcessingFailed"

MAX_SAMPLED_REJECTS = 10


@dataclass(frozen=True, slots=True)
class RecordFault:
    """A record this code failed on: its id and the exception, never its content."""

    record_id: str
    error: Exception


@dataclass(slots=True)
class BatchResult:
    records: list[dict[str, str]] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    # Records per meta.schema (kind), every record answered Ok.
    kinds: Counter[str] = field(default_factory=Counter)
    error_kinds: Counter[str] = field(default_factory=Counter)
    # Up to MAX_SAMPLED_REJECTS (record_id, status, error types) for the summary log line.
    sampled_rejects: list[tuple[str, str, list[str]]] = field(default_factory=list)
    faults: list[RecordFault] = field(default_factory=list)
    overflowed: int = 0
    response_bytes: int = 0

    @property
    def processing_failed(self) -> int:
        return len(self.faults) + self.overflowed


def _failed_entry(record_id: str, data: str) -> dict[str, str]:
    return {"recordId": record_id, "result": PROCESSING_FAILED, "data": data}


def transform_batch(
    records: Sequence[Mapping[str, Any]],
    *,
    received_at: str,
    budget_bytes: int = RESPONSE_BUDGET_BYTES,
) -> BatchResult:
    """Build the response records for ``records`` (Firehose's raw ``records`` list), in order."""
    result = BatchResult()
    # Start from the response where every record is ProcessingFailed: it always fits (smaller
    # than the request). Upgrading a record to Ok costs the difference; stop when it won't fit.
    response_bytes = RESPONSE_WRAPPER_BYTES + sum(
        len(record["recordId"]) + len(record["data"]) + FAILED_ENTRY_OVERHEAD_BYTES
        for record in records
    )
    overflowing = False
    writer = EnvelopeWriter(received_at)
    output = result.records
    ok_minus_failed_overhead = OK_ENTRY_OVERHEAD_BYTES - FAILED_ENTRY_OVERHEAD_BYTES
    valid_count = 0  # the common status, counted in a local: Counter is slow per record
    for record in records:
        record_id: str = record["recordId"]
        data: str = record["data"]
        if overflowing:
            output.append(_failed_entry(record_id, data))
            result.overflowed += 1
            continue
        try:
            raw = a2b_base64(data, strict_mode=True)
            verdict = classify(raw)
            kinesis = kinesis_coordinates(record.get("kinesisRecordMetadata"))
            if verdict is VALID:
                envelope = writer.valid(raw, record_id, kinesis)
            else:
                envelope = writer.build(raw, verdict, record_id, kinesis)
            encoded = b2a_base64(envelope, newline=False).decode("ascii")
        except Exception as exc:  # any fault here is ours; the record must still be answered
            output.append(_failed_entry(record_id, data))
            result.faults.append(RecordFault(record_id, exc))
            continue

        upgrade_cost = len(encoded) - len(data) + ok_minus_failed_overhead
        if response_bytes + upgrade_cost > budget_bytes:
            overflowing = True
            output.append(_failed_entry(record_id, data))
            result.overflowed += 1
            continue
        response_bytes += upgrade_cost
        output.append({"recordId": record_id, "result": OK, "data": encoded})
        if verdict is VALID:
            valid_count += 1
            continue
        result.kinds[verdict.schema] += 1
        result.statuses[verdict.status] += 1
        if verdict.errors:
            error_types = [error["type"] for error in verdict.errors]
            result.error_kinds.update(error_types)
            if len(result.sampled_rejects) < MAX_SAMPLED_REJECTS:
                result.sampled_rejects.append((record_id, verdict.status, error_types))
    if valid_count:
        result.statuses[VALID.status] += valid_count
        result.kinds[VALID.schema] += valid_count
    result.response_bytes = response_bytes
    return result
