"""One real local run, made once, and a fresh copy of its workdir for each test to break.

The run goes through the production path (generator, moto Kinesis, Firehose worker, the real
transform, the local warehouse running ``snowflake/``), with bad records and resends, in one
process so that it is quick. Tests then break one thing in a copy and run the CLI's
``reconcile`` command on it.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from local import cli
from local.pipeline.produce import generator_options
from local.pipeline.runner import LocalPipeline, RunOptions
from pos.local_commands import app
from producer.generator import VALID, SaleGenerator

REPO = Path(__file__).resolve().parents[2]
SEED = 31
MIN_EVENTS = 240

# The checks, by the names the report prints.
LOST = "no record lost between producer and Bronze/error output"
FATE = "every Bronze row has one fate (Silver, REJECTED or ignored copy)"
RUN_LOG = "the run log's accepted / rejected equal Silver transactions / REJECTED rows"
STREAMS = "every task's stream fully processed"
SILVER_EXACT = "Silver holds exactly the good sales sent"
REJECTED_EXACT = "REJECTED holds exactly the bad records sent"
GOOD_IN_SILVER = "every good sale is in Silver, no bad one is"
BAD_IN_REJECTED = "every bad record with a readable transaction id is in REJECTED"
GOLD = "Gold equals a recomputation from Silver"
INVENTORY = "INVENTORY equals initial stock minus units sold in Silver"
WINDOWS = "every record put to Kinesis has a place (the per-window definition, whole run)"
ALL_CHECKS = {
    LOST,
    FATE,
    RUN_LOG,
    STREAMS,
    SILVER_EXACT,
    REJECTED_EXACT,
    GOOD_IN_SILVER,
    BAD_IN_REJECTED,
    GOLD,
    INVENTORY,
    WINDOWS,
}


def params_for(events: int, base_time: datetime) -> dict[str, Any]:
    return {
        "events": events,
        "duration_s": None,
        "rate": None,
        "bad_rate": 0.1,
        "duplicate_rate": 0.05,
        "seed": SEED,
        "base_time": base_time.isoformat(),
        "from_file": None,
    }


def events_ending_before_a_good_sale(base_time: datetime) -> int:
    """A run length whose NEXT generated record is a good sale (the 'lost line' test adds it)."""
    records = SaleGenerator(generator_options(params_for(MIN_EVENTS, base_time)))
    kinds = [record.kind for record in itertools.islice(records, MIN_EVENTS + 100)]
    return next(n for n in range(MIN_EVENTS, len(kinds)) if kinds[n] == VALID)


@dataclass(frozen=True)
class BaseRun:
    workdir: Path
    events: int
    base_time: datetime


@pytest.fixture(scope="session")
def base_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BaseRun]:
    from lambdas.transform.handler import lambda_handler
    from local.warehouse import LocalWarehouse

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("POWERTOOLS_LOG_LEVEL", "WARNING")
        patch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
        base_time = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
        events = events_ending_before_a_good_sale(base_time)
        workdir = tmp_path_factory.mktemp("reconcile-base") / "run"
        options = RunOptions(
            workdir=workdir,
            events=events,
            bad_rate=0.1,
            duplicate_rate=0.05,
            seed=SEED,
            base_time=base_time,
            buffer_interval_s=0.2,
            snowflake_dir=REPO / "snowflake",
            kinesis_in_process=True,
            producer_in_process=True,
        )
        result = LocalPipeline(options, LocalWarehouse, lambda_handler).run()
        assert [check.name for check in result.reconciliation.checks if not check.ok] == []
        yield BaseRun(workdir, events, base_time)


@pytest.fixture
def run_copy(base_run: BaseRun, tmp_path: Path) -> Path:
    """A copy of the healthy run's workdir, to break."""
    copy = tmp_path / "run"
    shutil.copytree(base_run.workdir, copy)
    return copy


@dataclass(frozen=True)
class CliOutcome:
    exit_code: int
    output: str
    failed: set[str]
    passed: set[str]


def reconcile_cli(workdir: Path) -> CliOutcome:
    """``python -m local reconcile --workdir W``, in process; the checks as the report prints
    them (``OK  name: detail`` / ``FAIL name: detail``)."""
    width = cli.console.width
    cli.console.width = 400  # one line per check, however long its detail
    try:
        result = CliRunner().invoke(app, ["reconcile", "--workdir", str(workdir)])
    finally:
        cli.console.width = width
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    failed, passed = set(), set()
    for line in result.output.splitlines():
        for mark, into in (("FAIL ", failed), ("OK   ", passed)):
            if line.startswith(mark):
                into.add(line[len(mark) :].split(": ", 1)[0])
    return CliOutcome(result.exit_code, result.output, failed, passed)
