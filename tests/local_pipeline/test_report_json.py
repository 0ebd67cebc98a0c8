"""``python -m local run --report-json``: the health section agrees with the reconciliation."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from lambdas.snowflake_monitor.hops import HOPS
from tests.local_pipeline.conftest import REPO

pytestmark = pytest.mark.slow


def rejected_records_per_rule(workdir: Path) -> dict[str, int]:
    from local.warehouse import LocalWarehouse

    with LocalWarehouse(workdir / "warehouse") as warehouse:
        cursor = warehouse.connect_as(warehouse.principals.admin).cursor()
        cursor.execute("SELECT RECORD_HASH, FAILED_RULES FROM SILVER.RETAIL_POS_REJECTED")
        rows = cursor.fetchall()
    counts: Counter[str] = Counter()
    for _, failed_rules in rows:
        counts.update({rule["rule_id"] for rule in json.loads(failed_rules)})
    return dict(counts)


def test_report_json_has_health_figures_consistent_with_the_reconciliation(
    tmp_path: Path,
) -> None:
    workdir = tmp_path / "run"
    completed = subprocess.run(
        [sys.executable, "-m", "local", "run",
         "--events", "600", "--bad-rate", "0.1", "--duplicate-rate", "0.05", "--seed", "5",
         "--buffer-interval", "0.3", "--workdir", str(workdir),
         "--report-json", str(workdir / "report.json")],
        cwd=REPO,
        capture_output=True,
        timeout=300,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip
    output = completed.stdout.decode()
    assert completed.returncode == 0, output[-3000:]
    assert "Pipeline health" in output
    for hop in HOPS:
        assert hop.task in output

    report = json.loads((workdir / "report.json").read_text())
    assert report["ok"]
    figures, health = report["figures"], report["health"]

    intake = health["intake"]
    assert figures["silver_transactions"] > 0 and figures["rejected_records"] > 0
    assert intake["records_accepted"] == figures["silver_transactions"]
    assert intake["records_rejected"] == figures["rejected_records"]
    assert intake["duplicates_ignored"] == figures["duplicates_ignored"]
    assert intake["rejected_share"] == pytest.approx(
        figures["rejected_records"] / (figures["silver_transactions"] + figures["rejected_records"])
    )
    # Every rejected record failed at least one rule; no rule has more records than were rejected.
    rules = health["rejects_by_rule"]
    assert sum(rules.values()) >= figures["rejected_records"]
    assert all(0 < records <= figures["rejected_records"] for records in rules.values())
    # Per rule, the records REJECTED holds that failed it, counted here from the table itself
    # (not with the monitor's FLATTEN query the report used).
    assert report["rejected_by_rule"] == rules == rejected_records_per_rule(workdir)

    # A completed run leaves nothing waiting, failed nothing, and every hop ran just now.
    assert [hop["task"] for hop in health["hops"]] == [hop.task for hop in HOPS]
    for hop in health["hops"]:
        assert hop["rows_waiting"] == 0, hop
        assert hop["oldest_waiting_minutes"] == 0, hop
        assert hop["runs_failed"] == 0 and hop["last_error"] is None, hop
        assert hop["runs_succeeded"] >= 1, hop
        assert 0 <= hop["minutes_since_success"] < 5, hop

    # Arrival -> Silver (health) cannot exceed arrival -> Gold (reconciliation), sale by sale.
    latency = health["latency"]
    assert latency["transactions"] == figures["silver_transactions"]
    assert 0 <= latency["p50_seconds"] <= latency["p95_seconds"] <= latency["max_seconds"]
    assert latency["p95_seconds"] <= figures["latency_p95_s"] + 0.001
