"""Builds the output bytes for one record: the Bronze ``RECORD_CONTENT`` envelope.

Shape (docs/contracts.md), compact JSON, keys in this order::

    {"payload": <original bytes, untouched>, "meta": {...}}             valid / invalid
    {"raw": "<text or base64>", "raw_encoding": "text"|"base64", "meta": {...}}   all others

``meta`` = schema, status, errors [{loc, type}], transform, received_at, content_sha256,
record_id and, for a Kinesis stream source, kinesis {shard, seq, subseq, pk, arrival_ms}.

``content_sha256`` is the SHA-256 (lowercase hex) of the record's bytes exactly as they arrived
(the base64-decoded Firehose ``data``): the content identity Silver deduplicates on. Every
redelivered copy of a record hashes the same; it is computed here, once, from the original bytes,
because Snowflake's TO_JSON of the stored payload does not promise a key order.

The payload is spliced in as bytes, never re-serialized: what the POS sent is what Bronze keeps.
``classify`` guarantees a spliced payload is a strict JSON object, so the envelope parses too.

``EnvelopeWriter`` serializes the meta fields shared by a whole invocation (schema, transform,
received_at, and status/errors for valid records) once; per record only ``content_sha256``,
``record_id`` and ``kinesis`` are serialized. The bytes are the same as one ``orjson.dumps`` of
the whole meta.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from typing import Any

import orjson

from lambdas.transform.classify import SPLICED, VALID, Verdict

# 1.1.0: meta.content_sha256 (the content identity Silver deduplicates on).
# 1.2.0: meta.schema names the record's kind (pos.v1, clickstream.v1, iot.v1, app_log.v1, cdc.v1,
# unknown), each validated by its own schema.
TRANSFORM_VERSION = "1.2.0"


def kinesis_coordinates(metadata: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Map Firehose's ``kinesisRecordMetadata`` to the envelope's short names (None if absent)."""
    if not metadata:
        return None
    subseq = metadata.get("subsequenceNumber")
    arrival_ms = metadata.get("approximateArrivalTimestamp")
    return {
        "shard": metadata.get("shardId"),
        "seq": metadata.get("sequenceNumber"),
        "subseq": subseq if type(subseq) is int else _integer_or_none(subseq),
        "pk": metadata.get("partitionKey"),
        "arrival_ms": arrival_ms if type(arrival_ms) is int else _integer_or_none(arrival_ms),
    }


def _integer_or_none(value: Any) -> int | None:
    # Real events carry integers; SAM's and Powertools' samples send "" or an ISO string instead.
    if type(value) is int:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def _meta_head(schema: str, status: str, errors: list[dict[str, str]], received_at: str) -> bytes:
    """``,"meta":{`` + the invocation-wide meta fields + ``,``, ready for the per-record tail."""
    head = {
        "schema": schema,
        "status": status,
        "errors": errors,
        "transform": TRANSFORM_VERSION,
        "received_at": received_at,
    }
    return b',"meta":' + orjson.dumps(head)[:-1] + b","


def _meta_tail(raw: bytes, record_id: str, kinesis: dict[str, Any] | None) -> bytes:
    """``"content_sha256":..,"record_id":..,"kinesis":{..}}}``: the rest of meta, closing meta
    and the envelope."""
    tail: dict[str, Any] = {
        "content_sha256": hashlib.sha256(raw).hexdigest(),
        "record_id": record_id,
    }
    if kinesis is not None:
        tail["kinesis"] = kinesis
    return orjson.dumps(tail)[1:] + b"}"


class EnvelopeWriter:
    """Builds the envelopes of one invocation (one ``received_at``)."""

    __slots__ = ("_received_at", "_valid_head")

    def __init__(self, received_at: str) -> None:
        self._received_at = received_at
        self._valid_head = _meta_head(VALID.schema, VALID.status, VALID.errors, received_at)

    def valid(self, raw: bytes, record_id: str, kinesis: dict[str, Any] | None) -> bytes:
        """The envelope of a record ``classify`` called valid (its bytes spliced)."""
        return b'{"payload":' + raw + self._valid_head + _meta_tail(raw, record_id, kinesis)

    def build(
        self, raw: bytes, verdict: Verdict, record_id: str, kinesis: dict[str, Any] | None
    ) -> bytes:
        """The envelope of a record with any verdict."""
        head = _meta_head(verdict.schema, verdict.status, verdict.errors, self._received_at)
        spliced = verdict.status in SPLICED
        body = b'{"payload":' + raw if spliced else b'{"raw":' + _raw_field(raw)
        return body + head + _meta_tail(raw, record_id, kinesis)


def _raw_field(raw: bytes) -> bytes:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return orjson.dumps(base64.b64encode(raw).decode("ascii")) + b',"raw_encoding":"base64"'
    return orjson.dumps(text) + b',"raw_encoding":"text"'
