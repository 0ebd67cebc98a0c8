"""The response honours Firehose's documented transformation contract for every event shape."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import orjson
import pytest

from lambdas.transform.envelope import TRANSFORM_VERSION
from lambdas.transform.kinds.registry import ALL_KINDS
from tests.transform.conftest import b64, decode, invoke

EVENTS_DIR = Path(__file__).resolve().parents[2] / "events"
RECEIVED_AT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def assert_firehose_contract(event: dict[str, Any], response: dict[str, Any]) -> None:
    """AWS: each input recordId exactly once, result Ok|Dropped|ProcessingFailed, data base64.

    This pipeline never uses Dropped, so it is rejected here too.
    """
    assert set(response) == {"records"}
    input_ids = [record["recordId"] for record in event["records"]]
    output_ids = [record["recordId"] for record in response["records"]]
    assert output_ids == input_ids
    assert len(set(output_ids)) == len(output_ids)
    for record in response["records"]:
        assert set(record) == {"recordId", "result", "data"}
        assert record["result"] in {"Ok", "ProcessingFailed"}
        assert isinstance(record["data"], str)
        base64.b64decode(record["data"], validate=True)
    json.dumps(response)  # what the runtime does with it


def assert_envelope(output: dict[str, Any], source: dict[str, Any]) -> None:
    assert isinstance(output, dict)
    meta = output["meta"]
    assert meta["schema"] in ALL_KINDS
    assert meta["transform"] == TRANSFORM_VERSION
    assert RECEIVED_AT.match(meta["received_at"])
    assert meta["record_id"] == source["recordId"]
    # The content identity: SHA-256 of the bytes exactly as they arrived (docs/contracts.md).
    assert meta["content_sha256"] == hashlib.sha256(base64.b64decode(source["data"])).hexdigest()
    assert ("payload" in output) != ("raw" in output)
    assert all(set(error) == {"loc", "type"} for error in meta["errors"])
    assert (meta["status"] == "valid") == (meta["errors"] == [])
    kinesis = source.get("kinesisRecordMetadata")
    if kinesis:
        assert meta["kinesis"]["shard"] == kinesis["shardId"]
        assert meta["kinesis"]["seq"] == kinesis["sequenceNumber"]
        assert meta["kinesis"]["pk"] == kinesis["partitionKey"]
    else:
        assert "kinesis" not in meta


@pytest.mark.parametrize("name", ["firehose_kinesis_clean.json", "firehose_kinesis_mixed_bad.json"])
def test_committed_events_answer_every_record_ok_with_an_envelope(name: str) -> None:
    event = json.loads((EVENTS_DIR / name).read_text())
    response = invoke(event)
    assert_firehose_contract(event, response)
    for source, record in zip(event["records"], response["records"], strict=True):
        assert record["result"] == "Ok"
        output = decode(record)
        assert_envelope(output, source)
        assert orjson.loads(base64.b64decode(record["data"])) == output  # strict parser agrees


def test_clean_event_is_all_valid_with_kinesis_coordinates() -> None:
    event = json.loads((EVENTS_DIR / "firehose_kinesis_clean.json").read_text())
    outputs = [decode(record) for record in invoke(event)["records"]]
    assert {output["meta"]["status"] for output in outputs} == {"valid"}
    first = event["records"][0]
    assert outputs[0]["meta"]["kinesis"] == {
        "shard": first["kinesisRecordMetadata"]["shardId"],
        "seq": first["kinesisRecordMetadata"]["sequenceNumber"],
        "subseq": 0,
        "pk": first["kinesisRecordMetadata"]["partitionKey"],
        "arrival_ms": first["kinesisRecordMetadata"]["approximateArrivalTimestamp"],
    }


def powertools_shaped_event() -> dict[str, Any]:
    """The shape of Powertools' tests/events/kinesisFirehoseKinesisEvent.json."""

    def record(record_id: str, data: bytes, shard: str, seq: str) -> dict[str, Any]:
        return {
            "data": b64(data),
            "recordId": record_id,
            "approximateArrivalTimestamp": 1664028820148,
            "kinesisRecordMetadata": {
                "shardId": shard,
                "partitionKey": "4d1ad2b9-24f8-4b9d-a088-76e9947c317a",
                "approximateArrivalTimestamp": 1664028820148,
                "sequenceNumber": seq,
                "subsequenceNumber": "",
            },
        }

    return {
        "invocationId": "2b4d1ad9-2f48-94bd-a088-767c317e994a",
        "sourceKinesisStreamArn": "arn:aws:kinesis:us-east-1:123456789012:stream/kinesis-source",
        "deliveryStreamArn": "arn:aws:firehose:us-east-2:123456789012:deliverystream/name",
        "region": "us-east-2",
        "records": [
            record("record1", b"Hello World", "shardId-000000000000", "4954698668313554428650"),
            record("record2", b'{"Hello": "World"}', "shardId-000000000001", "4954698668313554429"),
        ],
    }


