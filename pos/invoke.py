"""``pos invoke-transform EVENT_FILE``: the transform Lambda's handler on a Firehose event file,
in-process, without Docker or AWS (``lambdas/transform/invoke_local.py``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

EPILOG = """Examples:

  pos invoke-transform events/firehose_kinesis_clean.json

  pos invoke-transform events/firehose_kinesis_mixed_bad.json --decode | jq '.records[0]'

The response (JSON) goes to stdout; the handler's logs and EMF metrics go to stderr."""


def invoke_transform(
    event_file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="A Firehose transformation event.")
    ],
    decode: Annotated[
        bool, typer.Option(help="Add each output record's envelope, decoded, under 'decoded'.")
    ] = False,
) -> None:
    """Run the real transform handler on EVENT_FILE and print its response."""
    from lambdas.transform.invoke_local import decode_outputs, invoke

    try:
        event = json.loads(event_file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise typer.BadParameter(f"not JSON: {error}", param_hint="EVENT_FILE") from None
    response = invoke(event)
    if decode:
        response = decode_outputs(response)
    json.dump(response, sys.stdout, indent=2)
    sys.stdout.write("\n")


def register(root: typer.Typer) -> None:
    root.command("invoke-transform", epilog=EPILOG)(invoke_transform)
