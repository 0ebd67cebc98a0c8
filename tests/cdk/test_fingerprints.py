"""Deploys follow every byte: a one-byte edit of any Snowflake script or any Lambda source file
changes what the synthesized template says about that code, and an unchanged tree (elsewhere on
disk, touched or not) synthesizes the same values.

Checked on the template itself, not on the functions that compute the hashes: the app is
synthesized (``fingerprint_synth.py``, one jsii runtime) in a temporary copy of the tree, once
per edited file. In AWS, a hash that ignored some file would mean edited SQL or Lambda code that
silently never deploys.

A synth takes most of a second, so the ci profile edits the first and the last file of each kind
(folder, extension, and V/R/A for scripts): a hash that skipped a folder, an extension, a kind of
script or the contents altogether shows. ``HYPOTHESIS_PROFILE=nightly`` edits every file.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from stacks.requirements import REPO_ROOT
from tests.profiles import NIGHTLY, PROFILE

pytestmark = pytest.mark.slow

TREE = ("app.py", "cdk.json", "pyproject.toml", "stacks", "lambdas", "snowflake")
SYNTH_SCRIPT = Path(__file__).with_name("fingerprint_synth.py")

TRANSFORM, MIGRATIONS, MONITOR = "TransformFunction", "MigrationsFunction", "MonitorFunction"
CANARY = "CanaryFunction"
FUNCTIONS = (TRANSFORM, MIGRATIONS, MONITOR, CANARY)
FINGERPRINTS = ("ScriptsFingerprint", "CodeFingerprint")


def copy_tree(destination: Path) -> Path:
    for name in TREE:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(
                source, destination / name, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy2(source, destination / name)
    return destination


def start_synth(tree: Path, edits: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(SYNTH_SCRIPT), json.dumps(edits)],
        cwd=tree,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tree), "HOME": str(tree)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def synth_result(process: subprocess.Popen[bytes]) -> dict[str, Any]:
    stdout, stderr = process.communicate(timeout=600)
    assert process.returncode == 0, stderr.decode()[-3000:]
    result: dict[str, Any] = json.loads(stdout.decode().splitlines()[-1])
    return result


def function_id(values: dict[str, Any], name: str) -> str:
    [logical_id] = [key for key in values if name in key]
    return logical_id


def expected_changes(path: str) -> set[str]:
    """What must change when this file changes: the bundles that carry it, and the custom
    resource's fingerprints when the migrations would run differently."""
    if path.startswith("snowflake/admin/"):
        # The admin bootstrap and the privilege matrix travel in the bundle but are not scripts
        # the migrations apply (scripts_fingerprint covers snowflake/*.sql only).
        return {MIGRATIONS, "CodeFingerprint"}
    if path.startswith("snowflake/"):
        return {MIGRATIONS, *FINGERPRINTS}
    if path == "lambdas/__init__.py":
        return {TRANSFORM, MIGRATIONS, MONITOR, CANARY, "CodeFingerprint"}
    if path in ("lambdas/transform/__init__.py", "lambdas/transform/limits.py"):
        # The canary's latency budget reads the processor buffer interval from limits.py.
        return {TRANSFORM, CANARY}
    if path.startswith("lambdas/transform/"):
        return {TRANSFORM}
    if path.startswith("lambdas/snowflake_migrations/"):
        # The monitor and the canary reuse the migrations package's login and SQL rendering.
        return {MIGRATIONS, MONITOR, CANARY, "CodeFingerprint"}
    if path.startswith("lambdas/snowflake_monitor/"):
        return {MONITOR}
    if path.startswith("lambdas/pipeline_verify/"):
        return {CANARY}
    raise AssertionError(f"no expectation for {path}")


def first_and_last(files: list[Path]) -> list[Path]:
    kinds: dict[tuple[str, str, str], list[Path]] = {}
    for path in files:
        script_kind = path.name[0] if path.parts[0] == "snowflake" else ""
        kinds.setdefault((path.parent.as_posix(), path.suffix, script_kind), []).append(path)
    return sorted({chosen for group in kinds.values() for chosen in (group[0], group[-1])})


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any]]:
    tree = copy_tree(tmp_path_factory.mktemp("tree"))
    files = sorted(
        path.relative_to(tree)
        for folder in ("snowflake", "lambdas")
        for path in (tree / folder).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    )
    edits = [path.as_posix() for path in (files if PROFILE == NIGHTLY else first_and_last(files))]
    elsewhere = copy_tree(tmp_path_factory.mktemp("elsewhere"))
    # Both at once: each spends most of its time in its own jsii runtime.
    here, there = start_synth(tree, edits), start_synth(elsewhere, [edits[0]])
    return synth_result(here), synth_result(there)


def test_an_unchanged_tree_keeps_every_hash(
    synthesized: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    result, elsewhere = synthesized
    baseline = result["baseline"]
    assert {function_id(baseline, name) for name in FUNCTIONS}
    assert set(FINGERPRINTS) <= set(baseline)
    assert result["again"] == baseline
    assert result["touched"] == baseline  # a new modification time is not a change
    assert elsewhere["baseline"] == baseline  # nor is the checkout's location


def test_a_one_byte_edit_of_any_script_or_lambda_file_changes_its_hashes(
    synthesized: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    result, _ = synthesized
    baseline = result["baseline"]
    names = {function_id(baseline, name): name for name in FUNCTIONS}
    # Every kind of file (ci) or every file (nightly) was edited.
    assert len(result["edits"]) >= 15
    wrong = {}
    for path, values in result["edits"].items():
        changed = {names.get(key, key) for key, value in values.items() if baseline[key] != value}
        if changed != expected_changes(path):
            wrong[path] = sorted(changed)
    assert wrong == {}
