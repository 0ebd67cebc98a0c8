"""Reads one Kinesis shard with GetShardIterator/GetRecords, from a saved position onward."""

from __future__ import annotations

from typing import TYPE_CHECKING

from local.firehose.event import SourceRecord

if TYPE_CHECKING:
    from types_boto3_kinesis import KinesisClient

GET_RECORDS_LIMIT = 10_000  # Kinesis's maximum per call


class ShardReader:
    def __init__(
        self,
        client: KinesisClient,
        stream_name: str,
        stream_arn: str,
        shard_id: str,
        after_sequence_number: str | None,
        limit: int = GET_RECORDS_LIMIT,
    ) -> None:
        self._client = client
        self._stream_name = stream_name
        self._stream_arn = stream_arn
        self.shard_id = shard_id
        self.last_read_sequence = after_sequence_number
        self._limit = limit
        self._iterator: str | None = self._new_iterator()
        self.closed = False
        self.millis_behind_latest = 0

    def _new_iterator(self) -> str:
        if self.last_read_sequence is None:
            response = self._client.get_shard_iterator(
                StreamName=self._stream_name,
                ShardId=self.shard_id,
                ShardIteratorType="TRIM_HORIZON",
            )
        else:
            response = self._client.get_shard_iterator(
                StreamName=self._stream_name,
                ShardId=self.shard_id,
                ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                StartingSequenceNumber=self.last_read_sequence,
            )
        return response["ShardIterator"]

    def poll(self) -> list[SourceRecord]:
        if self._iterator is None:
            return []
        try:
            response = self._client.get_records(ShardIterator=self._iterator, Limit=self._limit)
        except self._client.exceptions.ExpiredIteratorException:
            # Iterators expire after 5 minutes; resume right after the last record read.
            self._iterator = self._new_iterator()
            response = self._client.get_records(ShardIterator=self._iterator, Limit=self._limit)
        self._iterator = response.get("NextShardIterator")
        if self._iterator is None:
            self.closed = True
        self.millis_behind_latest = response.get("MillisBehindLatest", 0)
        records = [
            SourceRecord(
                stream_arn=self._stream_arn,
                shard_id=self.shard_id,
                sequence_number=record["SequenceNumber"],
                subsequence_number=0,
                partition_key=record["PartitionKey"],
                data=record["Data"],
                arrival_ms=int(record["ApproximateArrivalTimestamp"].timestamp() * 1000),
            )
            for record in response["Records"]
        ]
        if records:
            self.last_read_sequence = records[-1].sequence_number
        return records
