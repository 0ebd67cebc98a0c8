"""The local Firehose worker against AWS's documented shapes and limits (not just the handler)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from local.firehose.buffer import DeliveryBuffer
from local.firehose.checkpoint import CheckpointStore
from local.firehose.contract import ResponseContractError, check_response
from local.firehose.error_output import ErrorOutput, read_error_records
from local.firehose.event import (
    LAMBDA_PAYLOAD_LIMIT_BYTES,
    DeliveryStream,
    SourceRecord,
    build_event,
    event_record,
    split_into_invocations,
)
from local.firehose.invoke import TransformInvoker
from local.firehose.worker import FirehoseWorker, WorkerConfig

STREAM = DeliveryStream(
    name="pos-to-snowflake",
    arn="arn:aws:firehose:us-east-1:123456789012:deliverystream/pos-to-snowflake",
    source_stream_arn="arn:aws:kinesis:us-east-1:123456789012:stream/pos",
    region="us-east-1",
    lambda_arn="arn:aws:lambda:us-east-1:123456789012:function:pos-transform",
)


def record(
    seq: int, data: bytes = b'{"store_id":"S001"}', shard: str = "shardId-000000000000"
) -> SourceRecord:
    return SourceRecord(
        STREAM.source_stream_arn, shard, str(seq), 0, "S001", data, 1_764_482_400_000 + seq
    )


def test_event_has_the_kinesis_source_shape_aws_documents() -> None:
    event = build_event(STREAM, "inv-1", [event_record(record(7, b"hello"))])
    assert set(event) == {
        "invocationId",
        "deliveryStreamArn",
        "sourceKinesisStreamArn",
        "region",
        "records",
    }
    (entry,) = event["records"]
    assert set(entry) == {
        "recordId",
        "approximateArrivalTimestamp",
        "data",
        "kinesisRecordMetadata",
    }
    assert base64.b64decode(entry["data"]) == b"hello"
    assert isinstance(entry["approximateArrivalTimestamp"], int)
    assert entry["kinesisRecordMetadata"] == {
        "shardId": "shardId-000000000000",
        "partitionKey": "S001",
        "approximateArrivalTimestamp": entry["approximateArrivalTimestamp"],
        "sequenceNumber": "7",
        "subsequenceNumber": 0,
    }
    # Powertools' own data class reads it like a real Firehose event.
    from aws_lambda_powertools.utilities.data_classes import KinesisFirehoseEvent

    parsed = next(KinesisFirehoseEvent(event).records)
    assert parsed.metadata.shard_id == "shardId-000000000000"
    assert parsed.data_as_bytes == b"hello"


def test_record_id_is_stable_per_kinesis_record_and_distinct_across_shards_and_streams() -> None:
    assert record(5).record_id == record(5).record_id
    assert record(5).record_id != record(6).record_id
    assert record(5).record_id != record(5, shard="shardId-000000000001").record_id
    other_stream = SourceRecord(
        "arn:aws:kinesis:us-east-1:1:stream/other", "shardId-000000000000", "5", 0, "S001", b"", 0
    )
    assert record(5).record_id != other_stream.record_id
    assert record(5).record_id.isdigit()


def test_invocations_stay_within_the_6_mb_request_limit() -> None:
    big = [record(i, b"x" * 900_000) for i in range(20)]  # ~18 MB of data, ~24 MB as base64
    groups = split_into_invocations(big, STREAM)
    assert len(groups) > 1
    assert [r.sequence_number for records, _ in groups for r in records] == [
        str(i) for i in range(20)
    ]
    for _records, entries in groups:
        size = len(json.dumps(build_event(STREAM, "00000000-0000-0000-0000-000000000000", entries)))
        assert size <= LAMBDA_PAYLOAD_LIMIT_BYTES


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_buffer_flushes_by_size_hint() -> None:
    buffer = DeliveryBuffer(size_hint_bytes=1000, interval_s=60, clock=FakeClock())
    buffer.add([record(i, b"x" * 300) for i in range(5)])
    assert buffer.is_due()
    first = buffer.take()
    assert [r.sequence_number for r in first] == ["0", "1", "2", "3"]  # reaches 1,200 >= 1,000
    assert not buffer.is_due()  # 300 bytes left, not old enough
    assert len(buffer) == 1


def test_buffer_flushes_by_interval() -> None:
    clock = FakeClock()
    buffer = DeliveryBuffer(size_hint_bytes=1_000_000, interval_s=30, clock=clock)
    buffer.add([record(1)])
    clock.now = 29.9
    assert not buffer.is_due()
    clock.now = 30.0
    assert buffer.is_due()
    assert len(buffer.take()) == 1
    assert not buffer.is_due()


def ok_response(event: dict[str, Any]) -> dict[str, Any]:
    return {
        "records": [
            {"recordId": r["recordId"], "result": "Ok", "data": r["data"]} for r in event["records"]
        ]
    }


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda resp: resp["records"].pop(), "Lambda.MissingRecordId"),
        (
            lambda resp: resp["records"].append(dict(resp["records"][0])),
            "Lambda.DuplicatedRecordId",
        ),
        (lambda resp: resp["records"][0].update(result="Maybe"), "Lambda.InvalidResult"),
        (lambda resp: resp["records"][0].update(data="not base64!"), "Lambda.InvalidBase64"),
        (lambda resp: resp["records"][0].pop("data"), "Lambda.MissingData"),
        (lambda resp: resp["records"][0].update(recordId="unknown"), "Lambda.MissingRecordId"),
        (lambda resp: resp.pop("records"), "Lambda.JsonProcessingException"),
    ],
)
def test_response_contract_breaches_are_named(mutate: Any, code: str) -> None:
    event = build_event(STREAM, "inv", [event_record(record(i)) for i in range(3)])
    response = ok_response(event)
    mutate(response)
    with pytest.raises(ResponseContractError) as caught:
        check_response([r["recordId"] for r in event["records"]], response)
    assert caught.value.error_code == code


def test_response_over_6_mb_is_refused() -> None:
    event = build_event(STREAM, "inv", [event_record(record(1))])
    response = ok_response(event)
    response["records"][0]["data"] = base64.b64encode(b"x" * 5_000_000).decode()
    with pytest.raises(ResponseContractError, match="ResponseSizeExceeded"):
        check_response([event["records"][0]["recordId"]], response)


class ListSink:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str]] = []

    def load_bronze(self, rows: Any) -> int:
        self.rows.extend(rows)
        return len(rows)


def worker(tmp_path: Path, handler: Any, sink: ListSink, retries: int = 3) -> FirehoseWorker:
    return FirehoseWorker(
        client=None,  # type: ignore[arg-type]  # deliver() never reads Kinesis
        source_stream_name="pos",
        delivery_stream=STREAM,
        sink=sink,
        error_output=ErrorOutput(tmp_path / "errors", STREAM.name, STREAM.lambda_arn),
        checkpoints=CheckpointStore(tmp_path / "checkpoints"),
        invoker=TransformInvoker(handler, STREAM.lambda_arn, retries, sleep=lambda _: None),
        config=WorkerConfig(),
    )


def test_failed_invocation_is_retried_then_the_whole_batch_goes_to_processing_failed(
    tmp_path: Path,
) -> None:
    calls = []

    def broken(event: dict[str, Any], context: Any) -> Any:
        calls.append(context.aws_request_id)
        raise TimeoutError("simulated")

    sink = ListSink()
    batch = [record(1, b"first"), record(2, b"second")]
    worker(tmp_path, broken, sink, retries=3).deliver(batch)
    assert len(calls) == 4  # the first attempt + NumberOfRetries
    assert sink.rows == []
    errors = list(read_error_records(tmp_path / "errors", "processing-failed"))
    assert [base64.b64decode(e["rawData"]) for e in errors] == [b"first", b"second"]
    for error in errors:
        assert set(error) == {
            "attemptsMade",
            "arrivalTimestamp",
            "errorCode",
            "errorMessage",
            "attemptEndingTimestamp",
            "rawData",
            "lambdaArn",
        }
        assert error["attemptsMade"] == 4
        assert error["errorCode"] == "Lambda.FunctionError"
        assert error["lambdaArn"] == STREAM.lambda_arn
    # The checkpoint moved on: the batch is delivered (to the error output), not stuck.
    assert CheckpointStore(tmp_path / "checkpoints").load("shardId-000000000000") == "2"


def test_processing_failed_records_land_in_the_firehose_prefix_layout(tmp_path: Path) -> None:
    def half_failed(event: dict[str, Any], context: Any) -> Any:
        response = ok_response(event)
        response["records"][1]["result"] = "ProcessingFailed"
        return response

    sink = ListSink()
    good = json.dumps({"payload": {}, "meta": {}}).encode()
    worker(tmp_path, half_failed, sink).deliver([record(1, good), record(2, good)])
    assert len(sink.rows) == 1
    files = [p for p in (tmp_path / "errors").rglob("*") if p.is_file()]
    assert len(files) == 1
    relative = files[0].relative_to(tmp_path / "errors").parts
    assert relative[0] == "processing-failed"
    assert [len(part) for part in relative[1:5]] == [4, 2, 2, 2]  # YYYY/MM/DD/HH
    (error,) = read_error_records(tmp_path / "errors", "processing-failed")
    assert error["errorCode"] == "Lambda.ProcessingFailedStatus"


def test_ok_output_that_is_not_one_json_object_goes_to_snowflake_failed(tmp_path: Path) -> None:
    def array_output(event: dict[str, Any], context: Any) -> Any:
        response = ok_response(event)
        response["records"][0]["data"] = base64.b64encode(b"[1, 2]").decode()
        return response

    sink = ListSink()
    worker(tmp_path, array_output, sink).deliver([record(1, b"{}"), record(2, b"{}")])
    assert len(sink.rows) == 1
    (error,) = read_error_records(tmp_path / "errors", "snowflake-failed")
    assert error["errorCode"] == "Snowflake.InvalidInput"
    assert base64.b64decode(error["rawData"]) == b"[1, 2]"
    assert "lambdaArn" not in error


def test_bronze_rows_carry_firehose_metadata_and_real_handler_output(tmp_path: Path) -> None:
    from lambdas.transform.handler import lambda_handler

    sink = ListSink()
    sale = b'{"store_id":"S001","transaction_id":"t1"}'
    worker(tmp_path, lambda_handler, sink).deliver([record(3, sale), record(4, b"not json")])
    assert len(sink.rows) == 2
    content, metadata = (json.loads(part) for part in sink.rows[0])
    assert content["meta"]["record_id"] == record(3).record_id
    assert set(metadata) == {
        "kinesisStreamName",
        "kinesisShardId",
        "kinesisPartitionKey",
        "kinesisSequenceNumber",
        "subsequenceNumber",
        "IngestionTime",
    }
    assert metadata["kinesisSequenceNumber"] == "3"
    assert json.loads(sink.rows[1][0])["meta"]["status"] == "not_json"


def test_checkpoint_is_written_only_after_bronze_accepted_the_batch(tmp_path: Path) -> None:
    class FailingSink(ListSink):
        def load_bronze(self, rows: Any) -> int:
            raise ConnectionError("warehouse down")

    from lambdas.transform.handler import lambda_handler

    failing = worker(tmp_path, lambda_handler, FailingSink())
    failing.config = WorkerConfig(bronze_attempts=1)
    with pytest.raises(ConnectionError):
        failing.deliver([record(1, b"{}")])
    assert CheckpointStore(tmp_path / "checkpoints").load("shardId-000000000000") is None
