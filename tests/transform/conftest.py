"""Shared setup for the transform tests: Powertools env, a fake Lambda context, handler calls."""

from __future__ import annotations

import base64
import io
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

# Before the handler module is imported anywhere: Metrics needs a namespace, Tracer stays off.
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "pos-transform-test")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "RetailPosPipelineTest")
os.environ["POWERTOOLS_TRACE_DISABLED"] = "true"

from lambdas.transform.handler import lambda_handler
from lambdas.transform.observability import logger, metrics


@dataclass
class FakeLambdaContext:
    function_name: str = "pos-transform-test"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:pos-transform-test"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


@pytest.fixture(autouse=True)
def _fresh_metrics() -> Iterator[None]:
    metrics.clear_metrics()
    yield
    metrics.clear_metrics()


@pytest.fixture(autouse=True)
def _handler_logs_and_metrics_on(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """These tests read the handler's logs and EMF output. Local runs elsewhere in the session
    may have imported the handler with WARNING logs and metrics off (readable CLI output), and
    the Logger keeps the level it was built with, so pin what these tests expect."""
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    level = logger.log_level
    logger.setLevel(logging.INFO)
    yield
    logger.setLevel(level)


class HandlerOutput:
    """What the handler wrote: EMF blobs (print, so capsys) and log lines (the Logger's stream)."""

    def __init__(self, capsys: pytest.CaptureFixture[str], logs: io.StringIO) -> None:
        self._capsys = capsys
        self._logs = logs

    def read(self) -> str:
        text = self._capsys.readouterr().out + self._logs.getvalue()
        self._logs.seek(0)
        self._logs.truncate()
        return text


@pytest.fixture
def handler_output(capsys: pytest.CaptureFixture[str]) -> Iterator[HandlerOutput]:
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    previous = handler.stream
    logs = io.StringIO()
    handler.stream = logs
    yield HandlerOutput(capsys, logs)
    handler.stream = previous


def invoke(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    response: dict[str, Any] = lambda_handler(event, context or FakeLambdaContext())
    return response


def decode(record: dict[str, str]) -> Any:
    return json.loads(base64.b64decode(record["data"], validate=True))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
