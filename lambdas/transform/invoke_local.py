"""Run the transform handler on a Firehose event, in-process, without Docker or AWS.

Behind ``pos invoke-transform EVENT_FILE [--decode]`` (``pos/invoke.py``), which prints the
response (JSON) on stdout while the handler's logs and EMF metrics go to stderr. ``decode_outputs``
adds each output record's envelope, base64-decoded and parsed, under ``decoded``. A local tool
only: nothing in the handler's import path imports this module.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import sys
import uuid
from dataclasses import dataclass, field
from typing import Any, cast


@dataclass
class LocalLambdaContext:
    """The attributes of Lambda's context object that Powertools reads."""

    function_name: str = "pos-transform-local"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:pos-transform-local"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/aws/lambda/pos-transform-local"
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


def invoke(event: dict[str, Any]) -> dict[str, Any]:
    """Call the real handler on ``event`` with handler output (logs, EMF) sent to stderr."""
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    with contextlib.redirect_stdout(sys.stderr):
        # Imported here so the handler's Logger binds its stream to stderr.
        from lambdas.transform.handler import lambda_handler

        return cast(dict[str, Any], lambda_handler(event, LocalLambdaContext()))


def decode_outputs(response: dict[str, Any]) -> dict[str, Any]:
    records = []
    for record in response["records"]:
        decoded = json.loads(base64.b64decode(record["data"])) if record["result"] == "Ok" else None
        records.append({**record, "decoded": decoded})
    return {"records": records}
