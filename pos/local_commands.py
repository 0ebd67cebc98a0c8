"""``pos local run | serve | dashboards``: the whole pipeline on this machine.

Options and help only; the work is in ``local/cli.py`` (run, serve) and ``local/dashboards.py``.
``python -m local ...`` is an alias of ``pos local ...``.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

DEFAULT_WORKDIR = Path(".local")

app = typer.Typer(
    help="Run the pipeline end to end on this machine (no AWS, no Snowflake, no Docker).",
    epilog=(
        "Examples:\n\n"
        "  pos local run --events 3000 --bad-rate 0.1 --duplicate-rate 0.05 --seed 42\n\n"
        "  pos local dashboards\n\n"
        "  pos local serve --workdir .local"
    ),
    no_args_is_help=True,
    add_completion=False,
)

Workdir = Annotated[
    Path, typer.Option(help="Where the run keeps its state (ledger, checkpoints, warehouse).")
]


@app.command(
    epilog=(
        "Examples:\n\n"
        "  pos local run --events 3000 --bad-rate 0.1 --duplicate-rate 0.05 --seed 42 --fresh\n\n"
        "  pos local run --duration 600 --rate 500 --workdir /tmp/pos-day\n\n"
        "  pos local run --events 5000 --source-mix pos=60,clickstream=20,iot=10,app_log=5,cdc=5"
        " --bad-rate 0.1 --duplicate-rate 0.05 --fresh\n\n"
        "  pos local run --from-file .local/producer/events.jsonl --workdir /tmp/replay"
    )
)
def run(
    events: Annotated[int | None, typer.Option(min=1, help="Records to produce.")] = None,
    duration: Annotated[float | None, typer.Option(min=1, help="Seconds to produce for.")] = None,
    rate: Annotated[float | None, typer.Option(min=1, help="Records/s (default: max).")] = None,
    bad_rate: Annotated[float, typer.Option(min=0, max=1, help="Share of bad records.")] = 0.0,
    duplicate_rate: Annotated[float, typer.Option(min=0, max=1, help="Share of resends.")] = 0.0,
    seed: Annotated[int, typer.Option(help="Same seed: same sales, bad records, resends.")] = 0,
    source_mix: Annotated[
        str | None,
        typer.Option(
            help="Kinds and their shares, e.g. pos=60,clickstream=20,iot=10,app_log=5,cdc=5"
            " (default: sales only)."
        ),
    ] = None,
    base_time: Annotated[
        datetime | None,
        typer.Option(
            formats=["%Y-%m-%dT%H:%M:%S%z"],
            help=(
                "Reproducible synthetic sale times from here (no sale is sent before its time)."
                " Default: each sale is stamped when produced."
            ),
        ),
    ] = None,
    from_file: Annotated[
        Path | None, typer.Option(exists=True, dir_okay=False, help="Replay a JSONL file.")
    ] = None,
    workdir: Workdir = DEFAULT_WORKDIR,
    fresh: Annotated[bool, typer.Option(help="Delete the workdir's previous run first.")] = False,
    shards: Annotated[int, typer.Option(min=1, max=32, help="Kinesis shards.")] = 4,
    buffer_interval: Annotated[
        float | None, typer.Option(min=0, help="Override the Firehose buffer interval (s).")
    ] = None,
    buffer_size: Annotated[
        float | None,
        typer.Option(min=0.001, help="Override the Firehose buffer size (MiB, may be < 1)."),
    ] = None,
    report_json: Annotated[
        Path | None, typer.Option(help="Write the reconciliation and health here.")
    ] = None,
) -> None:
    """Produce, deliver, process and reconcile; the same command again resumes an interrupted
    run. Exit code 0 when everything reconciles, 1 when not."""
    if events is None and duration is None and from_file is None:
        raise typer.BadParameter("give --events, --duration or --from-file")
    from local import cli
    from local.pipeline.runner import RunOptions

    options = RunOptions(
        workdir=workdir,
        events=events,
        duration_s=duration,
        rate=rate,
        bad_rate=bad_rate,
        duplicate_rate=duplicate_rate,
        seed=seed,
        source_mix=_source_mix(source_mix),
        base_time=base_time.astimezone(UTC) if base_time else None,
        from_file=from_file,
        shards=shards,
        fresh=fresh,
    )
    if buffer_interval is not None:
        options = dataclasses.replace(options, buffer_interval_s=buffer_interval)
    if buffer_size is not None:
        from local.firehose.buffer import MIB

        options = dataclasses.replace(options, buffer_size_bytes=int(buffer_size * MIB))
    raise typer.Exit(cli.run(options, report_json))


@app.command(epilog="Example:\n\n  pos local reconcile --workdir .local/demo")
def reconcile(
    workdir: Workdir = DEFAULT_WORKDIR,
    report_json: Annotated[
        Path | None, typer.Option(help="Write the reconciliation and health here.")
    ] = None,
) -> None:
    """Check a run's workdir again, as the end of `run` does; nothing is produced or processed.
    Exit code 1 when anything does not reconcile."""
    from local import cli

    try:
        code = cli.reconcile(workdir, report_json)
    except cli.NoRunError as error:
        raise typer.BadParameter(str(error), param_hint="--workdir") from None
    raise typer.Exit(code)


@app.command(
    epilog=(
        "Example (then point the dashboards at the printed HOST:PORT):\n\n"
        "  pos local serve --workdir .local\n\n"
        "  pos local dashboards --warehouse 127.0.0.1:PORT"
    )
)
def serve(
    workdir: Workdir = DEFAULT_WORKDIR,
    port: Annotated[int, typer.Option(help="Port (0 = any free one).")] = 0,
    task_interval: Annotated[float, typer.Option(min=0.1, help="Task loop interval (s).")] = 1.0,
) -> None:
    """Serve a run's warehouse over the Snowflake connector protocol and run its tasks, until
    Ctrl-C or SIGTERM."""
    from local import cli

    try:
        code = cli.serve(workdir, port, task_interval)
    except cli.NoWarehouseError as error:
        raise typer.BadParameter(str(error), param_hint="--workdir") from None
    raise typer.Exit(code)


@app.command(
    epilog="Example (then, from another shell):\n\n  pos local twin --workdir .local/verify"
)
def twin(workdir: Workdir = Path(".local/verify")) -> None:
    """Keep a local twin of a deployment running (moto holding the synthesized stack, the served
    warehouse with its tasks, the Firehose worker), until Ctrl-C or SIGTERM; `pos verify --local
    --workdir` with the same folder attaches to it."""
    from local.twin.twin import TwinOptions, serve_twin

    raise typer.Exit(serve_twin(TwinOptions(workdir), on_ready=typer.echo))


@app.command(
    epilog=(
        "Examples:\n\n"
        "  pos local dashboards                              # the default workdir's warehouse\n\n"
        "  pos local dashboards --workdir .local/demo --port 8502\n\n"
        "  pos local dashboards --warehouse 127.0.0.1:PORT   # one `pos local serve` serves"
    )
)
def dashboards(
    workdir: Workdir = DEFAULT_WORKDIR,
    db_dir: Annotated[
        Path | None,
        typer.Option(help="Serve this warehouse directory (default: the workdir's warehouse)."),
    ] = None,
    warehouse: Annotated[
        str | None,
        typer.Option(help="HOST:PORT of a warehouse another process serves (pos local serve)."),
    ] = None,
    port: Annotated[int, typer.Option(help="Streamlit port.")] = 8501,
    database: Annotated[str, typer.Option(help="Database the pages read.")] = "POS_DB",
    secrets: Annotated[
        Path | None,
        typer.Option(help="Where to write the connection secrets (default: in the workdir)."),
    ] = None,
    open_browser: Annotated[
        bool, typer.Option(help="Open a browser tab (default: print the URL).")
    ] = False,
) -> None:
    """Start the Streamlit dashboards over a local warehouse, until Ctrl-C or SIGTERM.

    The pages and queries are the ones production runs; only the connection differs. A
    warehouse directory can be opened by one process at a time: while `pos local run` or
    `pos local serve` has it, use --warehouse."""
    from local.dashboards import DashboardsOptions, host_port, launch

    served = None
    if warehouse is not None:
        try:
            served = host_port(warehouse)
        except ValueError as error:
            raise typer.BadParameter(str(error), param_hint="--warehouse") from None
    directory = None if served else (db_dir or workdir / "warehouse")
    if directory is not None and not any(directory.glob("*.db")):
        raise typer.BadParameter(
            f"no local warehouse in {directory.resolve()}: run `pos local run` first"
            " (or `make demo`)",
            param_hint="--workdir / --db-dir",
        )
    secrets_file = secrets or (
        (directory.parent if directory else DEFAULT_WORKDIR) / "dashboards" / "secrets.toml"
    )
    options = DashboardsOptions(
        warehouse=served,
        db_dir=directory,
        secrets=secrets_file,
        database=database,
        port=port,
        open_browser=open_browser,
    )
    raise typer.Exit(launch(options))


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="local")


def _source_mix(text: str | None) -> str | None:
    """The mix, validated and in its canonical spelling (what the run's state records)."""
    from producer.mix import format_source_mix, parse_source_mix

    if text is None:
        return None
    try:
        return format_source_mix(parse_source_mix(text))
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--source-mix") from error
