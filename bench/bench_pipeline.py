"""Benchmark of the local pipeline: end-to-end events/s, event->Gold latency, moto's ceiling.

Prints figures and ratios; asserts nothing. Targets (issue 4): end-to-end >= max(0.5 x moto's
put+get ceiling, 2,000 events/s); p95 event->Gold latency <= 5 s at 1,000 events/s offered.

    .venv/bin/python bench/bench_pipeline.py [--events 20000] [--latency-events 10000]
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from local.kinesis import LocalKinesis
from local.pipeline.runner import LocalPipeline, RunOptions, quiet_transform_logs
from producer.generator import GeneratorOptions, SaleGenerator
from producer.kinesis_producer import KinesisProducer

REPO = Path(__file__).resolve().parents[1]


def moto_ceiling(events: int) -> float:
    """Records/s for put_records (batches of 500) plus reading everything back, 4 shards."""
    records = list(itertools.islice(SaleGenerator(GeneratorOptions(seed=1)), events))
    with LocalKinesis("ceiling", shard_count=4) as kinesis:
        client = kinesis.client()
        started = time.perf_counter()
        list(KinesisProducer(client, "ceiling").put_all(records))
        put_s = time.perf_counter() - started
        read = 0
        for shard in client.list_shards(StreamName="ceiling")["Shards"]:
            iterator = client.get_shard_iterator(
                StreamName="ceiling", ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
            while iterator:
                response = client.get_records(ShardIterator=iterator, Limit=10_000)
                read += len(response["Records"])
                if not response["Records"]:
                    break
                iterator = response["NextShardIterator"]
        total_s = time.perf_counter() - started
    assert read == events
    print(
        f"moto put {events} in {put_s:.2f}s, put+get {total_s:.2f}s"
        f" -> {events / total_s:,.0f} records/s"
    )
    return events / total_s


def pipeline_run(workdir: Path, events: int, rate: float | None) -> dict[str, object]:
    from lambdas.transform.handler import lambda_handler
    from local.warehouse import LocalWarehouse

    options = RunOptions(
        workdir=workdir,
        events=events,
        rate=rate,
        bad_rate=0.05,
        duplicate_rate=0.02,
        seed=3,
        base_time=datetime.now(UTC).replace(microsecond=0),
        snowflake_dir=REPO / "snowflake",
        fresh=True,
    )
    result = LocalPipeline(options, LocalWarehouse, lambda_handler).run()
    report = result.reconciliation.as_dict()
    report["timings"] = result.timings
    return report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--latency-events", type=int, default=10_000)
    args = parser.parse_args()
    quiet_transform_logs()
    ceiling = moto_ceiling(args.events)
    with tempfile.TemporaryDirectory() as tmp:
        full = pipeline_run(Path(tmp) / "max", args.events, rate=None)
        paced = pipeline_run(Path(tmp) / "paced", args.latency_events, rate=1000.0)
    for name, report in (("max rate", full), ("1,000/s offered", paced)):
        figures = report["figures"]
        timings = report["timings"]
        assert isinstance(figures, dict) and isinstance(timings, dict)
        print(f"\n== {name}: reconciled={report['ok']}")
        print(
            f"events/s {figures['events_per_s']}  latency p50 {figures['latency_p50_s']}s"
            f"  p95 {figures['latency_p95_s']}s"
        )
        print("where the time goes (s): " + ", ".join(f"{k}={v:.2f}" for k, v in timings.items()))
    target = max(0.5 * ceiling, 2000.0)
    full_figures = full["figures"]
    assert isinstance(full_figures, dict)
    events_per_s = float(full_figures["events_per_s"] or 0)
    p95 = paced["figures"]["latency_p95_s"]  # type: ignore[index]
    print(
        f"\nend-to-end {events_per_s:,.0f}/s vs target {target:,.0f}/s:"
        f" ratio {events_per_s / target:.2f}"
    )
    print(f"end-to-end / moto ceiling: {events_per_s / ceiling:.2f}")
    print(f"p95 latency at 1,000/s: {p95}s vs target 5s")


if __name__ == "__main__":
    main()
