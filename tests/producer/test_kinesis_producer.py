"""put_records batching within Kinesis limits, retry of refused records, and JSONL replay."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from producer.kinesis_producer import (
    MAX_BYTES_PER_CALL,
    KinesisProducer,
    PutRecordsFailedError,
    RetryPolicy,
    batches,
)
from producer.records import JsonLinesWriter, ProducedRecord, read_json_lines


def records(n: int, size: int = 10) -> list[ProducedRecord]:
    return [ProducedRecord(b"x" * size, "valid", f"S{i % 8:03d}") for i in range(n)]


def test_batches_hold_at_most_500_records_and_5_mib() -> None:
    by_count = list(batches(enumerate(records(1201))))
    assert [len(b) for b in by_count] == [500, 500, 201]
    by_size = list(batches(enumerate(records(12, size=1_000_000))))
    assert all(
        sum(len(r.data) + len(r.partition_key) for _, r in b) <= MAX_BYTES_PER_CALL for b in by_size
    )
    assert sum(len(b) for b in by_size) == 12


class FlakyKinesis:
    """Refuses the records at the given positions on the first ``flaky_calls`` calls."""

    def __init__(self, refuse: set[int], flaky_calls: int) -> None:
        self.refuse = refuse
        self.flaky_calls = flaky_calls
        self.calls: list[list[bytes]] = []

    def put_records(self, StreamName: str, Records: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        self.calls.append([r["Data"] for r in Records])
        out = []
        for position in range(len(Records)):
            if len(self.calls) <= self.flaky_calls and position in self.refuse:
                out.append(
                    {
                        "ErrorCode": "ProvisionedThroughputExceededException",
                        "ErrorMessage": "slow down",
                    }
                )
            else:
                out.append(
                    {
                        "ShardId": "shardId-000000000000",
                        "SequenceNumber": str(len(self.calls) * 1000 + position),
                    }
                )
        return {"FailedRecordCount": 0, "Records": out}


def test_refused_records_are_retried_until_accepted() -> None:
    client = FlakyKinesis(refuse={1, 3}, flaky_calls=1)
    producer = KinesisProducer(
        client, "pos", retry=RetryPolicy(max_attempts=3), sleep=lambda _: None
    )  # type: ignore[arg-type]
    batch = list(enumerate([ProducedRecord(bytes([65 + i]), "valid", "S001") for i in range(5)]))
    results = producer.put(batch)
    assert [r.index for r in results] == [0, 1, 2, 3, 4]
    assert client.calls[1] == [b"B", b"D"]  # only the refused ones went again


def test_records_still_refused_after_the_bound_raise_instead_of_vanishing() -> None:
    client = FlakyKinesis(refuse={0}, flaky_calls=99)
    producer = KinesisProducer(
        client, "pos", retry=RetryPolicy(max_attempts=3), sleep=lambda _: None
    )  # type: ignore[arg-type]
    with pytest.raises(PutRecordsFailedError) as caught:
        producer.put(list(enumerate(records(2))))
    assert [index for index, _ in caught.value.failures] == [0]
    assert len(client.calls) == 3


def test_jsonl_file_replays_byte_for_byte(tmp_path: Path) -> None:
    produced = [
        ProducedRecord.from_bytes(b'{"store_id":"S002","x":1}'),
        ProducedRecord.from_bytes(b""),
        ProducedRecord.from_bytes(b"\xff\xfe not utf-8"),
    ]
    writer = JsonLinesWriter(tmp_path / "run.jsonl")
    writer.write(produced)
    writer.sync()
    writer.close()
    replayed = list(read_json_lines(tmp_path / "run.jsonl"))
    assert [r.data for r in replayed] == [r.data for r in produced]
    assert [r.partition_key for r in replayed] == ["S002", "UNKNOWN", "UNKNOWN"]


def test_moto_round_trip_puts_every_record_with_store_partition_keys() -> None:
    import itertools

    from local.kinesis import LocalKinesis
    from producer.generator import GeneratorOptions, SaleGenerator

    produced = list(itertools.islice(SaleGenerator(GeneratorOptions(seed=3, bad_rate=0.2)), 1200))
    with LocalKinesis("producer-test", shard_count=2) as kinesis:
        client = kinesis.client()
        results = list(KinesisProducer(client, "producer-test").put_all(produced))
        assert [r.index for r in results] == list(range(1200))
        stored = []
        for shard in client.list_shards(StreamName="producer-test")["Shards"]:
            iterator = client.get_shard_iterator(
                StreamName="producer-test",
                ShardId=shard["ShardId"],
                ShardIteratorType="TRIM_HORIZON",
            )["ShardIterator"]
            stored += client.get_records(ShardIterator=iterator, Limit=10_000)["Records"]
    assert sorted(r["Data"] for r in stored) == sorted(r.data for r in produced)
    assert {r["PartitionKey"] for r in stored} <= {r.partition_key for r in produced}
