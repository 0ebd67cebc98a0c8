"""SIGKILL a run at named points of its progress and restart it each time: the end state equals
an uninterrupted run's.

The kill points are fail points (``local/failpoints.py``), chosen from what the run has done, not
from the clock, so the same kills happen on a fast or a slow machine: each incarnation is killed
at a different point, each kill is checked to have happened there (the process died of SIGKILL,
said which point, and left the state that point implies), then the last incarnation completes.
Batches are cut by size, not time (``--buffer-size``, a long ``--buffer-interval``), so how many
batches a stretch of records makes does not depend on speed either.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lambdas.snowflake_migrations.scripts import SqlVariables, discover
from local.failpoints import ENV_VAR
from local.firehose.checkpoint import CheckpointStore
from local.warehouse.procedures import parse_create_procedure
from local.warehouse.scripting import Commit
from tests.local_pipeline.conftest import REPO, warehouse_state

pytestmark = pytest.mark.slow

EVENTS = 3000
RATE = 1000  # the producer records and puts chunks of RATE / 10 = 100 records
CHUNK = RATE // 10
BRONZE_STREAM = "BRONZE.JSON_RAW_DATA_STREAM"


def command(workdir: Path, base_time: str) -> list[str]:
    return [
        sys.executable, "-m", "local", "run",
        "--events", str(EVENTS), "--rate", str(RATE), "--bad-rate", "0.1",
        "--duplicate-rate", "0.05", "--seed", "9", "--base-time", base_time,
        # ~110 records (~50 KiB) per batch, whatever the speed; the interval never fires first.
        "--buffer-size", "0.05", "--buffer-interval", "60",
        "--workdir", str(workdir), "--report-json", str(workdir / "report.json"),
    ]  # fmt: skip


def run(
    workdir: Path, base_time: str, failpoint: str | None = None
) -> subprocess.CompletedProcess[bytes]:
    env = {key: value for key, value in os.environ.items() if key != ENV_VAR}
    if failpoint is not None:
        env[ENV_VAR] = failpoint
    return subprocess.run(
        command(workdir, base_time),
        cwd=REPO,
        capture_output=True,
        timeout=300,
        check=False,
        env=env,
    )


def killed_at(completed: subprocess.CompletedProcess[bytes], failpoint: str) -> None:
    """The run died of SIGKILL at ``failpoint`` (it says so on stderr just before)."""
    stderr = completed.stderr.decode(errors="replace")
    assert completed.returncode == -signal.SIGKILL, (completed.returncode, stderr[-3000:])
    assert f"failpoint {failpoint} reached" in stderr, stderr[-3000:]


def last_statement_before_commit(script: str) -> int:
    [found] = [s for s in discover(REPO / "snowflake", SqlVariables()) if s.name == script]
    create = next(statement for statement in found.statements() if statement.startswith("CREATE"))
    body = parse_create_procedure(create).block.body
    commit = next(i for i, statement in enumerate(body, start=1) if isinstance(statement, Commit))
    return commit - 1


def lines(path: Path) -> int:
    return path.read_bytes().count(b"\n")


def bronze_positions(workdir: Path, stream: str) -> dict[str, int]:
    from local.warehouse import LocalWarehouse

    with LocalWarehouse(workdir / "warehouse") as warehouse:
        cursor = warehouse.connect_as(warehouse.principals.admin).cursor()
        cursor.execute(
            "SELECT RECORD_METADATA:kinesisShardId::VARCHAR, "
            "MAX(RECORD_METADATA:kinesisSequenceNumber::NUMBER(38, 0)) "
            "FROM BRONZE.JSON_RAW_DATA WHERE RECORD_METADATA:kinesisStreamName::VARCHAR = %s "
            "GROUP BY 1",
            (stream,),
        )
        return {shard: int(sequence) for shard, sequence in cursor.fetchall()}


def bronze_backlog(workdir: Path) -> int:
    from local.warehouse import LocalWarehouse

    with LocalWarehouse(workdir / "warehouse") as warehouse:
        return warehouse.stream_backlog(BRONZE_STREAM)


def checkpoints(workdir: Path, stream: str) -> dict[str, int]:
    store = CheckpointStore(workdir / "firehose" / "checkpoints" / stream)
    return {shard: int(sequence) for shard, sequence in store.load_all().items()}


def test_killed_at_every_kind_of_point_and_restarted_run_ends_like_an_uninterrupted_one(
    tmp_path: Path,
) -> None:
    base_time = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")
    reference = run(tmp_path / "reference", base_time)
    assert reference.returncode == 0, reference.stdout.decode()[-3000:]

    crashed = tmp_path / "crashed"
    producer = crashed / "producer"

    # 1. Mid-produce: the third chunk is in the ledger, not yet put (the child kills the run).
    point = "produce.ledger_recorded@3"
    killed_at(run(crashed, base_time, point), point)
    assert lines(producer / "events.jsonl") == 3 * CHUNK
    assert lines(producer / "put-log.jsonl") == 2 * CHUNK

    # 2. Between a Bronze load and its checkpoint: the second batch is in Bronze, and its
    #    checkpoint was never written.
    point = "firehose.bronze_loaded@2"
    killed_at(run(crashed, base_time, point), point)
    stream = "retail-pos-sales-002"
    in_bronze, saved = bronze_positions(crashed, stream), checkpoints(crashed, stream)
    assert in_bronze
    assert any(sequence > saved.get(shard, -1) for shard, sequence in in_bronze.items())

    # 3. After N Bronze commits, each checkpointed: the second batch's checkpoint is saved.
    point = "firehose.checkpointed@2"
    killed_at(run(crashed, base_time, point), point)
    stream = "retail-pos-sales-003"
    in_bronze, saved = bronze_positions(crashed, stream), checkpoints(crashed, stream)
    assert saved and all(saved[shard] >= sequence for shard, sequence in in_bronze.items())

    # 4. Mid-procedure: the Bronze->Silver procedure's last statement before COMMIT has run
    #    inside its transaction; nothing of it may survive, its stream did not move.
    statement = last_statement_before_commit("R__proc_silver_process_raw_pos.sql")
    point = f"procedure.POS_DB.SILVER.PROCESS_RAW_POS.after_statement_{statement}@1"
    killed_at(run(crashed, base_time, point), point)
    assert bronze_backlog(crashed) > 0

    final = run(crashed, base_time)
    assert final.returncode == 0, final.stdout.decode()[-3000:]
    assert warehouse_state(crashed) == warehouse_state(tmp_path / "reference")
    report = json.loads((crashed / "report.json").read_text())
    assert report["ok"]
    assert report["incarnation"] == 5  # four kills, each resumed
    # The health figures cover every incarnation: the run log agrees with the tables.
    intake, figures = report["health"]["intake"], report["figures"]
    assert intake["records_accepted"] == figures["silver_transactions"]
    assert intake["records_rejected"] == figures["rejected_records"]
    assert all(hop["rows_waiting"] == 0 for hop in report["health"]["hops"])
