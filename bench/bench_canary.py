"""The canary's per-hop latencies on the local twin: put -> Bronze -> Silver -> Gold.

Prints p50 and max per hop over every canary sale of ``--runs`` runs; asserts nothing. The twin
runs with its defaults (Firehose buffer interval 1 s, task loop 0.5 s); hop times are when the
canary's poller first saw each sale (``--poll`` seconds apart). docs/verify.md quotes the figures.

    .venv/bin/python -m bench.bench_canary [--runs 6] [--poll 0.1]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
from pathlib import Path

from lambdas.pipeline_verify.canary import CanarySettings, run_canary
from local.twin.provision import client
from local.twin.twin import LocalTwin, TwinOptions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=6)
    parser.add_argument("--poll", type=float, default=0.1)
    args = parser.parse_args()
    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    hops: dict[str, list[float]] = {
        h: [] for h in ("put->bronze", "bronze->silver", "silver->gold", "put->gold")
    }
    with tempfile.TemporaryDirectory() as workdir, LocalTwin(TwinOptions(Path(workdir))) as twin:
        assert twin.stack is not None
        principals = twin.warehouse.principals
        connection = twin.snowflake_connection(principals.deploy.user, principals.deploy.role)
        kinesis = client("kinesis", twin.endpoint_url)
        settings = CanarySettings(deadline_s=60, poll_interval_s=args.poll)
        for _ in range(args.runs):
            result = run_canary(
                kinesis, twin.stack.output("StreamName"), connection, twin.variables, settings
            )
            if not result.complete:
                raise SystemExit(f"canary run {result.run_id} did not complete")
            hops["put->bronze"] += result.latencies("bronze")
            hops["bronze->silver"] += result.latencies("silver", "bronze")
            hops["silver->gold"] += result.latencies("gold", "silver")
            hops["put->gold"] += result.latencies("gold")
            time.sleep(1.1)  # the next run id is a new second
        connection.close()
    for hop, values in hops.items():
        print(
            f"{hop:<15} n={len(values):>3}  p50 {statistics.median(values):5.2f} s"
            f"  max {max(values):5.2f} s"
        )


if __name__ == "__main__":
    main()
