"""The local twin's side of ``pos redrive firehose-errors``: where a record put back goes.

On AWS a record put back on the Kinesis stream stays there until Firehose delivers it. The twin's
Kinesis (moto) lives only as long as the process that started it, so here a batch counts as sent
once it is in Bronze: each batch is put on a moto stream of its own with the same boto3 calls as
against AWS, then the local Firehose worker (the real transform handler, the same error output,
the Firehose user's Bronze load) delivers it before the manifest records it. A kill in between
sends that batch again on resume; Silver's dedupe on ``meta.content_sha256`` ignores the copy.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from local.firehose.checkpoint import CheckpointStore
from local.firehose.error_output import ErrorOutput
from local.firehose.event import DeliveryStream
from local.firehose.invoke import TransformInvoker
from local.firehose.worker import FirehoseWorker, WorkerConfig
from local.kinesis import LOCAL_REGION, LocalKinesis
from local.pipeline.runner import DELIVERY_STREAM_NAME, LOCAL_ACCOUNT, TRANSFORM_FUNCTION
from producer.kinesis_producer import KinesisProducer
from producer.records import ProducedRecord

DELIVERY_TIMEOUT_S = 120.0

Send = Callable[[Sequence[bytes]], None]


def error_root(workdir: Path) -> Path:
    """The run's error folder: the local run writes Firehose's error output here."""
    return workdir / "firehose" / "errors"


def put_on_kinesis(client: Any, stream_name: str) -> Send:
    """Put records on a Kinesis stream (AWS or moto): partition key = the sale's store id."""
    producer = KinesisProducer(client, stream_name)

    def send(records: Sequence[bytes]) -> None:
        list(producer.put_all(ProducedRecord.from_bytes(data, "redriven") for data in records))

    return send


@contextmanager
def through_local_firehose(workdir: Path, warehouse: Any, handler: Any) -> Iterator[Send]:
    """A sender that puts each batch on a moto stream and delivers it into the warehouse."""
    stream_name = f"retail-pos-redrive-{uuid.uuid4().hex[:12]}"
    lambda_arn = f"arn:aws:lambda:{LOCAL_REGION}:{LOCAL_ACCOUNT}:function:{TRANSFORM_FUNCTION}"
    with LocalKinesis(stream_name, shard_count=1, in_process=True) as kinesis:
        delivery = DeliveryStream(
            name=DELIVERY_STREAM_NAME,
            arn=f"arn:aws:firehose:{LOCAL_REGION}:{LOCAL_ACCOUNT}:deliverystream/{DELIVERY_STREAM_NAME}",
            source_stream_arn=kinesis.stream_arn,
            region=LOCAL_REGION,
            lambda_arn=lambda_arn,
        )
        worker = FirehoseWorker(
            kinesis.client(),
            stream_name,
            delivery,
            warehouse,
            ErrorOutput(error_root(workdir), DELIVERY_STREAM_NAME, lambda_arn),
            CheckpointStore(workdir / "firehose" / "redrive-checkpoints" / stream_name),
            TransformInvoker(handler, lambda_arn),
            WorkerConfig(buffer_interval_s=0.0),
        )
        worker.open()
        put = put_on_kinesis(kinesis.client(), stream_name)

        def send(records: Sequence[bytes]) -> None:
            expected = worker.stats.read + len(records)
            put(records)
            deadline = time.monotonic() + DELIVERY_TIMEOUT_S
            while worker.stats.read < expected:
                if time.monotonic() > deadline:
                    raise TimeoutError("the local Firehose did not read the records put back")
                worker.poll_once()
            worker.flush()

        yield send
