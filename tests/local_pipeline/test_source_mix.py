"""A local run of every kind (--source-mix, 10% bad input, 5% resends) reconciles per kind:
produced = landed + rejected + copies for each, by the tables and by the run log, and each kind's
Gold equals a recomputation from Silver."""

from __future__ import annotations

import hashlib
import itertools
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from local.pipeline.runner import LocalPipeline, RunOptions
from producer.generator import GeneratorOptions
from producer.kinds import HANDLED_NOT_REJECTED
from producer.mix import MixedGenerator, kind_of_label, parse_source_mix
from tests.local_pipeline.conftest import REPO

pytestmark = pytest.mark.slow

MIX = "pos=60,clickstream=20,iot=10,app_log=5,cdc=5"
EVENTS = 2000


def test_a_run_of_every_kind_reconciles_per_kind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "WARNING")
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    from lambdas.transform.handler import lambda_handler
    from local.warehouse import LocalWarehouse

    base_time = datetime.now(UTC).replace(microsecond=0)
    options = RunOptions(
        workdir=tmp_path / "run",
        events=EVENTS,
        bad_rate=0.10,
        duplicate_rate=0.05,
        seed=13,
        source_mix=MIX,
        base_time=base_time,
        buffer_interval_s=0.5,
        snowflake_dir=REPO / "snowflake",
    )
    report = LocalPipeline(options, LocalWarehouse, lambda_handler).run().report()
    assert [check for check in report["checks"] if not check["ok"]] == []

    # Independently of the pipeline's bookkeeping: what the generator sent, per kind.
    generator = MixedGenerator(
        GeneratorOptions(
            seed=13,
            base_time=base_time,
            bad_rate=0.10,
            duplicate_rate=0.05,
            seconds_between_sales=0.001,
        ),
        parse_source_mix(MIX),
    )
    sent = list(itertools.islice(generator, EVENTS))
    per_kind = report["figures"]["kinds"]
    produced = Counter(kind_of_label(record.kind) for record in sent)
    for kind, count in produced.items():
        figures = per_kind[kind]
        assert figures["bronze_rows"] == count, kind
        assert figures["landed"] + figures["rejected"] + figures["copies_ignored"] == count, kind
        if kind == "pos.v1":
            continue
        records = [record for record in sent if kind_of_label(record.kind) == kind]
        landed = [r for r in records if r.kind.endswith(":valid") or r.kind in HANDLED_NOT_REJECTED]
        bad = {
            hashlib.sha256(r.data).digest()
            for r in records
            if r not in landed and not r.kind.endswith(":duplicate")
        }
        assert (figures["landed"], figures["rejected"]) == (len(landed), len(bad)), kind
        assert figures["rejected"] > 0, f"{kind}: the run should hold bad input of every kind"
    assert set(produced) == {"pos.v1", "clickstream.v1", "iot.v1", "app_log.v1", "cdc.v1"}
    assert per_kind["unknown"]["bronze_rows"] == 0
    # Nothing of the other kinds became a bad sale.
    assert report["figures"]["rejected_records"] == per_kind["pos.v1"]["rejected"]
    gold = report["figures"]["kinds_gold"]
    assert gold["visitors"] > 0 and gold["funnel events"] > 0 and gold["terminal errors"] >= 0
