"""The Firehose transformation event for a Kinesis-stream source, built exactly as AWS sends it.

Shape (AWS data-transformation docs; Powertools' ``kinesisFirehoseKinesisEvent.json``):
``{invocationId, deliveryStreamArn, sourceKinesisStreamArn, region, records: [{recordId,
approximateArrivalTimestamp, data, kinesisRecordMetadata: {shardId, partitionKey,
approximateArrivalTimestamp, sequenceNumber, subsequenceNumber}}]}``. ``data`` is base64.

Record ids are opaque to the Lambda; ours are derived from the Kinesis record (stream, shard,
sequence, subsequence), so a redelivered record carries the same id and downstream dedupe can
recognise it. Like AWS's they are digit strings (68 characters).
"""

from __future__ import annotations

import hashlib
from base64 import b64encode
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

# Lambda's synchronous invocation payload limit (request and response alike).
LAMBDA_PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024
SEQUENCE_DIGITS = 56
_SOURCE_DIGITS = 12


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """One Kinesis record as the worker read it."""

    stream_arn: str
    shard_id: str
    sequence_number: str
    subsequence_number: int
    partition_key: str
    data: bytes
    arrival_ms: int

    @property
    def record_id(self) -> str:
        return firehose_record_id(
            self.stream_arn, self.shard_id, self.sequence_number, self.subsequence_number
        )


def firehose_record_id(
    stream_arn: str, shard_id: str, sequence_number: str, subsequence: int
) -> str:
    source = f"{stream_arn}|{shard_id}|{subsequence}".encode()
    source_digits = int.from_bytes(hashlib.sha256(source).digest()[:8], "big") % 10**_SOURCE_DIGITS
    return f"{int(sequence_number):0{SEQUENCE_DIGITS}d}{source_digits:0{_SOURCE_DIGITS}d}"


def snowflake_metadata(
    stream_name: str,
    *,
    shard_id: str,
    partition_key: str,
    sequence_number: str,
    subsequence_number: int,
    ingestion_ms: int,
) -> bytes:
    """``RECORD_METADATA`` as Firehose's Snowflake destination writes it for a Kinesis source
    (``VARIANT_CONTENT_AND_METADATA_MAPPING``; field names from the CloudFormation reference).
    AWS does not document ``IngestionTime``'s format: we write epoch milliseconds."""
    return orjson.dumps(
        {
            "kinesisStreamName": stream_name,
            "kinesisShardId": shard_id,
            "kinesisPartitionKey": partition_key,
            "kinesisSequenceNumber": sequence_number,
            "subsequenceNumber": subsequence_number,
            "IngestionTime": ingestion_ms,
        }
    )


def event_record(record: SourceRecord) -> dict[str, Any]:
    return {
        "recordId": record.record_id,
        "approximateArrivalTimestamp": record.arrival_ms,
        "data": b64encode(record.data).decode("ascii"),
        "kinesisRecordMetadata": {
            "shardId": record.shard_id,
            "partitionKey": record.partition_key,
            "approximateArrivalTimestamp": record.arrival_ms,
            "sequenceNumber": record.sequence_number,
            "subsequenceNumber": record.subsequence_number,
        },
    }


@dataclass(frozen=True, slots=True)
class DeliveryStream:
    """The identity the worker presents in each event (a local stand-in for the real ARNs)."""

    name: str
    arn: str
    source_stream_arn: str
    region: str
    lambda_arn: str


def build_event(
    stream: DeliveryStream, invocation_id: str, entries: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "invocationId": invocation_id,
        "deliveryStreamArn": stream.arn,
        "sourceKinesisStreamArn": stream.source_stream_arn,
        "region": stream.region,
        "records": list(entries),
    }


_EVENT_WRAPPER_BYTES = len(
    orjson.dumps(
        build_event(DeliveryStream("", "", "", "", ""), "00000000-0000-0000-0000-000000000000", [])
    )
)


def split_into_invocations(
    records: Sequence[SourceRecord],
    stream: DeliveryStream,
    limit_bytes: int = LAMBDA_PAYLOAD_LIMIT_BYTES,
) -> list[tuple[list[SourceRecord], list[dict[str, Any]]]]:
    """Packs records, in order, into invocations whose event JSON stays within the request limit.

    The wrapper's size includes the stream ARNs; each entry adds its serialized size plus a comma.
    """
    wrapper = (
        _EVENT_WRAPPER_BYTES + len(stream.arn) + len(stream.source_stream_arn) + len(stream.region)
    )
    groups: list[tuple[list[SourceRecord], list[dict[str, Any]]]] = []
    current: list[SourceRecord] = []
    entries: list[dict[str, Any]] = []
    size = wrapper
    for record in records:
        entry = event_record(record)
        entry_size = len(orjson.dumps(entry)) + 1
        if wrapper + entry_size > limit_bytes:
            raise ValueError(
                f"record {record.record_id} alone exceeds the {limit_bytes}-byte request limit"
            )
        if current and size + entry_size > limit_bytes:
            groups.append((current, entries))
            current, entries, size = [], [], wrapper
        current.append(record)
        entries.append(entry)
        size += entry_size
    if current:
        groups.append((current, entries))
    return groups
