"""Local Kinesis: moto's ThreadedMotoServer on 127.0.0.1 (free port) with the stream created.

Everything talks to it through real boto3 calls, so the producer and the Firehose worker run the
same code as against AWS. The server lives in this process and keeps its data in memory: when the
process dies the stream is gone, which is why the local pipeline keeps its own durable ledger
(see local/pipeline.py) and names each incarnation of the stream distinctly.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

import boto3
from moto.server import ThreadedMotoServer

if TYPE_CHECKING:
    from types_boto3_kinesis import KinesisClient

LOCAL_REGION = "us-east-1"
# moto accepts any credentials; this placeholder is not a secret.
_LOCAL_KEY = "local"
DEFAULT_SHARDS = 4


class LocalKinesis:
    def __init__(self, stream_name: str, shard_count: int = DEFAULT_SHARDS) -> None:
        self.stream_name = stream_name
        self.shard_count = shard_count
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.endpoint_url = ""
        self.stream_arn = ""

    def start(self) -> LocalKinesis:
        # werkzeug logs every request at INFO; a pipeline run makes thousands.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"
        client = self.client()
        client.create_stream(StreamName=self.stream_name, ShardCount=self.shard_count)
        deadline = time.monotonic() + 10
        while True:
            summary = client.describe_stream_summary(StreamName=self.stream_name)
            description = summary["StreamDescriptionSummary"]
            if description["StreamStatus"] == "ACTIVE":
                self.stream_arn = description["StreamARN"]
                return self
            if time.monotonic() > deadline:
                raise TimeoutError(f"stream {self.stream_name} did not become ACTIVE")
            time.sleep(0.05)

    def client(self) -> KinesisClient:
        return boto3.client(
            "kinesis",
            region_name=LOCAL_REGION,
            endpoint_url=self.endpoint_url,
            aws_access_key_id=_LOCAL_KEY,
            aws_secret_access_key=_LOCAL_KEY,
        )

    def stop(self) -> None:
        # moto's backend is global to the process and outlives the server: drop the stream so a
        # later LocalKinesis in this process (tests, the benchmark) starts clean.
        try:
            self.client().delete_stream(StreamName=self.stream_name, EnforceConsumerDeletion=True)
        finally:
            self._server.stop()

    def __enter__(self) -> LocalKinesis:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
