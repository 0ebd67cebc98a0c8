"""The latency budget of the path event -> Gold, hop by hop: each term's expected p95, the setting
that moves it and where the figure comes from. docs/verify.md prints the cloud budget from here
(a test keeps the two equal) and the canary compares its measured latencies with it.

The sum of the terms' p95 bounds the path's p95 from above (a p95 of a sum is at most the sum of
the p95s), so it is the figure the canary is held to.
"""

from __future__ import annotations

from dataclasses import dataclass

from lambdas.transform.limits import BUFFER_INTERVAL_SECONDS

# Triggered tasks: USER_TASK_MINIMUM_TRIGGER_INTERVAL_IN_SECONDS = 10 in R__task_*.sql.
TRIGGER_INTERVAL_S = 10.0


@dataclass(frozen=True)
class Term:
    hop: str  # the canary hop it belongs to: bronze, silver, gold
    what: str
    p95_s: float
    setting: str
    source: str


@dataclass(frozen=True)
class Budget:
    name: str
    terms: tuple[Term, ...]

    def hop_p95(self, hop: str) -> float:
        return sum(term.p95_s for term in self.terms if term.hop == hop)

    @property
    def total_p95(self) -> float:
        return sum(term.p95_s for term in self.terms)


def cloud_budget(
    processor_buffer_interval_s: float = BUFFER_INTERVAL_SECONDS,
    destination_buffer_interval_s: float = 0.0,
    trigger_interval_s: float = TRIGGER_INTERVAL_S,
) -> Budget:
    """The deployed path with the stack's default settings (docs/deploy.md section 4)."""
    return Budget(
        "cloud",
        (
            Term(
                "bronze",
                "Kinesis PutRecords and Firehose's read of the shard",
                2.0,
                "none (on-demand stream)",
                "AWS does not document Firehose's polling interval: assumed about 1 s",
            ),
            Term(
                "bronze",
                "Firehose processor buffer (waits for 1 MB or the interval)",
                processor_buffer_interval_s,
                "processor_buffer_interval_seconds, processor_buffer_size_mb",
                "Firehose data transformation: Snowflake default 30 s, 0 s allowed",
            ),
            Term(
                "bronze",
                "transform Lambda (warm; a cold start adds about 1 s)",
                1.0,
                "transform_memory_mb",
                "bench/bench_transform.py: about 13 us a record, 1 MB a batch",
            ),
            Term(
                "bronze",
                "Snowpipe Streaming insert and commit",
                destination_buffer_interval_s + 5.0,
                "destination_buffer_interval_seconds",
                "Firehose buffering hints: interval 0 = within a few seconds; "
                "DeliveryToSnowflake.DataCommitLatency measures it",
            ),
            Term(
                "silver",
                "PROCESS_RAW_POS_TASK: trigger interval",
                trigger_interval_s,
                "the task's USER_TASK_MINIMUM_TRIGGER_INTERVAL_IN_SECONDS (R__task_silver_*.sql)",
                "Snowflake triggered tasks: at most one run per interval, minimum 10 s",
            ),
            Term(
                "silver",
                "PROCESS_RAW_POS run time (X-Small, warm)",
                3.0,
                "task_warehouse (size; serverless adds start-up)",
                "docs/snowflake.md cost model: assumed, replace with TASK_HISTORY figures",
            ),
            Term(
                "gold",
                "UPDATE_DAILY_SUMMARY_TASK: trigger interval",
                trigger_interval_s,
                "the task's USER_TASK_MINIMUM_TRIGGER_INTERVAL_IN_SECONDS (R__task_gold_*.sql)",
                "Snowflake triggered tasks",
            ),
            Term(
                "gold",
                "UPDATE_DAILY_SUMMARY run time (X-Small, warm)",
                1.0,
                "task_warehouse",
                "docs/snowflake.md cost model: assumed",
            ),
        ),
    )


def local_budget(buffer_interval_s: float, task_interval_s: float) -> Budget:
    """The local twin: the same terms with the twin's buffer interval and task loop."""
    return Budget(
        "local twin",
        (
            Term(
                "bronze",
                "moto put, worker read, transform, Bronze insert",
                buffer_interval_s + 2.0,
                "--buffer-interval",
                "local Firehose worker",
            ),
            Term(
                "silver",
                "task loop and PROCESS_RAW_POS",
                task_interval_s + 2.0,
                "--task-interval",
                "local task runner",
            ),
            Term(
                "gold",
                "task loop and UPDATE_DAILY_SUMMARY",
                task_interval_s + 1.0,
                "--task-interval",
                "local task runner",
            ),
        ),
    )


def budget_for(name: str) -> Budget:
    """``cloud``, ``cloud:<processor interval>,<destination interval>`` (the deployment's buffer
    settings) or ``local:<buffer interval>,<task interval>``."""
    kind, _, values = name.partition(":")
    figures = [float(part) for part in values.split(",")] if values else []
    if kind == "local":
        return local_budget(*figures)
    return cloud_budget(*figures)


def budget_table(budget: Budget) -> str:
    """The budget as the Markdown table docs/verify.md shows (a test keeps the two equal)."""
    lines = [
        "| hop | term | p95 (s) | setting that moves it | source |",
        "| --- | --- | ---: | --- | --- |",
    ]
    for term in budget.terms:
        lines.append(
            f"| {term.hop} | {term.what} | {term.p95_s:g} | {term.setting} | {term.source} |"
        )
    lines.append(f"| **event → Gold** | sum of the terms | **{budget.total_p95:g}** | | |")
    return "\n".join(lines)
