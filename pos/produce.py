"""``pos produce``: send POS sales to a Kinesis stream (real AWS or a local endpoint), or write
them to a file. Options and help only; the work is in ``producer/send.py``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

EPILOG = """Examples:

  pos produce --stream-name retail-pos-sales --region eu-west-1 --events 1000 --rate 100

  pos produce --stream-name retail-pos-sales --from-file .local/producer/events.jsonl

  pos produce --stream-name s --endpoint-url http://127.0.0.1:5000 --events 50

  pos produce --to-file sales.jsonl --events 500 --seed 7 --base-time 2026-01-01T09:00:00+0000

Credentials and region come from the usual AWS chain (environment, profile, role); the caller
needs kinesis:PutRecords on the stream."""


def produce(
    stream_name: Annotated[
        str | None, typer.Option(help="Kinesis stream to put the records on.")
    ] = None,
    region: Annotated[
        str | None, typer.Option(envvar="AWS_REGION", help="AWS region (default: AWS chain).")
    ] = None,
    endpoint_url: Annotated[
        str | None, typer.Option(help="A non-AWS endpoint, e.g. a local moto server.")
    ] = None,
    events: Annotated[int, typer.Option(min=1, help="Generated records to send.")] = 1000,
    from_file: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="Send a recorded JSONL file instead."),
    ] = None,
    rate: Annotated[
        float | None, typer.Option(min=1.0, help="Records per second (default: max).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Same seed: same sales, bad records, resends.")] = 0,
    base_time: Annotated[
        datetime | None,
        typer.Option(
            formats=["%Y-%m-%dT%H:%M:%S%z"],
            help="Reproducible synthetic sale times from here (default: stamped when produced).",
        ),
    ] = None,
    bad_rate: Annotated[float, typer.Option(min=0.0, max=1.0, help="Share of bad records.")] = 0.0,
    duplicate_rate: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of byte-identical resends.")
    ] = 0.0,
    source_mix: Annotated[
        str | None,
        typer.Option(
            help="Kinds and their shares, e.g. pos=60,clickstream=20,iot=10,app_log=5,cdc=5"
            " (default: sales only)."
        ),
    ] = None,
    record_to: Annotated[
        Path | None, typer.Option(help="Also write what was sent (JSONL).")
    ] = None,
    to_file: Annotated[
        Path | None,
        typer.Option(help="Write the records to this JSONL file instead of sending them."),
    ] = None,
) -> None:
    """Send POS sales to a Kinesis stream, or write them to a file.

    Generated (seeded) or recorded sales, put in batches of up to 500 records / 5 MiB, rate
    limited, refused records retried with backoff; a record still refused is an error, never a
    silent drop."""
    from producer import send

    options = send.generator_options(seed, base_time, bad_rate, duplicate_rate)
    records = send.records_for(from_file, events, options, _source_mix(source_mix))
    if to_file is not None:
        written = send.write_file(to_file, records)
        typer.echo(f"wrote {written} records to {to_file}")
        return
    if stream_name is None:
        raise typer.BadParameter("give --stream-name (or --to-file)", param_hint="--stream-name")
    result = send.send(
        records,
        stream_name,
        region=region,
        endpoint_url=endpoint_url,
        rate=rate,
        record_to=record_to,
    )
    typer.echo(
        f"sent {result.sent} records to {stream_name} in {result.elapsed_s:.1f}s"
        f" ({result.per_second:.0f}/s)"
    )


def _source_mix(text: str | None) -> dict[str, int] | None:
    from producer.mix import parse_source_mix

    if text is None:
        return None
    try:
        return parse_source_mix(text)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--source-mix") from error


def register(root: typer.Typer) -> None:
    root.command(epilog=EPILOG)(produce)
