"""mutmut over one Python target at a time, in a scratch copy of the tree.

``python -m mutation.python [transform|reconcile|migrations ...]`` copies the tracked files to
``.mutation/<target>/``, adds that target's ``[tool.mutmut]`` section (what to mutate, which tests
guard it) to the copy's pyproject.toml, runs ``mutmut run`` there and prints the score, the time
it took and every surviving mutant's diff. mutmut keeps its results in the copy, so a second run
only tries mutants of functions that changed.

The guarding tests are each target's fast tests (``-m "not slow"``): mutmut runs them once per
mutant, so end-to-end tests, whose runs take seconds, are left to ``make test``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCRATCH = REPO / ".mutation"


@dataclass(frozen=True)
class Target:
    source: str
    tests: tuple[str, ...]


TARGETS = {
    "transform": Target(
        "lambdas/transform",
        (
            "tests/transform",
            # Patches transform_batch.__kwdefaults__, which mutmut's trampoline does not carry.
            "--deselect",
            "tests/transform/test_observability.py::test_overflow_is_logged_as_a_warning_and_counted",
        ),
    ),
    "reconcile": Target("local/reconcile", ("tests/reconcile",)),
    "migrations": Target("lambdas/snowflake_migrations", ("tests/migrations",)),
}


def _tracked_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    )
    return [name for name in listed.stdout.decode().split("\0") if name]


def prepare(name: str, target: Target) -> Path:
    """A copy of the tree with this target's mutmut settings (kept between runs)."""
    copy = SCRATCH / name
    for relative in _tracked_files():
        source, destination = REPO / relative, copy / relative
        if not source.is_file():
            continue
        if destination.exists() and destination.read_bytes() == source.read_bytes():
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination)
    selection = [*target.tests, "-m", "not slow", "-p", "no:cacheprovider"]
    settings = (
        "\n[tool.mutmut]\n"
        f"source_paths = [{json.dumps(target.source)}]\n"
        f"pytest_add_cli_args_test_selection = {json.dumps(selection)}\n"
        'also_copy = ["lambdas", "local", "producer", "snowflake", "events", "stacks", "bench"]\n'
    )
    pyproject = copy / "pyproject.toml"
    pyproject.write_text((REPO / "pyproject.toml").read_text() + settings)
    return copy


def run(name: str, children: int) -> dict[str, int]:
    copy = prepare(name, TARGETS[name])
    mutmut = str(Path(sys.executable).with_name("mutmut"))
    started = time.monotonic()
    subprocess.run(
        [mutmut, "run", "--max-children", str(children)],
        cwd=copy,
        stdout=subprocess.DEVNULL,
        check=False,
    )
    elapsed = time.monotonic() - started
    subprocess.run([mutmut, "export-cicd-stats"], cwd=copy, capture_output=True, check=True)
    stats: dict[str, int] = json.loads((copy / "mutants" / "mutmut-cicd-stats.json").read_text())
    results = subprocess.run(
        [mutmut, "results"], cwd=copy, capture_output=True, text=True, check=True
    ).stdout
    survivors = [
        line.split(":")[0].strip() for line in results.splitlines() if ": survived" in line
    ]
    tested = stats["killed"] + stats["survived"] + stats.get("timeout", 0)
    score = (stats["killed"] + stats.get("timeout", 0)) / tested if tested else 0.0
    print(f"== {name}: {score:.1%} killed ({stats}), {elapsed / 60:.1f} min")
    for survivor in survivors:
        shown = subprocess.run(
            [mutmut, "show", survivor], cwd=copy, capture_output=True, text=True, check=False
        )
        print(shown.stdout)
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("targets", nargs="*", default=list(TARGETS), choices=list(TARGETS))
    parser.add_argument("--children", type=int, default=2, help="mutants tested at once")
    arguments = parser.parse_args()
    for name in arguments.targets:
        run(name, arguments.children)


if __name__ == "__main__":
    main()
