"""Firehose's error output read back (pos/firehose_errors.py): the documented record format, the
original bytes recovered from a transformed envelope and proven by its content hash, and a
redrive from an S3 bucket to a Kinesis stream through boto3 (moto), resumable by its manifest."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path
from typing import Any

import boto3
import orjson
import pytest
from moto import mock_aws

from local.firehose.redrive import put_on_kinesis
from pos import firehose_errors as errors
from tests.snowflake.bronze import bronze_rows, encode, sale

os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-1")


def entry(data: bytes, **extra: Any) -> bytes:
    """One line as Firehose writes it (data-transformation-failure-handling, retry pages)."""
    document = {
        "attemptsMade": 1,
        "arrivalTimestamp": 1764543600000,
        "errorCode": "Lambda.ProcessingFailedStatus",
        "errorMessage": "failed",
        "attemptEndingTimestamp": 1764543601000,
        "rawData": base64.b64encode(data).decode(),
        **extra,
    }
    return orjson.dumps(document)


def envelope_of(data: bytes) -> bytes:
    """The transform's real output for ``data`` (what snowflake-failed/ keeps)."""
    [(content, _)] = bronze_rows([data])
    return content.encode()


@pytest.mark.parametrize(
    "original",
    [
        encode(sale("T-1")),
        # A payload that holds the envelope's own separator: the split must be proven by hash.
        encode(sale("T-2", note=',"meta":{"x":1}')),
        b"not json at all",
        b"\xff\xfe not utf-8",
        b"[1, 2, 3]",
    ],
    ids=["sale", "separator inside", "not json", "not utf-8", "not an object"],
)
def test_the_original_bytes_come_back_from_a_transformed_envelope(original: bytes) -> None:
    body = entry(envelope_of(original)) + b"\n"
    [record] = errors.parse_object("snowflake-failed/k", body, errors.SNOWFLAKE_FAILED)
    assert record.data == original
    assert record.identity == "snowflake-failed/k#1"


def test_an_envelope_whose_bytes_cannot_be_proven_is_refused() -> None:
    envelope = orjson.loads(envelope_of(encode(sale("T-3"))))
    envelope["meta"]["content_sha256"] = hashlib.sha256(b"something else").hexdigest()
    with pytest.raises(errors.MalformedErrorObjectError, match="hashes to its content_sha256"):
        errors.parse_object("k", entry(orjson.dumps(envelope)), errors.SNOWFLAKE_FAILED)
    with pytest.raises(errors.MalformedErrorObjectError, match="not JSON; its original bytes"):
        errors.parse_object("k", entry(b"\x00\x01"), errors.SNOWFLAKE_FAILED)


def test_the_prefix_names_the_kind() -> None:
    assert errors.kind_of("processing-failed/2026/12/02/") == errors.PROCESSING_FAILED
    assert errors.kind_of("errors/snowflake-failed/2026/") == errors.SNOWFLAKE_FAILED
    with pytest.raises(ValueError, match="under neither"):
        errors.kind_of("2026/12/02/")


@mock_aws
def test_redrive_from_s3_to_kinesis_through_boto3_resumes_without_resending(
    tmp_path: Path,
) -> None:
    s3 = boto3.client("s3", region_name="eu-west-1")
    kinesis = boto3.client("kinesis", region_name="eu-west-1")
    s3.create_bucket(Bucket="errors", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    kinesis.create_stream(StreamName="sales", ShardCount=1)
    originals = [encode(sale(f"T-{n}")) for n in range(5)]
    prefix = "processing-failed/2026/11/30/"
    s3.put_object(Bucket="errors", Key=f"{prefix}23/a", Body=b"\n".join(map(entry, originals[:3])))
    s3.put_object(Bucket="errors", Key=f"{prefix}23/b", Body=b"\n".join(map(entry, originals[3:])))
    s3.put_object(Bucket="errors", Key=f"{prefix}23/c", Body=b"{broken")
    objects = errors.S3Objects(s3, "errors")
    manifest_path = tmp_path / "manifest.jsonl"

    dry = errors.redrive(objects, prefix, errors.Manifest(manifest_path), None)
    assert (dry.objects, dry.records, dry.to_send, dry.sent) == (3, 5, 5, 0)
    assert dry.malformed == [f"{prefix}23/c line 1: not JSON"]

    send = put_on_kinesis(kinesis, "sales")
    report = errors.redrive(objects, prefix, errors.Manifest(manifest_path), send, batch_size=2)
    assert (report.sent, report.already_sent) == (5, 0)
    again = errors.redrive(objects, prefix, errors.Manifest(manifest_path), send)
    assert (again.sent, again.already_sent) == (0, 5)

    shard = kinesis.list_shards(StreamName="sales")["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(
        StreamName="sales", ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    received = kinesis.get_records(ShardIterator=iterator)["Records"]
    assert [record["Data"] for record in received] == originals
    assert [record["PartitionKey"] for record in received] == ["S001"] * 5


def test_the_command_against_s3_and_kinesis_endpoints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``pos redrive firehose-errors --bucket --stream-name`` as against AWS, on moto's server."""
    from moto.server import ThreadedMotoServer
    from typer.testing import CliRunner

    from pos.app import app

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        s3 = boto3.client("s3", region_name="eu-west-1", endpoint_url=endpoint)
        kinesis = boto3.client("kinesis", region_name="eu-west-1", endpoint_url=endpoint)
        s3.create_bucket(
            Bucket="errors", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
        )
        kinesis.create_stream(StreamName="sales", ShardCount=1)
        originals = [encode(sale(f"T-{n}")) for n in range(3)]
        body = b"\n".join(entry(envelope_of(data)) for data in originals)
        s3.put_object(Bucket="errors", Key="snowflake-failed/2026/11/30/23/x", Body=body)
        arguments = [
            "redrive", "firehose-errors", "--prefix", "snowflake-failed/2026/11/30/",
            "--bucket", "errors", "--stream-name", "sales", "--region", "eu-west-1",
            "--endpoint-url", endpoint, "--manifest", str(tmp_path / "m.jsonl"),
        ]  # fmt: skip
        first = CliRunner().invoke(app, arguments)
        second = CliRunner().invoke(app, arguments)
        elsewhere = ["no-such-bucket" if item == "errors" else item for item in arguments]
        denied = CliRunner().invoke(app, elsewhere)
    finally:
        server.stop()
    assert first.exit_code == 0, first.output
    assert "1 objects, 3 records; sent 3, already sent by an earlier redrive 0" in first.output
    assert "sent 0, already sent by an earlier redrive 3" in second.output
    assert denied.exit_code == 1
    assert "error: NoSuchBucket" in denied.output
