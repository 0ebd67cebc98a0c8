"""SIGKILL a run at several points and restart it: the end state equals an uninterrupted run's."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.local_pipeline.conftest import REPO, warehouse_state

pytestmark = pytest.mark.slow


def command(workdir: Path, base_time: str) -> list[str]:
    return [
        sys.executable, "-m", "local", "run",
        "--events", "3000", "--rate", "1000", "--bad-rate", "0.1", "--duplicate-rate", "0.05",
        "--seed", "9", "--base-time", base_time, "--buffer-interval", "0.3",
        "--workdir", str(workdir), "--report-json", str(workdir / "report.json"),
    ]  # fmt: skip


def run_to_completion(workdir: Path, base_time: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        command(workdir, base_time), cwd=REPO, capture_output=True, timeout=300, check=False
    )


def test_killed_and_restarted_run_ends_like_an_uninterrupted_one(tmp_path: Path) -> None:
    base_time = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")
    reference = run_to_completion(tmp_path / "reference", base_time)
    assert reference.returncode == 0, reference.stdout.decode()[-3000:]

    crashed = tmp_path / "crashed"
    rng = random.Random(int(os.environ.get("CRASH_TEST_SEED", "4")))
    kills = 0
    # Startup (imports, migrations) takes a few seconds; kill inside production and delivery.
    for delay in sorted(rng.uniform(4.0, 8.0) for _ in range(3)):
        process = subprocess.Popen(
            command(crashed, base_time),
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait()
    assert kills >= 1
    final = run_to_completion(crashed, base_time)
    assert final.returncode == 0, final.stdout.decode()[-3000:]

    assert warehouse_state(crashed) == warehouse_state(tmp_path / "reference")
    report = json.loads((crashed / "report.json").read_text())
    assert report["ok"]
    assert report["incarnation"] > 1  # the run really was resumed, not started over
    # The health figures cover every incarnation: the run log agrees with the tables.
    intake, figures = report["health"]["intake"], report["figures"]
    assert intake["records_accepted"] == figures["silver_transactions"]
    assert intake["records_rejected"] == figures["rejected_records"]
    assert all(hop["rows_waiting"] == 0 for hop in report["health"]["hops"])
