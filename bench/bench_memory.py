"""Memory of a long local run: RSS over time of the run and every process it starts, and slope.

Runs the local twin (``LocalPipeline``, as ``pos local run`` does: moto's server and the producer
in their own processes) for a fixed ``--duration`` at a fixed ``--rate`` in a temporary workdir,
and every ``--interval`` seconds samples the resident set size (``/proc``, Linux only) of the run
and of each process it started, plus DuckDB's own cache of table blocks (``duckdb_memory()``,
tag ``BASE_TABLE``), which the local warehouse caps (``POS_LOCAL_WAREHOUSE_MEMORY_MB``,
``local/warehouse/memory.py``): that cache fills with the tables it reads until the cap, then
DuckDB evicts.

A run's RSS swings by a hundred MB between samples (each batch's DuckDB and Arrow buffers come
and go), so the figures that decide are per-minute medians over the steady part of the producing
phase (from 30% of the duration to its end): the least-squares slope of the total, and of the
total without DuckDB's capped cache, over the whole window and its second half. Memory plateaus
when the second half's slope without the cache is at most ``--plateau-mb-per-min`` and the cache
stays within its cap. Asserts nothing; the exit code says whether the run reconciled.

    .venv/bin/python bench/bench_memory.py --duration 600 --rate 500
    .venv/bin/python bench/bench_memory.py --duration 300 --rate 500   # a quicker look
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local.pipeline.runner import LocalPipeline, RunOptions, RunResult, quiet_transform_logs
from local.processes import child_pids
from local.warehouse.memory import memory_limit_mb

PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
ROLES = (("local.kinesis", "moto"), ("local.pipeline.produce", "producer"))
CACHE_TAG = "BASE_TABLE"


@dataclass
class Sample:
    at_s: float
    by_role: dict[str, float] = field(default_factory=dict)  # RSS, MB
    duckdb_cache_mb: float = 0.0

    @property
    def total_mb(self) -> float:
        return sum(self.by_role.values())

    @property
    def without_cache_mb(self) -> float:
        return self.total_mb - self.duckdb_cache_mb


def _rss_mb(pid: int) -> float | None:
    try:
        resident_pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return resident_pages * PAGE_KB / 1024


def _role(pid: int) -> str:
    if pid == os.getpid():
        return "run"
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "other"
    return next((role for marker, role in ROLES if marker in command), "other")


def sample(started: float, warehouse: Any | None) -> Sample:
    taken = Sample(time.monotonic() - started)
    stack = [os.getpid()]
    while stack:
        pid = stack.pop()
        stack.extend(child_pids(pid))
        rss = _rss_mb(pid)
        if rss is not None:
            role = _role(pid)
            taken.by_role[role] = taken.by_role.get(role, 0.0) + rss
    if warehouse is not None:
        try:
            taken.duckdb_cache_mb = warehouse.memory_usage().get(CACHE_TAG, 0) / 1e6
        except Exception:  # closing: no figure this time
            taken.duckdb_cache_mb = 0.0
    return taken


def slope_mb_per_min(points: list[tuple[float, float]]) -> float | None:
    if len(points) < 3:
        return None
    xs, ys = [at / 60 for at, _ in points], [value for _, value in points]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        return None
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


def per_minute_medians(samples: list[Sample]) -> list[Sample]:
    """One sample per whole minute of ``samples``: the medians of each figure, stamped at the
    minute's end (a last partial minute is dropped)."""
    if not samples:
        return []
    start = samples[0].at_s
    minutes: dict[int, list[Sample]] = {}
    for each in samples:
        minutes.setdefault(int((each.at_s - start) // 60), []).append(each)
    medians = []
    for index, group in sorted(minutes.items()):
        if len(group) < 3:
            continue
        median = Sample(start + (index + 1) * 60)
        for role in {role for each in group for role in each.by_role}:
            median.by_role[role] = statistics.median(each.by_role.get(role, 0.0) for each in group)
        median.duckdb_cache_mb = statistics.median(each.duckdb_cache_mb for each in group)
        medians.append(median)
    return medians


def run_in_background(options: RunOptions, warehouses: list[Any]) -> threading.Thread:
    quiet_transform_logs()
    from lambdas.transform.handler import lambda_handler
    from local.warehouse import LocalWarehouse

    def factory(db_dir: Path) -> LocalWarehouse:
        warehouse = LocalWarehouse(db_dir)
        warehouses.append(warehouse)
        return warehouse

    outcome: dict[str, RunResult] = {}

    def target() -> None:
        outcome["result"] = LocalPipeline(options, factory, lambda_handler).run()

    thread = threading.Thread(target=target, name="pipeline", daemon=True)
    thread.outcome = outcome  # type: ignore[attr-defined]
    thread.start()
    return thread


def report(samples: list[Sample], duration: float, threshold: float) -> None:
    peak = max((each.total_mb for each in samples), default=0.0)
    print(f"peak total RSS: {peak:.1f} MB over {len(samples)} samples")
    window = [each for each in samples if 0.3 * duration <= each.at_s <= duration]
    medians = per_minute_medians(window)
    print("per-minute medians (MB): total | without DuckDB's block cache | that cache | processes")
    for each in medians:
        roles = "  ".join(f"{k} {v:6.1f}" for k, v in sorted(each.by_role.items()))
        print(
            f"  minute ending {each.at_s:5.0f} s: {each.total_mb:7.1f} |"
            f" {each.without_cache_mb:7.1f} | {each.duckdb_cache_mb:6.1f} | {roles}"
        )
    late = [each for each in medians if each.at_s >= 0.65 * duration]
    figures = {}
    for name, pick in (("total", "total_mb"), ("without cache", "without_cache_mb")):
        whole = slope_mb_per_min([(each.at_s, getattr(each, pick)) for each in medians])
        second = slope_mb_per_min([(each.at_s, getattr(each, pick)) for each in late])
        figures[name] = second
        if whole is None or second is None:
            print("too few minutes in the producing phase to fit a slope (use --duration >= 300)")
            return
        print(
            f"slope, {name}: {whole:+.2f} MB/min over {0.3 * duration:.0f}-{duration:.0f} s;"
            f" second half {second:+.2f} MB/min (= {second * 60:+.0f} MB/h)"
        )
    for role in sorted({role for each in medians for role in each.by_role}):
        first, last = medians[0].by_role.get(role, 0.0), medians[-1].by_role.get(role, 0.0)
        print(f"  {role:<9} {first:7.1f} -> {last:7.1f} MB (per-minute medians)")
    cap = memory_limit_mb()
    cache = max(each.duckdb_cache_mb for each in medians)
    print(f"DuckDB's block cache: at most {cache:.1f} MB, capped at {cap} MB")
    rest = figures["without cache"]
    plateaus = rest is not None and rest <= threshold and cache <= cap
    verdict = "plateaus" if plateaus else "still grows"
    print(
        f"verdict: memory {verdict} (everything but DuckDB's capped cache: {rest:+.2f} MB/min,"
        f" threshold {threshold} MB/min)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=600.0, help="seconds of producing")
    parser.add_argument("--rate", type=float, default=500.0, help="events per second")
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between samples")
    parser.add_argument("--plateau-mb-per-min", type=float, default=1.0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        options = RunOptions(
            workdir=Path(tmp) / "run",
            duration_s=args.duration,
            rate=args.rate,
            bad_rate=0.05,
            duplicate_rate=0.02,
            seed=7,
            fresh=True,
        )
        warehouses: list[Any] = []
        started = time.monotonic()
        thread = run_in_background(options, warehouses)
        samples: list[Sample] = []
        print(f"{'t (s)':>7} {'total MB':>9} {'DuckDB cache':>12}  per process (MB)", flush=True)
        while thread.is_alive():
            taken = sample(started, warehouses[0] if warehouses else None)
            samples.append(taken)
            roles = "  ".join(f"{k} {v:7.1f}" for k, v in sorted(taken.by_role.items()))
            print(
                f"{taken.at_s:7.0f} {taken.total_mb:9.1f} {taken.duckdb_cache_mb:12.1f}  {roles}",
                flush=True,
            )
            thread.join(args.interval)
        result = thread.outcome.get("result")  # type: ignore[attr-defined]
    ok = result is not None and result.reconciliation.ok
    print("run", "reconciled" if ok else "did NOT reconcile (or failed)")
    report(samples, args.duration, args.plateau_mb_per_min)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
