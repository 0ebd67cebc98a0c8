"""Builds the output bytes for one record: the Bronze ``RECORD_CONTENT`` envelope.

Shape (docs/contracts.md), compact JSON, keys in this order::

    {"payload": <original bytes, untouched>, "meta": {...}}             valid / invalid
    {"raw": "<text or base64>", "raw_encoding": "text"|"base64", "meta": {...}}   all others

``meta`` = schema, status, errors [{loc, type}], transform, received_at, record_id and, for a
Kinesis stream source, kinesis {shard, seq, subseq, pk, arrival_ms}.

The payload is spliced in as bytes, never re-serialized: what the POS sent is what Bronze keeps.
``classify`` guarantees a spliced payload is a strict JSON object, so the envelope parses too.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

import orjson

from lambdas.transform.classify import SPLICED, Verdict
from lambdas.transform.model import SCHEMA_NAME

TRANSFORM_VERSION = "1.0.0"


def kinesis_coordinates(metadata: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Map Firehose's ``kinesisRecordMetadata`` to the envelope's short names (None if absent)."""
    if not metadata:
        return None
    return {
        "shard": metadata.get("shardId"),
        "seq": metadata.get("sequenceNumber"),
        "subseq": _integer_or_none(metadata.get("subsequenceNumber")),
        "pk": metadata.get("partitionKey"),
        "arrival_ms": _integer_or_none(metadata.get("approximateArrivalTimestamp")),
    }


def _integer_or_none(value: Any) -> int | None:
    # Real events carry integers; SAM's and Powertools' samples send "" or an ISO string instead.
    if type(value) is int:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def build_envelope(
    raw: bytes,
    verdict: Verdict,
    *,
    record_id: str,
    received_at: str,
    kinesis: dict[str, Any] | None,
) -> bytes:
    """Return the envelope for one record as compact UTF-8 JSON bytes."""
    meta: dict[str, Any] = {
        "schema": SCHEMA_NAME,
        "status": verdict.status,
        "errors": verdict.errors,
        "transform": TRANSFORM_VERSION,
        "received_at": received_at,
        "record_id": record_id,
    }
    if kinesis is not None:
        meta["kinesis"] = kinesis
    meta_json = orjson.dumps(meta)
    if verdict.status in SPLICED:
        return b'{"payload":' + raw + b',"meta":' + meta_json + b"}"
    return b'{"raw":' + _raw_field(raw) + b',"meta":' + meta_json + b"}"


def _raw_field(raw: bytes) -> bytes:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return orjson.dumps(base64.b64encode(raw).decode("ascii")) + b',"raw_encoding":"base64"'
    return orjson.dumps(text) + b',"raw_encoding":"text"'
