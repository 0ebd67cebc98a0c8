"""``local/failpoints.py``: inert unless armed; armed, it kills the process on the n-th pass of
its point (and names the point on stderr first), never on another point or another pass."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from local.failpoints import ENV_VAR
from tests.local_pipeline.conftest import REPO

PASSES = """
from local import failpoints
for n in range(1, 4):
    failpoints.reached("other.point")
    failpoints.reached("some.point")
    print("passed", n, flush=True)
"""


def run(armed: str | None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != ENV_VAR}
    if armed is not None:
        env[ENV_VAR] = armed
    return subprocess.run(
        [sys.executable, "-c", PASSES],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_unset_it_does_nothing() -> None:
    completed = run(None)
    assert completed.returncode == 0
    assert completed.stdout.split("\n")[:3] == ["passed 1", "passed 2", "passed 3"]


def test_armed_it_kills_on_the_nth_pass_of_its_point_only() -> None:
    completed = run("some.point@2")
    assert completed.returncode == -signal.SIGKILL
    assert completed.stdout == "passed 1\n"
    assert completed.stderr == "failpoint some.point@2 reached\n"


def test_a_count_never_reached_or_another_name_does_nothing() -> None:
    assert run("some.point@4").returncode == 0
    assert run("no.such.point@1").returncode == 0


@pytest.mark.parametrize("spec", ["some.point", "some.point@0", "@1", "some.point@x"])
def test_a_malformed_setting_is_refused_at_start(spec: str) -> None:
    completed = run(spec)
    assert completed.returncode == 1
    assert f"{ENV_VAR} must be <name>@<n>" in completed.stderr
