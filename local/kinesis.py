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
delivers when the parent dies, even by SIGKILL). That is why the local pipeline keeps its own
durable ledger (see local/pipeline/ledger.py) and names each incarnation of the stream distinctly.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import boto3
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, make_server

if TYPE_CHECKING:
    from types_boto3_kinesis import KinesisClient

LOCAL_REGION = "us-east-1"
# moto accepts any credentials; this placeholder is not a secret.
_LOCAL_KEY = "local"
DEFAULT_SHARDS = 4
_START_TIMEOUT_S = 30.0


class LocalKinesis:
    def __init__(
        self, stream_name: str, shard_count: int = DEFAULT_SHARDS, *, in_process: bool = False
    ) -> None:
        self.stream_name = stream_name
        self.shard_count = shard_count
        self.in_process = in_process
        self._server: BaseWSGIServer | None = None
        self._child: subprocess.Popen[bytes] | None = None
        self.endpoint_url = ""
        self.stream_arn = ""

    def start(self) -> LocalKinesis:
        if self.in_process:
            self._server, self.endpoint_url = _serve()
        else:
            self._child, self.endpoint_url = _start_child()
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
    """WSGI wrapper: the whole request, response body included, under one lock."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with self._lock:
            return list(self._app(environ, start_response))


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


def _start_child() -> tuple[subprocess.Popen[bytes], str]:
    """Starts ``python -m local.kinesis``; returns it and the endpoint it printed."""
    child = subprocess.Popen(
        [sys.executable, "-m", "local.kinesis"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert child.stdout is not None
    # The child prints one line, its endpoint, once it is listening.
    line = child.stdout.readline().decode().strip()
    if not line.startswith("http://"):
        child.kill()
        child.wait(_START_TIMEOUT_S)
        raise RuntimeError(f"the moto server process did not start (printed {line!r})")
    return child, line


def serve_until_parent_exits() -> None:
    """The child's body: serve on a free port, print the endpoint, exit when stdin closes."""
    _, endpoint_url = _serve()
    sys.stdout.write(f"{endpoint_url}\n")
    sys.stdout.flush()
    # Nobody reads stdout after the endpoint line: never let a full pipe block the server.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.stdin.buffer.read()  # returns at end-of-file: the parent closed the pipe or died
    os._exit(0)  # no clean-up: the data is meant to die with the process


if __name__ == "__main__":
    serve_until_parent_exits()
