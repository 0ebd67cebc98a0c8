"""``pos produce`` against an endpoint (a local moto server): what it records is what the stream
holds, partitioned by store, and generated sales are stamped when produced."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from local.kinesis import LocalKinesis
from pos.app import app
from producer.records import read_json_lines


def stream_records(kinesis: LocalKinesis) -> list[tuple[bytes, str]]:
    client = kinesis.client()
    found = []
    for shard in client.list_shards(StreamName=kinesis.stream_name)["Shards"]:
        iterator = client.get_shard_iterator(
            StreamName=kinesis.stream_name,
            ShardId=shard["ShardId"],
            ShardIteratorType="TRIM_HORIZON",
        )["ShardIterator"]
        records = client.get_records(ShardIterator=iterator, Limit=10_000)["Records"]
        found += [(record["Data"], record["PartitionKey"]) for record in records]
    return found


def sale_time(data: bytes) -> datetime | None:
    """The sale's timestamp, when the record is an object with a zoned one."""
    try:
        moment = datetime.fromisoformat(json.loads(data)["timestamp"])
    except (ValueError, KeyError, TypeError):
        return None
    return moment if moment.tzinfo is not None else None


def test_sends_generated_sales_to_an_endpoint_and_records_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # boto3 needs some credentials; moto accepts any.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    started = datetime.now(UTC)
    with LocalKinesis("pos-produce", 2, in_process=True) as kinesis:
        result = CliRunner().invoke(
            app,
            ["produce", "--stream-name", "pos-produce", "--endpoint-url", kinesis.endpoint_url,
             "--region", "us-east-1", "--events", "60", "--bad-rate", "0.1",
             "--record-to", str(tmp_path / "sent.jsonl")],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert "sent 60 records to pos-produce" in result.output
        on_stream = stream_records(kinesis)
    sent = list(read_json_lines(tmp_path / "sent.jsonl"))
    assert sorted(data for data, _ in on_stream) == sorted(record.data for record in sent)
    assert {(r.data, r.partition_key) for r in sent} == set(on_stream)
    stamps = [sale_time(record.data) for record in sent]
    stamped = [moment for moment in stamps if moment is not None]
    assert len(stamped) >= 40  # the good sales at least
    assert all(started.replace(microsecond=0) <= moment <= datetime.now(UTC) for moment in stamped)


def test_writes_a_reproducible_file_without_sending(tmp_path: Path) -> None:
    args = ["produce", "--events", "30", "--seed", "4", "--base-time", "2026-01-01T09:00:00+0000"]
    first = CliRunner().invoke(app, [*args, "--to-file", str(tmp_path / "a.jsonl")])
    second = CliRunner().invoke(app, [*args, "--to-file", str(tmp_path / "b.jsonl")])
    assert first.exit_code == second.exit_code == 0
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    assert len((tmp_path / "a.jsonl").read_bytes().splitlines()) == 30


def test_sending_needs_a_stream_name() -> None:
    result = CliRunner().invoke(app, ["produce", "--events", "5"])
    assert result.exit_code == 2
    assert "--stream-name" in result.output
