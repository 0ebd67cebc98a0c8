"""Checks a transform response against Firehose's contract before anything is delivered.

Firehose requires every record of the request back exactly once (same ``recordId``), a ``result``
of ``Ok``, ``Dropped`` or ``ProcessingFailed`` and base64 ``data``; a response over the 6 MB Lambda
limit fails the invocation. Any breach fails the whole invocation (Firehose then retries it and
finally sends the batch to ``processing-failed/``).
"""

from __future__ import annotations

import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import orjson

from local.firehose.event import LAMBDA_PAYLOAD_LIMIT_BYTES

OK: Final = "Ok"
DROPPED: Final = "Dropped"
PROCESSING_FAILED: Final = "ProcessingFailed"
RESULTS: Final = frozenset({OK, DROPPED, PROCESSING_FAILED})


class ResponseContractError(Exception):
    """The response breaks the contract; ``error_code`` is what Firehose's error output records."""

    def __init__(self, error_code: str, message: str) -> None:
        super().__init__(f"{error_code}: {message}")
        self.error_code = error_code
        self.message = message


@dataclass(frozen=True, slots=True)
class TransformedRecord:
    record_id: str
    result: str
    data: bytes


def check_response(
    request_record_ids: Sequence[str],
    response: Any,
    limit_bytes: int = LAMBDA_PAYLOAD_LIMIT_BYTES,
) -> dict[str, TransformedRecord]:
    """The response's records by recordId, or ``ResponseContractError`` naming the breach."""
    try:
        size = len(orjson.dumps(response))
    except TypeError as error:
        raise ResponseContractError("Lambda.JsonProcessingException", str(error)) from error
    if size > limit_bytes:
        raise ResponseContractError(
            "Lambda.ResponseSizeExceeded", f"response is {size} bytes; the limit is {limit_bytes}"
        )
    records = response.get("records") if isinstance(response, dict) else None
    if not isinstance(records, list):
        raise ResponseContractError("Lambda.JsonProcessingException", "no 'records' list")
    expected = set(request_record_ids)
    by_id: dict[str, TransformedRecord] = {}
    for position, entry in enumerate(records):
        by_id_entry = _checked_entry(position, entry)
        if by_id_entry.record_id in by_id:
            raise ResponseContractError(
                "Lambda.DuplicatedRecordId", f"recordId {by_id_entry.record_id} returned twice"
            )
        if by_id_entry.record_id not in expected:
            raise ResponseContractError(
                "Lambda.MissingRecordId", f"recordId {by_id_entry.record_id} was not in the request"
            )
        by_id[by_id_entry.record_id] = by_id_entry
    missing = expected - by_id.keys()
    if missing:
        raise ResponseContractError(
            "Lambda.MissingRecordId",
            f"{len(missing)} request record(s) not returned, e.g. {min(missing)}",
        )
    return by_id


def _checked_entry(position: int, entry: Any) -> TransformedRecord:
    if not isinstance(entry, dict):
        raise ResponseContractError(
            "Lambda.JsonProcessingException", f"records[{position}] is not an object"
        )
    record_id, result, data = entry.get("recordId"), entry.get("result"), entry.get("data")
    if not isinstance(record_id, str) or not record_id:
        raise ResponseContractError(
            "Lambda.MissingRecordId", f"records[{position}] has no recordId"
        )
    if result not in RESULTS:
        raise ResponseContractError(
            "Lambda.InvalidResult",
            f"records[{position}] result {result!r} is not one of {sorted(RESULTS)}",
        )
    if not isinstance(data, str):
        raise ResponseContractError("Lambda.MissingData", f"records[{position}] has no base64 data")
    try:
        decoded = binascii.a2b_base64(data, strict_mode=True)
    except binascii.Error as error:
        raise ResponseContractError(
            "Lambda.InvalidBase64", f"records[{position}] data is not base64: {error}"
        ) from error
    return TransformedRecord(record_id, str(result), decoded)
