"""The local Kinesis drops what the local Firehose has checkpointed, and nothing else."""

from __future__ import annotations

from pathlib import Path

import orjson

from local.firehose.checkpoint import POSITIONS_FILE, CheckpointStore
from local.kinesis import LocalKinesis, trim_consumed
from tests.process_tree import wait_for

SHARD = "shardId-000000000000"


def put(kinesis: LocalKinesis, count: int) -> list[str]:
    response = kinesis.client().put_records(
        StreamName=kinesis.stream_name,
        Records=[{"Data": f"r{n}".encode(), "PartitionKey": "k"} for n in range(count)],
    )
    return [record["SequenceNumber"] for record in response["Records"]]


def read_all(kinesis: LocalKinesis) -> list[bytes]:
    client = kinesis.client()
    iterator = client.get_shard_iterator(
        StreamName=kinesis.stream_name, ShardId=SHARD, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    return [record["Data"] for record in client.get_records(ShardIterator=iterator)["Records"]]


def test_records_at_or_below_the_checkpoint_are_dropped_and_numbering_goes_on() -> None:
    with LocalKinesis("trim-direct", 1, in_process=True) as kinesis:
        sequences = put(kinesis, 10)
        assert trim_consumed("trim-direct", {SHARD: sequences[5]}) == 6
        assert read_all(kinesis) == [f"r{n}".encode() for n in range(6, 10)]
        # Everything consumed: the newest record stays, so the next one is numbered after it.
        trim_consumed("trim-direct", {SHARD: sequences[-1]})
        assert read_all(kinesis) == [b"r9"]
        (after,) = put(kinesis, 1)
        assert int(after) > int(sequences[-1])


def test_the_server_trims_after_the_checkpoint_file_moves(tmp_path: Path) -> None:
    positions = tmp_path / POSITIONS_FILE
    with LocalKinesis("trim-file", 1, in_process=True, consumed_positions=positions) as kinesis:
        sequences = put(kinesis, 20)
        CheckpointStore(tmp_path).save_all({SHARD: sequences[14]})
        assert orjson.loads(positions.read_bytes())["shards"][SHARD] == sequences[14]
        wait_for(lambda: len(read_all(kinesis)) == 5, 30, "the consumed records to be dropped")
        assert read_all(kinesis) == [f"r{n}".encode() for n in range(15, 20)]
