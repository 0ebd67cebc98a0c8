"""The SQL mutation harness: each mutant of the procedures (``sql_mutants.py``) applied to a copy
of ``snowflake/``, migrated into a throwaway local warehouse by the guarding tests themselves
(``POS_SNOWFLAKE_DIR`` points ``tests/snowflake`` at the copy), which must then fail.

``python -m mutation.sql [--only SUBSTRING] [--jobs N]`` prints each mutant's verdict and time,
the score per script, and the survivors. The unmutated scripts are run first: the guards must
pass on them, or no verdict means anything.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from mutation.sql_mutants import Mutant, all_mutants

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = REPO / "snowflake"
# The tests that guard each procedure, fastest-failing first (pytest stops at the first failure).
GUARDS = {
    "R__proc_silver_process_raw_pos.sql": (
        "tests/snowflake/test_scenarios.py",
        "tests/snowflake/test_rule_boundaries.py",
        "tests/snowflake/test_properties.py",
        "tests/snowflake/test_redrive.py",
    ),
    "R__proc_gold_update_daily_summary.sql": (
        "tests/snowflake/test_gold_and_inventory_columns.py",
        "tests/snowflake/test_properties.py",
        "tests/snowflake/test_scenarios.py",
    ),
    "R__proc_silver_update_inventory.sql": (
        "tests/snowflake/test_gold_and_inventory_columns.py",
        "tests/snowflake/test_properties.py",
        "tests/snowflake/test_scenarios.py",
    ),
    "R__proc_silver_redrive_rejected.sql": ("tests/snowflake/test_redrive.py",),
}


@dataclass(frozen=True)
class Verdict:
    mutant: Mutant | None
    killed: bool
    seconds: float
    failure: str


def guards_for(script: str) -> tuple[str, ...]:
    if script not in GUARDS:
        raise KeyError(f"no guarding tests named for {script}: add it to GUARDS")
    return GUARDS[script]


def run_guards(scripts_dir: Path, tests: tuple[str, ...]) -> tuple[int, str]:
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests],
        cwd=REPO,
        env={**os.environ, "POS_SNOWFLAKE_DIR": str(scripts_dir)},
        capture_output=True,
        text=True,
        check=False,
    )
    failed = [line for line in completed.stdout.splitlines() if line.startswith("FAILED")]
    return completed.returncode, (failed[0] if failed else completed.stdout[-300:])


def try_mutant(mutant: Mutant) -> Verdict:
    with tempfile.TemporaryDirectory(prefix="sql-mutant-") as scratch:
        copy = Path(scratch) / "snowflake"
        shutil.copytree(SCRIPTS, copy)
        path = copy / mutant.script
        path.write_text(mutant.apply(path.read_text(encoding="utf-8")), encoding="utf-8")
        started = time.monotonic()
        code, failure = run_guards(copy, guards_for(mutant.script))
        return Verdict(mutant, code != 0, time.monotonic() - started, failure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="", help="mutants whose name contains this")
    parser.add_argument("--jobs", type=int, default=1, help="mutants tried at once")
    arguments = parser.parse_args()
    mutants = [m for m in all_mutants(SCRIPTS) if arguments.only in m.name]
    started = time.monotonic()
    for script in sorted({m.script for m in mutants}):
        code, failure = run_guards(SCRIPTS, guards_for(script))
        if code != 0:
            raise SystemExit(f"the guards of {script} fail on the unmutated scripts: {failure}")
    print(f"guards pass on the unmutated scripts; {len(mutants)} mutants", flush=True)
    verdicts: list[Verdict] = []
    with ThreadPoolExecutor(max_workers=arguments.jobs) as pool:
        for verdict in pool.map(try_mutant, mutants):
            assert verdict.mutant is not None
            mark = "killed  " if verdict.killed else "SURVIVED"
            print(
                f"{mark} {verdict.seconds:5.1f}s {verdict.mutant.name}: "
                f"{verdict.mutant.describe()}",
                flush=True,
            )
            verdicts.append(verdict)
    per_script: dict[str, list[Verdict]] = defaultdict(list)
    for verdict in verdicts:
        assert verdict.mutant is not None
        per_script[verdict.mutant.script].append(verdict)
    print()
    for script, found in sorted(per_script.items()):
        killed = sum(v.killed for v in found)
        seconds = sum(v.seconds for v in found)
        print(f"{script}: {killed}/{len(found)} killed, {seconds / 60:.1f} min")
    total = sum(v.killed for v in verdicts)
    print(f"all: {total}/{len(verdicts)} killed in {(time.monotonic() - started) / 60:.1f} min")
    survivors = [v for v in verdicts if not v.killed]
    for verdict in survivors:
        assert verdict.mutant is not None
        print(f"survivor {verdict.mutant.name}: {verdict.mutant.describe()}")


if __name__ == "__main__":
    main()
