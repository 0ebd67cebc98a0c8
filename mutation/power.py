"""The property test's power: how many of 20 random seeds catch each planted MERGE overwrite.

``python -m mutation.power [--seeds 20] [--only SUBSTRING]``: for each ``overwrite`` and
``greatest-one-side`` mutant of the Gold and INVENTORY procedures, a warehouse migrated with the
mutant, then ``tests/snowflake/test_properties.py``'s scenario check under Hypothesis with the ci
profile's example count, one seed at a time (no shrinking: the first failing example counts).
The unmutated scripts are the control: no seed may fail there.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

# The transform runs inside every example: keep its per-batch log lines and metrics quiet.
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")

from hypothesis import HealthCheck, Phase, given, seed, settings

from local.warehouse import LocalWarehouse
from mutation.sql_mutants import Mutant, all_mutants
from tests.snowflake.test_properties import CI_EXAMPLES, Scenario, check_scenario, scenario_strategy

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = REPO / "snowflake"
OPERATORS = ("overwrite", "greatest-one-side")
PROCEDURES = ("R__proc_gold_update_daily_summary.sql", "R__proc_silver_update_inventory.sql")


def migrated(scripts: Path, into: Path) -> Path:
    template = into / "template"
    with LocalWarehouse(template) as warehouse:
        warehouse.apply_migrations(scripts)
    return template


def seeds_caught(template: Path, seeds: int) -> int:
    caught = 0
    for value in range(seeds):
        test = _property(template)
        try:
            seed(value)(test)()
        except Exception:  # the invariants broke (or a task failed) on this seed
            caught += 1
    return caught


def _property(template: Path) -> Callable[[], None]:
    @settings(
        max_examples=CI_EXAMPLES,
        derandomize=False,
        database=None,
        phases=[Phase.generate],
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(scenario=scenario_strategy)
    def test(scenario: Scenario) -> None:
        with tempfile.TemporaryDirectory(prefix="power-") as work_dir:
            check_scenario(template, Path(work_dir), scenario)

    return test  # type: ignore[no-any-return]


def measure(mutant: Mutant | None, seeds: int) -> int:
    with tempfile.TemporaryDirectory(prefix="power-scripts-") as scratch:
        copy = Path(scratch) / "snowflake"
        shutil.copytree(SCRIPTS, copy)
        if mutant is not None:
            path = copy / mutant.script
            path.write_text(mutant.apply(path.read_text(encoding="utf-8")), encoding="utf-8")
        return seeds_caught(migrated(copy, Path(scratch)), seeds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--only", default="")
    arguments = parser.parse_args()
    mutants = [
        m
        for m in all_mutants(SCRIPTS)
        if m.operator in OPERATORS and m.script in PROCEDURES and arguments.only in m.name
    ]
    started = time.monotonic()
    control = measure(None, arguments.seeds)
    print(f"control (unmutated): {control}/{arguments.seeds} seeds fail", flush=True)
    figures = []
    for mutant in mutants:
        step = time.monotonic()
        caught = measure(mutant, arguments.seeds)
        figures.append(caught)
        print(
            f"{caught:2d}/{arguments.seeds} seeds catch {mutant.name}: {mutant.describe()}"
            f" ({time.monotonic() - step:.0f} s)",
            flush=True,
        )
    if figures:
        print(
            f"weakest: {min(figures)}/{arguments.seeds}; {len(figures)} mutants,"
            f" {(time.monotonic() - started) / 60:.1f} min"
        )


if __name__ == "__main__":
    main()
