"""A bounded local run (3,000 records, 10% bad, 5% resends) reconciles at every hop."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from pathlib import Path

import pytest

from local.pipeline.runner import LocalPipeline, RunOptions
from producer.generator import DUPLICATE, VALID, GeneratorOptions, SaleGenerator
from tests.local_pipeline.conftest import REPO, warehouse_state

pytestmark = pytest.mark.slow


def test_bounded_run_reconciles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # As the CLI does (quiet_transform_logs), but undone after the test: env is process-wide.
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "WARNING")
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    from lambdas.transform.handler import lambda_handler
    from local.warehouse import LocalWarehouse

    base_time = datetime.now(UTC).replace(microsecond=0)
    options = RunOptions(
        workdir=tmp_path / "run",
        events=3000,
        bad_rate=0.10,
        duplicate_rate=0.05,
        seed=21,
        base_time=base_time,
        buffer_interval_s=0.5,
        snowflake_dir=REPO / "snowflake",
    )
    result = LocalPipeline(options, LocalWarehouse, lambda_handler).run()
    report = result.report()
    failed = [check for check in report["checks"] if not check["ok"]]
    assert failed == []

    # Independently of the pipeline's own bookkeeping: what the generator sent.
    sent = list(
        itertools.islice(
            SaleGenerator(
                GeneratorOptions(
                    seed=21,
                    base_time=base_time,
                    bad_rate=0.10,
                    duplicate_rate=0.05,
                    seconds_between_sales=0.001,
                )
            ),
            3000,
        )
    )
    good = [r for r in sent if r.kind == VALID]
    resent = [r for r in sent if r.kind == DUPLICATE]
    bad_distinct = {r.data for r in sent if r.kind not in (VALID, DUPLICATE)}
    figures = report["figures"]
    assert figures["produced"] == 3000
    assert figures["delivered_to_bronze_records"] == 3000
    assert figures["error_output_processing_failed"] == 0
    assert figures["silver_transactions"] == len(good)
    assert figures["rejected_records"] == len(bad_distinct)
    assert figures["duplicates_ignored"] >= len(resent)
    assert (
        figures["silver_transactions"] + figures["rejected_records"] + figures["duplicates_ignored"]
        == 3000
    )
    assert figures["gold_transactions"] == len(good)
    assert {
        "TRANSFORM_FLAGGED",
        "TOTAL_MISMATCH",
        "UNKNOWN_STORE",
        "TRANSACTION_ID_CONFLICT",
    } <= set(report["rejected_by_rule"])
    assert figures["latency_p95_s"] is not None

    # Running the same command again on the finished workdir changes nothing downstream.
    before = warehouse_state(tmp_path / "run")
    again = LocalPipeline(options, LocalWarehouse, lambda_handler).run()
    assert again.reconciliation.ok
    assert warehouse_state(tmp_path / "run") == before
