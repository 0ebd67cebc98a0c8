"""Local Kinesis: a moto server on 127.0.0.1 (free port) with the stream created.

Everything talks to it through real boto3 calls, so the producer and the Firehose worker run the
same code as against AWS. By default the server runs in its own child process (``python -m
local.kinesis``), so its request handling does not compete with the Firehose worker and the
warehouse for this process's GIL; ``in_process=True`` keeps the server in this process instead
(the benchmark measures both).

moto's Kinesis backend is not thread-safe (a GetRecords iterating a shard while a PutRecords
appends to it fails with "OrderedDict mutated during iteration", an HTTP 500 that botocore
retries), so the server handles one request at a time: real Kinesis is linearizable per shard too.

Either way moto keeps its data in memory: when the run's process dies the stream is gone (the
child exits when its stdin, a pipe from the parent, reaches end-of-file, which the kernel
delivers when the parent dies, even by SIGKILL; on Linux it also gets the parent-death signal,
see local/processes.py). That is why the local pipeline keeps its own durable ledger (see
local/pipeline/ledger.py) and names each incarnation of the stream distinctly.

Bounded memory: Kinesis keeps a record for the stream's retention period, 24 hours at least
("The default retention period of 24 hours", https://docs.aws.amazon.com/streams/latest/dev/
kinesis-extended-retention.html), and moto keeps every record for the life of the process, so a
long local run would hold everything it ever produced. Given ``consumed_positions`` (the local
Firehose's checkpoint file), the server drops the records at or below the checkpointed sequence
number of each shard, about once a second: nothing else reads the local stream, and a restart
makes a new stream anyway. The newest record of a shard is always kept, because moto numbers the
next record after the last one it holds. moto also files two CloudWatch data points per
``PutRecords`` call, and lists every model instance it creates for its dashboard; nothing reads
either locally, so both are dropped with the records.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import orjson
from moto.cloudwatch.models import cloudwatch_backends
from moto.core.model_instances import model_data
from moto.kinesis.models import kinesis_backends
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, make_server

from local.processes import child_env, die_with_parent

if TYPE_CHECKING:
    from types_boto3_kinesis import KinesisClient

LOCAL_REGION = "us-east-1"
# moto accepts any credentials; this placeholder is not a secret.
_LOCAL_KEY = "local"
DEFAULT_SHARDS = 4
_START_TIMEOUT_S = 30.0
TRIM_INTERVAL_S = 1.0


class LocalKinesis:
    def __init__(
        self,
        stream_name: str,
        shard_count: int = DEFAULT_SHARDS,
        *,
        in_process: bool = False,
        consumed_positions: Path | None = None,
    ) -> None:
        self.stream_name = stream_name
        self.shard_count = shard_count
        self.in_process = in_process
        self.consumed_positions = consumed_positions
        self._server: BaseWSGIServer | None = None
        self._child: subprocess.Popen[bytes] | None = None
        self._stop_trimming = threading.Event()
        self.endpoint_url = ""
        self.stream_arn = ""

    def start(self) -> LocalKinesis:
        if self.in_process:
            self._server, self.endpoint_url = _serve()
            if self.consumed_positions is not None:
                _start_trimming(
                    self.stream_name, self.consumed_positions, self._server, self._stop_trimming
                )
        else:
            self._child, self.endpoint_url = _start_child(self.stream_name, self.consumed_positions)
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
        return client_for(self.endpoint_url)

    def stop(self) -> None:
        if self._child is not None:
            # The stream dies with the child: closing its stdin is its signal to exit.
            child, self._child = self._child, None
            assert child.stdin is not None
            child.stdin.close()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
            return
        # moto's backend is global to the process and outlives the server: drop the stream so a
        # later in-process LocalKinesis (tests, the benchmark) starts clean.
        assert self._server is not None
        self._stop_trimming.set()
        try:
            self.client().delete_stream(StreamName=self.stream_name, EnforceConsumerDeletion=True)
        finally:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> LocalKinesis:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _OneRequestAtATime:
    """WSGI wrapper: the whole request, response body included, under one lock (which trimming
    takes too: moto's backend is not thread-safe)."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self._app = app
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with self.lock:
            return list(self._app(environ, start_response))


def trim_consumed(stream_name: str, positions: Mapping[str, str]) -> int:
    """Drops the records of ``stream_name`` at or below each shard's consumed sequence number
    (keeping each shard's newest record) and moto's CloudWatch data points; returns the records
    dropped. The caller holds the server's request lock."""
    dropped = 0
    for regions in list(kinesis_backends.values()):
        for backend in list(regions.values()):
            stream = backend.streams.get(stream_name)
            if stream is None:
                continue
            for shard_id, sequence in positions.items():
                shard = stream.shards.get(shard_id)
                if shard is None:
                    continue
                records, through = shard.records, int(sequence)
                while len(records) > 1:
                    oldest = next(iter(records))
                    if oldest > through:
                        break
                    del records[oldest]
                    dropped += 1
    for metric_regions in list(cloudwatch_backends.values()):
        for metrics in list(metric_regions.values()):
            metrics.metric_data.clear()
    # moto also lists every model instance it ever made, for its dashboard (moto.core.
    # model_instances; unused here): a dropped record is only freed once forgotten there too.
    for service in ("kinesis", "cloudwatch"):
        for model in model_data.get(service, {}).values():
            model.instances_tracked.clear()  # type: ignore[attr-defined]
    return dropped


def _read_positions(path: Path) -> dict[str, str] | None:
    try:
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None  # not written yet (or being replaced): try again next time
    shards = data.get("shards") if isinstance(data, dict) else None
    return {str(k): str(v) for k, v in shards.items()} if isinstance(shards, dict) else None


def _start_trimming(
    stream_name: str, positions_file: Path, server: BaseWSGIServer, stop: threading.Event
) -> None:
    app = server.app
    assert isinstance(app, _OneRequestAtATime)

    def trim_forever() -> None:
        seen: float | None = None
        while not stop.wait(TRIM_INTERVAL_S):
            try:
                modified = positions_file.stat().st_mtime
            except OSError:
                continue
            if modified == seen:
                continue
            positions = _read_positions(positions_file)
            if positions is None:
                continue
            seen = modified
            with app.lock:
                trim_consumed(stream_name, positions)

    threading.Thread(target=trim_forever, name="moto trim", daemon=True).start()


def _serve() -> tuple[BaseWSGIServer, str]:
    """moto's app on a free 127.0.0.1 port, served by a daemon thread; returns it and its URL."""
    # werkzeug logs every request at INFO; a pipeline run makes thousands.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = _OneRequestAtATime(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", 0, app, True, request_handler=MotoRequestHandler)
    threading.Thread(target=server.serve_forever, name="moto", daemon=True).start()
    host, port = server.server_address[:2]
    return server, f"http://{host!s}:{port}"


def client_for(endpoint_url: str) -> KinesisClient:
    """A boto3 Kinesis client for a local endpoint (any process may make one)."""
    return boto3.client(
        "kinesis",
        region_name=LOCAL_REGION,
        endpoint_url=endpoint_url,
        aws_access_key_id=_LOCAL_KEY,
        aws_secret_access_key=_LOCAL_KEY,
    )


def _start_child(
    stream_name: str, consumed_positions: Path | None
) -> tuple[subprocess.Popen[bytes], str]:
    """Starts ``python -m local.kinesis``; returns it and the endpoint it printed."""
    command = [sys.executable, "-m", "local.kinesis", "--stream", stream_name]
    if consumed_positions is not None:
        command += ["--consumed-positions", str(consumed_positions)]
    child = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=child_env({"PYTHONUNBUFFERED": "1"}),
    )
    assert child.stdout is not None
    # The child prints one line, its endpoint, once it is listening.
    line = child.stdout.readline().decode().strip()
    if not line.startswith("http://"):
        child.kill()
        child.wait(_START_TIMEOUT_S)
        raise RuntimeError(f"the moto server process did not start (printed {line!r})")
    return child, line


def serve_until_parent_exits(argv: list[str] | None = None) -> None:
    """The child's body: serve on a free port, print the endpoint, exit when stdin closes."""
    parser = argparse.ArgumentParser(prog="python -m local.kinesis")
    parser.add_argument("--stream", required=True)
    parser.add_argument("--consumed-positions", type=Path)
    args = parser.parse_args(argv)
    die_with_parent()
    server, endpoint_url = _serve()
    if args.consumed_positions is not None:
        _start_trimming(args.stream, args.consumed_positions, server, threading.Event())
    sys.stdout.write(f"{endpoint_url}\n")
    sys.stdout.flush()
    # Nobody reads stdout after the endpoint line: never let a full pipe block the server.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.stdin.buffer.read()  # returns at end-of-file: the parent closed the pipe or died
    os._exit(0)  # no clean-up: the data is meant to die with the process


if __name__ == "__main__":
    serve_until_parent_exits()
