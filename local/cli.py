"""``python -m local``: run the whole pipeline on this machine, or serve its warehouse.

``run`` produces sales (or replays a file) into moto Kinesis, delivers them with the local
Firehose worker through the real transform handler into the local Snowflake, runs the tasks, and
ends with a reconciliation table (exit code 1 when anything does not reconcile) and the pipeline's
health figures (``local/pipeline/health.py``). Run the same command again after a crash to
resume. ``reconcile`` checks a run's workdir again without running anything; ``serve`` keeps
the warehouse reachable for dashboards.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from local.firehose.buffer import MIB
from local.health_table import health_table
from local.pipeline.runner import LocalPipeline, RunOptions, RunResult, quiet_transform_logs

app = typer.Typer(help="Local end-to-end mode of the retail POS pipeline.", no_args_is_help=True)
console = Console()

DASHBOARD_APP = Path("dashboards/app.py")
DEFAULT_WORKDIR = Path(".local")


@app.command()
def run(
    events: Annotated[int | None, typer.Option(min=1, help="Records to produce.")] = None,
    duration: Annotated[float | None, typer.Option(min=1, help="Seconds to produce for.")] = None,
    rate: Annotated[float | None, typer.Option(min=1, help="Records/s (default: max).")] = None,
    bad_rate: Annotated[float, typer.Option(min=0, max=1, help="Share of bad records.")] = 0.0,
    duplicate_rate: Annotated[float, typer.Option(min=0, max=1, help="Share of resends.")] = 0.0,
    seed: Annotated[int, typer.Option(help="Same seed and base time: same records.")] = 0,
    base_time: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%dT%H:%M:%S%z"], help="First sale's time (default now)."),
    ] = None,
    from_file: Annotated[
        Path | None, typer.Option(exists=True, dir_okay=False, help="Replay a JSONL file.")
    ] = None,
    workdir: Annotated[Path, typer.Option(help="Where the run keeps its state.")] = DEFAULT_WORKDIR,
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
    """Produce, deliver, process and reconcile; resumes an interrupted run in the same workdir."""
    if events is None and duration is None and from_file is None:
        raise typer.BadParameter("give --events, --duration or --from-file")
    quiet_transform_logs()
    from lambdas.transform.handler import lambda_handler
    from local.warehouse import LocalWarehouse

    options = RunOptions(
        workdir=workdir,
        events=events,
        duration_s=duration,
        rate=rate,
        bad_rate=bad_rate,
        duplicate_rate=duplicate_rate,
        seed=seed,
        base_time=base_time.astimezone(UTC) if base_time else None,
        from_file=from_file,
        shards=shards,
        fresh=fresh,
    )
    if buffer_interval is not None:
        options = dataclasses.replace(options, buffer_interval_s=buffer_interval)
    if buffer_size is not None:
        options = dataclasses.replace(options, buffer_size_bytes=int(buffer_size * MIB))
    pipeline = LocalPipeline(options, LocalWarehouse, lambda_handler)
    result = _run_with_progress(pipeline)
    _report(result, report_json)
    if DASHBOARD_APP.exists():
        # dashboards.local serves this warehouse and starts Streamlit against it.
        console.print(
            "Dashboards: [bold]python -m dashboards.local --db-dir "
            f"{workdir / 'warehouse'}[/] (http://127.0.0.1:8501)"
        )
    raise typer.Exit(exit_code(result))


@app.command()
def reconcile(
    workdir: Annotated[Path, typer.Option(help="The run's workdir.")] = DEFAULT_WORKDIR,
    report_json: Annotated[
        Path | None, typer.Option(help="Write the reconciliation and health here.")
    ] = None,
) -> None:
    """Check a run's workdir again, as the end of ``run`` does; nothing is produced or processed.
    Exit code 1 when anything does not reconcile."""
    from lambdas.transform.handler import lambda_handler
    from local.warehouse import LocalWarehouse

    if not (workdir / "run.json").exists():
        raise typer.BadParameter(f"{workdir} holds no run", param_hint="--workdir")
    pipeline = LocalPipeline(RunOptions(workdir=workdir), LocalWarehouse, lambda_handler)
    result = pipeline.reconcile_existing()
    _report(result, report_json)
    raise typer.Exit(exit_code(result))


def exit_code(result: RunResult) -> int:
    """0 when every reconciliation check holds, 1 otherwise."""
    return 0 if result.reconciliation.ok else 1


def _report(result: RunResult, report_json: Path | None) -> None:
    report = result.report()
    _print_report(report)
    console.print(health_table(report["health"]))
    if report_json is not None:
        report_json.parent.mkdir(parents=True, exist_ok=True)
        report_json.write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2))


def _run_with_progress(pipeline: LocalPipeline) -> RunResult:
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["result"] = pipeline.run()
        except BaseException as error:
            outcome["error"] = error

    thread = threading.Thread(target=target, name="pipeline", daemon=True)
    columns = (
        TextColumn("{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        hops = {
            name: progress.add_task(name, total=None)
            for name in (
                "produced (ledger)",
                "put to Kinesis",
                "delivered by Firehose",
                "processed into Silver",
            )
        }
        thread.start()
        while thread.is_alive():
            state = pipeline.progress
            total = state.target or max(state.produced, 1)
            progress.update(hops["produced (ledger)"], completed=state.produced, total=total)
            progress.update(hops["put to Kinesis"], completed=state.put, total=total)
            progress.update(hops["delivered by Firehose"], completed=state.delivered, total=total)
            processed = max(0, state.delivered - max(state.bronze_backlog, 0))
            progress.update(hops["processed into Silver"], completed=processed, total=total)
            thread.join(0.2)
    if "error" in outcome:
        raise outcome["error"]
    result: RunResult = outcome["result"]
    return result


def _print_report(report: dict[str, Any]) -> None:
    figures = report["figures"]
    table = Table(title="Reconciliation", show_lines=False)
    table.add_column("hop")
    table.add_column("figure", justify="right")
    rows = [
        ("produced", figures["produced"]),
        ("put to Kinesis (incl. re-puts after restart)", figures["put_to_kinesis"]),
        (
            "delivered to Bronze: rows / distinct records",
            f"{figures['delivered_to_bronze_rows']} / {figures['delivered_to_bronze_records']}",
        ),
        (
            "error output: processing-failed / snowflake-failed",
            f"{figures['error_output_processing_failed']}"
            f" / {figures['error_output_snowflake_failed']}",
        ),
        (
            "Silver transactions / lines",
            f"{figures['silver_transactions']} / {figures['silver_lines']}",
        ),
        ("rejected (by rule: see Pipeline health)", figures["rejected_records"]),
        ("duplicates ignored", figures["duplicates_ignored"]),
        (
            "Gold gross sales vs Silver",
            f"{figures['gold_gross_sales']} vs {figures['silver_gross_sales']}",
        ),
        (
            "Gold net sales vs Silver",
            f"{figures['gold_net_sales']} vs {figures['silver_net_sales']}",
        ),
        ("Gold transactions / units", f"{figures['gold_transactions']} / {figures['gold_units']}"),
        (
            "inventory units sold vs Silver",
            f"{figures['inventory_units_sold']} vs {figures['silver_units_sold']}",
        ),
        (
            "Kinesis->Gold latency p50 / p95 (s)",
            f"{figures['latency_p50_s']} / {figures['latency_p95_s']}",
        ),
        ("events/s (wall clock, whole run)", figures["events_per_s"]),
    ]
    for name, value in rows:
        table.add_row(name, str(value))
    console.print(table)
    for check in report["checks"]:
        mark = "[green]OK  [/]" if check["ok"] else "[red]FAIL[/]"
        console.print(f"{mark} {check['name']}: {check['detail']}")
    verdict = "[green]reconciled[/]" if report["ok"] else "[red]does NOT reconcile[/]"
    console.print(f"Result: {verdict}")


@app.command()
def serve(
    workdir: Annotated[Path, typer.Option(help="The run's workdir.")] = DEFAULT_WORKDIR,
    port: Annotated[int, typer.Option(help="Port (0 = any free one).")] = 0,
    task_interval: Annotated[float, typer.Option(min=0.1, help="Task loop interval (s).")] = 1.0,
) -> None:
    """Serve the local warehouse (Snowflake connector protocol) and run its tasks until Ctrl-C."""
    from local.warehouse import LocalWarehouse

    warehouse = LocalWarehouse(workdir / "warehouse")
    stop = threading.Event()
    try:
        host, bound = warehouse.serve(port)
        console.print(f"Warehouse served on {host}:{bound} (Ctrl-C to stop)")
        tasks = threading.Thread(
            target=warehouse.run_tasks_forever, args=(stop, task_interval), daemon=True
        )
        tasks.start()
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        stop.set()
    finally:
        warehouse.close()