def test_powertools_sample_shape_text_and_foreign_object() -> None:
    event = powertools_shaped_event()
    response = invoke(event)
    assert_firehose_contract(event, response)
    hello_text, hello_object = (decode(record) for record in response["records"])
    for output, source in zip((hello_text, hello_object), event["records"], strict=True):
        assert_envelope(output, source)

    assert hello_text["raw"] == "Hello World"
    assert hello_text["raw_encoding"] == "text"
    assert hello_text["meta"]["status"] == "not_json"
    # The sample sends subsequenceNumber as "": normalised to null, not passed on as text.
    assert hello_text["meta"]["kinesis"]["subseq"] is None

    assert hello_text["meta"]["schema"] == "pos.v1"  # no kind marker: the stream's first kind
    # No schema_version and nothing of a sale: an unknown kind, delivered with its payload.
    assert hello_object["payload"] == {"Hello": "World"}
    assert hello_object["meta"]["schema"] == "unknown"
    assert hello_object["meta"]["status"] == "invalid"
    assert hello_object["meta"]["errors"] == [{"loc": "schema_version", "type": "unknown_kind"}]


def sam_kinesis_firehose_event(data: bytes) -> dict[str, Any]:
    """The shape of `sam local generate-event kinesis kinesis-firehose` (Direct PUT)."""
    return {
        "invocationId": "invocationIdExample",
        "deliveryStreamArn": "arn:aws:kinesis:EXAMPLE",
        "region": "us-east-1",
        "records": [
            {
                "recordId": "49546986683135544286507457936321625675700192471156785154",
                "approximateArrivalTimestamp": 1495072949453,
                "data": b64(data),
            }
        ],
    }


def sam_streams_as_source_event(data: bytes) -> dict[str, Any]:
    """The shape of `sam local generate-event kinesis streams-as-source`."""
    event = sam_kinesis_firehose_event(data)
    event["sourceKinesisStreamArn"] = "arn:aws:kinesis:EXAMPLE"
    event["records"][0]["kinesisRecordMetadata"] = {
        "shardId": "shardId-000000000000",
        "partitionKey": "S001",
        "approximateArrivalTimestamp": "2012-04-23T18:25:43.511Z",
        "sequenceNumber": "49546986683135544286507457936321625675700192471156785154",
        "subsequenceNumber": "",
    }
    return event


def test_sam_direct_put_shape_has_no_kinesis_coordinates() -> None:
    event = sam_kinesis_firehose_event(b'{"store_id": 1}')
    response = invoke(event)
    assert_firehose_contract(event, response)
    output = decode(response["records"][0])
    assert_envelope(output, event["records"][0])
    assert output["payload"] == {"store_id": 1}
    assert {"loc": "store_id", "type": "string_type"} in output["meta"]["errors"]


def test_sam_streams_as_source_shape_keeps_coordinates_and_drops_non_numeric_times() -> None:
    event = sam_streams_as_source_event(b"store_id=1")
    response = invoke(event)
    assert_firehose_contract(event, response)
    output = decode(response["records"][0])
    assert_envelope(output, event["records"][0])
    assert output["meta"]["kinesis"]["arrival_ms"] is None
    assert output["meta"]["kinesis"]["subseq"] is None


def test_malformed_base64_is_processing_failed_with_the_original_data() -> None:
    """Firehose never sends it; if a local worker did, the handler cannot build an envelope."""
    event = sam_kinesis_firehose_event(b"")
    event["records"][0]["data"] = "not base64!"
    response = invoke(event)
    record = response["records"][0]
    assert record == {
        "recordId": event["records"][0]["recordId"],
        "result": "ProcessingFailed",
        "data": "not base64!",
    }
    with pytest.raises(binascii.Error):
        base64.b64decode(record["data"], validate=True)
