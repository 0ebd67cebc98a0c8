"""Calls the transform handler in-process the way Firehose invokes the Lambda.

The event goes through JSON (as the Lambda runtime would deliver it), the request must fit the
6 MB payload limit, and the response must pass the Firehose contract. An exception or a contract
breach fails the invocation; Firehose retries it ``NumberOfRetries`` times (default 3) and then
gives up on the batch, which goes to ``processing-failed/`` (errorCode ``Lambda.FunctionError``
for an exception, the contract error code otherwise).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from local.firehose.contract import ResponseContractError, TransformedRecord, check_response
from local.firehose.event import LAMBDA_PAYLOAD_LIMIT_BYTES

Handler = Callable[[dict[str, Any], Any], Any]
DEFAULT_NUMBER_OF_RETRIES = 3
FIREHOSE_INVOCATION_TIMEOUT_MS = 5 * 60 * 1000


@dataclass
class FakeLambdaContext:
    """The attributes of Lambda's context object that Powertools and handlers read."""

    function_name: str
    invoked_function_arn: str
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 1024
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/aws/lambda/local"
    log_stream_name: str = "local"
    _deadline: float = field(
        default_factory=lambda: time.monotonic() + FIREHOSE_INVOCATION_TIMEOUT_MS / 1000
    )

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass(frozen=True)
class InvocationOutcome:
    """Either the checked records (success) or the error of the last failed attempt."""

    records: dict[str, TransformedRecord] | None
    attempts: int
    error_code: str = ""
    error_message: str = ""


class TransformInvoker:
    def __init__(
        self,
        handler: Handler,
        function_arn: str,
        number_of_retries: int = DEFAULT_NUMBER_OF_RETRIES,
        retry_delay_s: float = 0.2,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._handler = handler
        self._function_arn = function_arn
        self._function_name = function_arn.rsplit(":", 1)[-1]
        self.number_of_retries = number_of_retries
        self._retry_delay_s = retry_delay_s
        self._sleep = sleep

    def invoke(self, event: dict[str, Any], record_ids: Sequence[str]) -> InvocationOutcome:
        request = orjson.dumps(event)
        if len(request) > LAMBDA_PAYLOAD_LIMIT_BYTES:
            # The worker packs invocations under the limit; reaching this is a worker bug.
            raise ValueError(f"request of {len(request)} bytes exceeds the Lambda payload limit")
        attempts = 0
        error_code = error_message = ""
        while attempts <= self.number_of_retries:
            if attempts:
                self._sleep(self._retry_delay_s * attempts)
            attempts += 1
            context = FakeLambdaContext(self._function_name, self._function_arn)
            try:
                response = self._handler(orjson.loads(request), context)
                return InvocationOutcome(check_response(record_ids, response), attempts)
            except ResponseContractError as breach:
                error_code, error_message = breach.error_code, breach.message
            except Exception as error:  # any handler failure fails the invocation
                error_code = "Lambda.FunctionError"
                error_message = f"The Lambda function was invoked but raised {type(error).__name__}"
        return InvocationOutcome(None, attempts, error_code, error_message)
