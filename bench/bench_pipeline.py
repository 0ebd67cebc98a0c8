"""Benchmark of the local pipeline: end-to-end events/s, Kinesis->Gold latency, moto's ceiling.

Prints figures and ratios; asserts nothing. Targets (issue 4): end-to-end >= max(0.5 x moto's
put+get ceiling, 2,000 events/s); p95 Kinesis->Gold latency <= 5 s at 1,000 events/s offered.

- Ceiling: one client puts ``--events`` records (batches of 500, 4 shards) and reads them all
  back, against moto in this process and against moto in its own process; the higher figure is
  the ceiling the ratio uses.
- End to end: ``--events`` at max rate, and ``--latency-events`` offered at 1,000/s, each
  ``--repeats`` times; medians are printed with every run's figures. events/s = produced /
  (first put .. last task run); latency = per accepted sale, Kinesis arrival time (moto stamps it
  at the put) to the end of the first Gold run that started after the Silver run accepting it,
  p50/p95 over all accepted sales; "to Silver" is the health report's p95 (arrival -> Silver).
  "offered achieved" is records put / producing time.
- ``--layout threads`` runs moto and the producer inside the pipeline's process (the old layout),
  to compare.

    .venv/bin/python bench/bench_pipeline.py [--events 20000] [--latency-events 10000]
        [--repeats 3] [--layout processes|threads]
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from local.kinesis import LocalKinesis
from local.pipeline.runner import LocalPipeline, RunOptions, quiet_transform_logs
from producer.generator import GeneratorOptions, SaleGenerator
from producer.kinesis_producer import KinesisProducer


def moto_ceiling(events: int, in_process: bool) -> float:
    """Records/s for put_records (batches of 500) plus reading everything back, 4 shards."""
    records = list(itertools.islice(SaleGenerator(GeneratorOptions(seed=1)), events))
    with LocalKinesis("ceiling", shard_count=4, in_process=in_process) as kinesis:
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
    where = "in this process" if in_process else "own process"
    print(
        f"moto ({where}) put {events} in {put_s:.2f}s, put+get {total_s:.2f}s"
        f" -> {events / total_s:,.0f} records/s"
    )
    return events / total_s


def pipeline_run(workdir: Path, events: int, rate: float | None, threads: bool) -> dict[str, Any]:
    from lambdas.transform.handler import lambda_handler
    from local.warehouse import LocalWarehouse

    options = RunOptions(
        workdir=workdir,
        events=events,
        rate=rate,
        bad_rate=0.05,
        duplicate_rate=0.02,
        seed=3,
        fresh=True,
        kinesis_in_process=threads,
        producer_in_process=threads,
    )
    result = LocalPipeline(options, LocalWarehouse, lambda_handler).run()
    report = result.report()
    timings = dict(result.timings)
    timings["offered_achieved_per_s"] = events / timings["produce_s"]
    report["timings"] = timings
    # The health report's latency (arrival -> Silver) splits Kinesis->Gold into its two halves.
    report["figures"]["silver_p95_s"] = report["health"]["latency"]["p95_seconds"]
    return report


def _median(reports: list[dict[str, Any]], section: str, key: str) -> float | None:
    values = [report[section][key] for report in reports if report[section][key] is not None]
    return statistics.median(values) if values else None


def summarize(name: str, reports: list[dict[str, Any]]) -> dict[str, float | None]:
    print(f"\n== {name}: reconciled={[report['ok'] for report in reports]}")
    for report in reports:
        figures, timings = report["figures"], report["timings"]
        print(
            f"  run: events/s {figures['events_per_s']}  p50 {figures['latency_p50_s']}s"
            f"  p95 {figures['latency_p95_s']}s (to Silver {figures['silver_p95_s']}s)"
            f"  offered achieved"
            f" {timings['offered_achieved_per_s']:,.0f}/s"
        )
    medians = {
        key: _median(reports, "figures", key)
        for key in ("events_per_s", "latency_p50_s", "latency_p95_s", "silver_p95_s")
    }
    print(
        f"  median: events/s {medians['events_per_s']}  p50 {medians['latency_p50_s']}s"
        f"  p95 {medians['latency_p95_s']}s (to Silver {medians['silver_p95_s']}s)"
    )
    keys = [key for key in reports[0]["timings"] if key != "offered_achieved_per_s"]
    breakdown = ", ".join(f"{key}={_median(reports, 'timings', key):.2f}" for key in keys)
    print(f"  where the time goes (median s; threads overlap, so these do not add up): {breakdown}")
    return medians


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--latency-events", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--layout", choices=("processes", "threads"), default="processes")
    args = parser.parse_args()
    quiet_transform_logs()
    ceilings = [moto_ceiling(args.events, in_process) for in_process in (True, False)]
    ceiling = max(ceilings)
    threads = args.layout == "threads"
    full: list[dict[str, Any]] = []
    paced: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for repeat in range(args.repeats):
            # Interleaved, so a slow spell on the machine hits both kinds of run alike.
            full.append(pipeline_run(Path(tmp) / f"max{repeat}", args.events, None, threads))
            paced.append(
                pipeline_run(Path(tmp) / f"paced{repeat}", args.latency_events, 1000.0, threads)
            )
    print(f"\nlayout: {args.layout}")
    at_max = summarize("max rate", full)
    at_1000 = summarize("1,000/s offered", paced)
    target = max(0.5 * ceiling, 2000.0)
    events_per_s = float(at_max["events_per_s"] or 0)
    print(
        f"\nceiling {ceiling:,.0f}/s; end-to-end {events_per_s:,.0f}/s vs target {target:,.0f}/s:"
        f" ratio {events_per_s / target:.2f}; end-to-end / ceiling {events_per_s / ceiling:.2f}"
    )
    print(f"p95 latency at 1,000/s offered: {at_1000['latency_p95_s']}s vs target 5s")


if __name__ == "__main__":
    main()
