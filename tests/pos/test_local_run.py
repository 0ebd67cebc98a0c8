"""``pos local run`` as a newcomer types it: the installed console script, from a folder outside
the repository. It reconciles, fills Bronze and Silver, prints no library noise, and its latency
figures are real-clock ones (sales are stamped when produced)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from local.warehouse import LocalWarehouse
from local.warehouse.quiet import DROPPED_CLAUSES

pytestmark = pytest.mark.slow

POS = Path(sys.executable).with_name("pos")
REPO = Path(__file__).resolve().parents[2]
NOISE = (*DROPPED_CLAUSES, "UserWarning", "Arrow output", "Traceback", "DeprecationWarning")


def count(warehouse: LocalWarehouse, table: str) -> int:
    cursor = warehouse.connect_as(warehouse.principals.admin).cursor()
    cursor.execute(f"SELECT COUNT(*) FROM {table}")
    return int(cursor.fetchall()[0][0])


def test_pos_local_run_from_a_folder_outside_the_repository(tmp_path: Path) -> None:
    assert not tmp_path.resolve().is_relative_to(REPO)
    completed = subprocess.run(
        [str(POS), "local", "run", "--events", "200", "--bad-rate", "0.1",
         "--duplicate-rate", "0.05", "--workdir", "run", "--report-json", "run/report.json"],
        cwd=tmp_path,
        capture_output=True,
        timeout=300,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip
    output = completed.stdout.decode() + completed.stderr.decode()
    assert completed.returncode == 0, output[-3000:]
    assert "Result: reconciled" in output
    assert [noise for noise in NOISE if noise in output] == []

    with LocalWarehouse(tmp_path / "run" / "warehouse") as warehouse:
        assert count(warehouse, "BRONZE.JSON_RAW_DATA") == 200
        assert count(warehouse, "SILVER.RETAIL_POS_PROCESSED") > 0
        assert count(warehouse, "SILVER.RETAIL_POS_REJECTED") > 0

    figures = json.loads((tmp_path / "run" / "report.json").read_text())["figures"]
    # Stamped when produced: a sale is never stamped after it reached Kinesis, and not long before.
    assert 0 <= figures["pos_clock_skew_p50_s"] <= figures["pos_clock_skew_p95_s"] < 60
    assert 0 < figures["latency_p50_s"] <= figures["latency_p95_s"]
