"""The "Pipeline health" tables the run command prints, from the report's JSON health section.

Rendering the JSON form (``HealthReport.as_dict()``) means the screen shows exactly what
``--report-json`` writes. Figures cover the workdir's whole history (``local/pipeline/health.py``).
"""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table

MISSING = "-"


def health_table(health: dict[str, Any]) -> Group:
    """Per hop (task runs, backlog, ages), then last errors, intake, rejects by rule, latency."""
    hops = Table(title="Pipeline health", show_lines=False)
    hops.add_column("task", no_wrap=True)
    hops.add_column("runs ok / failed", justify="right")
    hops.add_column("rows waiting", justify="right")
    hops.add_column("oldest waiting (min)", justify="right")
    hops.add_column("since success (min)", justify="right")
    for hop in health["hops"]:
        hops.add_row(
            hop["task"],
            f"{hop['runs_succeeded']} / {hop['runs_failed']}",
            str(hop["rows_waiting"]),
            _text(hop["oldest_waiting_minutes"]),
            _text(hop["minutes_since_success"]),
        )
    figures = Table(show_header=False, show_lines=False)
    figures.add_column("figure")
    figures.add_column("value", justify="right", overflow="fold")
    # Error texts are long: one row each, under the hops, rather than a narrow column.
    errors = [(hop["task"], hop["last_error"]) for hop in health["hops"] if hop["last_error"]]
    for task, error in errors:
        figures.add_row(f"last error {task}", error)
    if not errors:
        figures.add_row("last error (any task)", MISSING)
    intake = health["intake"]
    share = intake["rejected_share"]
    figures.add_row(
        "intake accepted / rejected / rejected share",
        f"{intake['records_accepted']} / {intake['records_rejected']}"
        f" / {MISSING if share is None else f'{share:.1%}'}",
    )
    figures.add_row("duplicates ignored", str(intake["duplicates_ignored"]))
    for rule, records in health["rejects_by_rule"].items():
        figures.add_row(f"  rejected by rule {rule}", str(records))
    dead_letter = health.get("dead_letter")
    if dead_letter is not None:
        figures.add_row(
            "dead letter now / redrivable now",
            f"{dead_letter['records']} / {dead_letter['redrivable']}",
        )
    latency = health["latency"]
    figures.add_row("latency: transactions measured", str(latency["transactions"]))
    figures.add_row(
        "latency Kinesis->Silver p50 / p95 / max (s)",
        " / ".join(_text(latency[key]) for key in ("p50_seconds", "p95_seconds", "max_seconds")),
    )
    return Group(hops, figures)


def _text(value: Any) -> str:
    if value is None:
        return MISSING
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") if value % 1 else str(int(value))
    return str(value)
