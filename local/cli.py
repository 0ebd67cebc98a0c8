"""What ``pos local run`` and ``pos local serve`` do (their options: ``pos/local_commands.py``).

``run`` produces sales (or replays a file) into moto Kinesis, delivers them with the local
Firehose worker through the real transform handler into the local Snowflake, runs the tasks, and
ends with a reconciliation table (exit code 1 when anything does not reconcile) and the pipeline's
health figures (``local/pipeline/health.py``). Run the same command again after a crash to
resume. ``reconcile`` checks a run's workdir again without running anything; ``serve`` keeps
the warehouse reachable for dashboards and runs its tasks.

Both stop cleanly on Ctrl-C (SIGINT) and SIGTERM: ``run`` stops its moto server and producer
processes and waits for them (its warehouse and ledger are crash-safe, so the same command
resumes), ``serve`` stops its task loop and server and closes the warehouse.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from local.health_table import health_table
from local.pipeline.runner import LocalPipeline, RunOptions, RunResult, quiet_transform_logs
from local.processes import exit_code, stop_all_children, stop_on_signals

console = Console()

DEFAULT_WORKDIR = Path(".local")


class NoWarehouseError(FileNotFoundError):
    """The workdir holds no local warehouse to serve."""


def run(options: RunOptions, report_json: Path | None = None) -> int:
    """Produce, deliver, process and reconcile; returns the exit code (0 = reconciled)."""
    quiet_transform_logs()
    from lambdas.transform.handler import lambda_handler
    from local.warehouse import LocalWarehouse

    interrupted = stop_on_signals()
    pipeline = LocalPipeline(options, LocalWarehouse, lambda_handler)
    try:
        result = _run_with_progress(pipeline)
    except KeyboardInterrupt:
        interrupted.shield()
        pipeline.stop_children()
        stop_all_children()  # one a pipeline thread started but has not handed over yet
        console.print(
            "[yellow]Interrupted[/]: the moto and producer processes are stopped. Run the same"
            " command again to resume where this run stopped."
        )
        sys.stdout.flush()
        sys.stderr.flush()
        # The pipeline's own threads are mid-flight; the warehouse and the ledger are
        # crash-safe (a restart resumes), so leave at once rather than unwind them.
        os._exit(exit_code(interrupted))
    _report(result, report_json)
    console.print(
        f"Dashboards: [bold]pos local dashboards --workdir {options.workdir}[/]"
        " (http://127.0.0.1:8501)"
    )
    return reconciliation_exit_code(result)


class NoRunError(FileNotFoundError):
    """The workdir holds no run to reconcile."""


def reconcile(workdir: Path, report_json: Path | None = None) -> int:
    """Check a run's workdir again, as the end of ``run`` does; nothing is produced or
    processed. Returns the exit code (0 = reconciled)."""
    from lambdas.transform.handler import lambda_handler
    from local.warehouse import LocalWarehouse

    if not (workdir / "run.json").exists():
        raise NoRunError(f"{workdir} holds no run")
    pipeline = LocalPipeline(RunOptions(workdir=workdir), LocalWarehouse, lambda_handler)
    result = pipeline.reconcile_existing()
    _report(result, report_json)
    return reconciliation_exit_code(result)


def reconciliation_exit_code(result: RunResult) -> int:
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
        ("put to Kinesis with no place (unaccounted)", figures.get("unaccounted_records", "-")),
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
        (
            "sale time->Kinesis arrival (POS clock skew) p50 / p95 (s)",
            f"{figures['pos_clock_skew_p50_s']} / {figures['pos_clock_skew_p95_s']}",
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


def serve(workdir: Path, port: int = 0, task_interval_s: float = 1.0) -> int:
    """Serve the workdir's warehouse and run its tasks until SIGINT/SIGTERM; returns the exit
    code (128 + the signal)."""
    from local.warehouse import LocalWarehouse

    db_dir = workdir / "warehouse"
    if not any(db_dir.glob("*.db")):
        raise NoWarehouseError(
            f"no local warehouse in {db_dir.resolve()}: run `pos local run --workdir {workdir}`"
            " first"
        )
    interrupted = stop_on_signals()
    warehouse = LocalWarehouse(db_dir)
    stop = threading.Event()
    tasks: threading.Thread | None = None
    try:
        host, bound = warehouse.serve(port)
        console.print(f"Warehouse served on {host}:{bound} (Ctrl-C to stop)")
        console.print(f"Dashboards: [bold]pos local dashboards --warehouse {host}:{bound}[/]")
        tasks = threading.Thread(
            target=warehouse.run_tasks_forever,
            args=(stop, task_interval_s),
            name="tasks",
            daemon=True,
        )
        tasks.start()
        stop.wait()  # only a signal ends it
        return 0
    except KeyboardInterrupt:
        return exit_code(interrupted)
    finally:
        interrupted.shield()
        stop.set()
        if tasks is not None:
            tasks.join()
        warehouse.close()
