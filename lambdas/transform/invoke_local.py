"""Run the transform handler on a Firehose event file, in-process, without Docker or AWS.

    python -m lambdas.transform.invoke_local events/firehose_kinesis_clean.json [--decode]

Prints the handler's response (JSON) on stdout; the handler's logs and EMF metrics go to stderr.
``--decode`` adds each output record's envelope, base64-decoded and parsed, under ``decoded``.
A local tool only: nothing in the handler's import path imports this module.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lambdas.transform.invoke_local")
    parser.add_argument("event_file", type=Path, help="a Firehose transformation event (JSON)")
    parser.add_argument("--decode", action="store_true", help="show each output decoded")
    args = parser.parse_args(argv)
    event = json.loads(args.event_file.read_text(encoding="utf-8"))
    response = invoke(event)
    if args.decode:
        response = decode_outputs(response)
    json.dump(response, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
