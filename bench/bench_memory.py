"""Memory of a long local run: RSS over time of the run and every process it started, and slope.

Starts the local twin (``pos local run``, or ``python -m local run`` with ``--cli local``) for a
fixed ``--duration`` at a fixed ``--rate`` in a temporary workdir, samples the resident set size
(resident pages in ``/proc``, Linux only) of the run's process and of each descendant (moto's
server, the producer) every ``--interval`` seconds, and prints one line per sample. A run's RSS
swings by a hundred MB between samples (each batch's DuckDB and Arrow buffers come and go), so
the figures that decide are per-minute medians: it prints them, the least-squares slope of those
medians over the steady part of the producing phase (from 30% of the duration to its end) and
over that window's second half, and says whether memory plateaus: the second half's slope is at
most ``--plateau-mb-per-min``. Asserts nothing; the exit code is the run's.

    .venv/bin/python bench/bench_memory.py --duration 600 --rate 500
    .venv/bin/python bench/bench_memory.py --duration 300 --rate 500   # a quicker look
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
ROLES = (("local.kinesis", "moto"), ("local.pipeline.produce", "producer"))


@dataclass
class Sample:
    at_s: float
    by_role: dict[str, float] = field(default_factory=dict)  # MB

    @property
    def total_mb(self) -> float:
        return sum(self.by_role.values())


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: the ppid follows the last ')'.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _tree(root: int) -> list[int]:
    children = _children()
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def _rss_mb(pid: int) -> float | None:
    try:
        resident_pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return resident_pages * PAGE_KB / 1024


def _role(pid: int, root: int) -> str:
    if pid == root:
        return "run"
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "other"
    return next((role for marker, role in ROLES if marker in command), "other")


def sample(root: int, started: float) -> Sample:
    taken = Sample(time.monotonic() - started)
    for pid in _tree(root):
        rss = _rss_mb(pid)
        if rss is not None:
            role = _role(pid, root)
            taken.by_role[role] = taken.by_role.get(role, 0.0) + rss
    return taken


def slope_mb_per_min(samples: list[Sample]) -> float | None:
    if len(samples) < 3:
        return None
    xs = [each.at_s / 60 for each in samples]
    ys = [each.total_mb for each in samples]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        return None
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


def _command(cli: str, workdir: Path, args: argparse.Namespace) -> list[str]:
    prefix = ["-m", "pos", "local", "run"] if cli == "pos" else ["-m", "local", "run"]
    return [
        sys.executable,
        *prefix,
        "--duration",
        str(args.duration),
        "--rate",
        str(args.rate),
        "--bad-rate",
        "0.05",
        "--duplicate-rate",
        "0.02",
        "--seed",
        "7",
        "--workdir",
        str(workdir),
        "--fresh",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=600.0, help="seconds of producing")
    parser.add_argument("--rate", type=float, default=500.0, help="events per second")
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between samples")
    parser.add_argument("--cli", choices=("pos", "local"), default="pos")
    parser.add_argument("--plateau-mb-per-min", type=float, default=1.0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        workdir = Path(tmp) / "run"
        log = Path(tmp) / "run.log"
        with log.open("wb") as output:
            run = subprocess.Popen(
                _command(args.cli, workdir, args), stdout=output, stderr=subprocess.STDOUT
            )
            started = time.monotonic()
            samples: list[Sample] = []
            print(f"{'t (s)':>7} {'total MB':>9}  per process (MB)", flush=True)
            while run.poll() is None:
                taken = sample(run.pid, started)
                samples.append(taken)
                roles = "  ".join(f"{k} {v:7.1f}" for k, v in sorted(taken.by_role.items()))
                print(f"{taken.at_s:7.0f} {taken.total_mb:9.1f}  {roles}", flush=True)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    run.wait(timeout=args.interval)
            code = run.returncode
        tail = log.read_text(errors="replace").strip().splitlines()[-3:]
    print("run ended with exit code", code, "|", " / ".join(line.strip() for line in tail))

    window = [each for each in samples if 0.3 * args.duration <= each.at_s <= args.duration]
    medians = per_minute_medians(window)
    peak = max((each.total_mb for each in samples), default=0.0)
    print(f"peak total RSS: {peak:.1f} MB over {len(samples)} samples")
    print("per-minute medians of the total (MB):")
    for each in medians:
        roles = "  ".join(f"{k} {v:6.1f}" for k, v in sorted(each.by_role.items()))
        print(f"  minute ending {each.at_s:5.0f} s: {each.total_mb:7.1f}   {roles}")
    second_half = [each for each in medians if each.at_s >= 0.65 * args.duration]
    whole, late = slope_mb_per_min(medians), slope_mb_per_min(second_half)
    if whole is None or late is None:
        print("too few minutes in the producing phase to fit a slope (use --duration >= 300)")
        return code
    print(
        f"slope of the medians, {0.3 * args.duration:.0f}-{args.duration:.0f} s: {whole:+.2f}"
        f" MB/min; second half: {late:+.2f} MB/min (= {late * 60:+.0f} MB/h)"
    )
    for role in sorted({role for each in medians for role in each.by_role}):
        first, last = medians[0].by_role.get(role, 0.0), medians[-1].by_role.get(role, 0.0)
        print(f"  {role:<9} {first:7.1f} -> {last:7.1f} MB (per-minute medians)")
    plateaus = late <= args.plateau_mb_per_min
    verdict = "plateaus" if plateaus else "still grows"
    print(f"verdict: memory {verdict} (threshold {args.plateau_mb_per_min} MB/min)")
    return code


def per_minute_medians(samples: list[Sample]) -> list[Sample]:
    """One sample per whole minute of ``samples``: the medians of its total and of each role,
    stamped at the minute's end."""
    if not samples:
        return []
    start = samples[0].at_s
    minutes: dict[int, list[Sample]] = {}
    for each in samples:
        minutes.setdefault(int((each.at_s - start) // 60), []).append(each)
    medians = []
    for index, group in sorted(minutes.items()):
        if len(group) < 3:  # a last partial minute
            continue
        roles = {role for each in group for role in each.by_role}
        median = Sample(start + (index + 1) * 60)
        for role in roles:
            median.by_role[role] = statistics.median(each.by_role.get(role, 0.0) for each in group)
        medians.append(median)
    return medians


if __name__ == "__main__":
    raise SystemExit(main())
