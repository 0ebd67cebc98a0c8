"""The handler's Logger, Metrics and Tracer, configured once per execution environment.

Service name and metrics namespace come from ``POWERTOOLS_SERVICE_NAME`` and
``POWERTOOLS_METRICS_NAMESPACE`` (set by the stack), with defaults so local runs work unset.

Tracer costs ~250-450 ms at init because it imports the X-Ray SDK (and botocore) even when tracing
is off. When tracing is off anyway (``POWERTOOLS_TRACE_DISABLED``, outside Lambda, under SAM local:
the same rules Tracer applies itself) it gets a no-op provider, so the local worker, tests and
disabled deployments skip that import. With active tracing in Lambda it is the real X-Ray Tracer.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Sequence
from contextlib import AbstractAsyncContextManager, contextmanager
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.tracing.base import BaseProvider, BaseSegment

DEFAULT_SERVICE = "pos-transform"
DEFAULT_NAMESPACE = "RetailPosPipeline"

_TRUTHY = {"1", "y", "yes", "t", "true", "on"}


def tracing_disabled() -> bool:
    if os.getenv("POWERTOOLS_TRACE_DISABLED", "false").strip().lower() in _TRUTHY:
        return True
    in_lambda = bool(os.getenv("LAMBDA_TASK_ROOT"))
    in_emulator = bool(os.getenv("AWS_SAM_LOCAL") or os.getenv("AWS_CHALICE_CLI_MODE"))
    return not in_lambda or in_emulator


class _NoOpSegment(BaseSegment):
    def close(self, end_time: int | None = None) -> None:
        return None

    def add_subsegment(self, subsegment: Any) -> None:
        return None

    def remove_subsegment(self, subsegment: Any) -> None:
        return None

    def put_annotation(self, key: str, value: Any) -> None:
        return None

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None:
        return None

    def add_exception(self, exception: BaseException, stack: Any, remote: bool = False) -> None:
        return None


class NoOpTracingProvider(BaseProvider):
    """Stands in for the X-Ray recorder when tracing is off, without importing the X-Ray SDK."""

    @contextmanager
    def in_subsegment(self, name: Any = None, **kwargs: Any) -> Generator[BaseSegment, None, None]:
        yield _NoOpSegment()

    def in_subsegment_async(
        self, name: Any = None, **kwargs: Any
    ) -> AbstractAsyncContextManager[BaseSegment]:
        raise NotImplementedError("the transform handler is synchronous")

    def put_annotation(self, key: str, value: Any) -> None:
        return None

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None:
        return None

    def patch(self, modules: Sequence[str]) -> None:
        return None

    def patch_all(self) -> None:
        return None


def _build_tracer() -> Tracer:
    # The transform calls no AWS service or HTTP endpoint, so there is nothing to patch.
    if tracing_disabled():
        return Tracer(disabled=True, auto_patch=False, provider=NoOpTracingProvider())
    return Tracer(auto_patch=False)


service = os.getenv("POWERTOOLS_SERVICE_NAME") or DEFAULT_SERVICE
logger = Logger(service=service)
metrics = Metrics(
    service=service,
    namespace=os.getenv("POWERTOOLS_METRICS_NAMESPACE") or DEFAULT_NAMESPACE,
)
tracer = _build_tracer()
