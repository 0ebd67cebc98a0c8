"""The pieces that let moto and the producer run as child processes: the checkpoint file, the
workdir lock a child shares, and children that die with their parent."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from local.firehose.checkpoint import POSITIONS_FILE, CheckpointStore
from local.kinesis import LocalKinesis
from local.pipeline.ledger import ProduceLedger
from local.pipeline.lock import WorkdirLock
from local.pipeline.produce import ProduceJob
from local.pipeline.state import RunConflictError
from producer.kinesis_producer import PutResult
from tests.local_pipeline.conftest import REPO

SHARD_0, SHARD_1 = "shardId-000000000000", "shardId-000000000001"


def test_checkpoints_of_all_shards_share_one_file_and_only_move_forward(tmp_path: Path) -> None:
    store = CheckpointStore(tmp_path)
    store.save_all({SHARD_0: "10", SHARD_1: "7"})
    store.save_all({SHARD_0: "9"})  # an older position never moves a shard back
    assert sorted(path.name for path in tmp_path.iterdir()) == [POSITIONS_FILE]
    assert CheckpointStore(tmp_path).load_all() == {SHARD_0: "10", SHARD_1: "7"}
    # Compared as numbers, not strings ("9" > "10" as text).
    store.save(SHARD_1, "11")
    assert CheckpointStore(tmp_path).load(SHARD_1) == "11"
    with pytest.raises(ValueError, match="unexpected shard id"):
        store.save("../escape", "1")


def test_checkpoints_in_the_older_one_file_per_shard_layout_are_still_read(tmp_path: Path) -> None:
    (tmp_path / f"{SHARD_0}.json").write_bytes(
        orjson.dumps({"shardId": SHARD_0, "sequenceNumber": "30"})
    )
    (tmp_path / f"{SHARD_1}.json").write_bytes(
        orjson.dumps({"shardId": SHARD_1, "sequenceNumber": "4"})
    )
    store = CheckpointStore(tmp_path)
    store.save_all({SHARD_1: "5"})
    assert CheckpointStore(tmp_path).load_all() == {SHARD_0: "30", SHARD_1: "5"}


def _hold_lock_in_child(lock: WorkdirLock) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)"], pass_fds=(lock.fd,)
    )


def test_workdir_lock_is_held_until_the_run_and_its_child_are_both_gone(tmp_path: Path) -> None:
    lock = WorkdirLock(tmp_path).acquire()
    child = _hold_lock_in_child(lock)
    try:
        lock.release()  # the run is gone, its child is not
        with pytest.raises(RunConflictError, match="in use"):
            WorkdirLock(tmp_path).acquire(wait_s=0.3)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    WorkdirLock(tmp_path).acquire(wait_s=5).release()


PARENT = """
import sys, time
from local.kinesis import LocalKinesis
kinesis = LocalKinesis("s", 1).start()
print(kinesis.endpoint_url, flush=True)
time.sleep(60)
"""


def _answers(endpoint: str) -> bool:
    kinesis = LocalKinesis("unused")
    kinesis.endpoint_url = endpoint
    try:
        kinesis.client().list_streams()
    except Exception:
        return False
    return True


@pytest.mark.slow
def test_moto_server_process_dies_with_a_killed_parent() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], cwd=REPO, stdout=subprocess.PIPE)
    assert parent.stdout is not None
    endpoint = parent.stdout.readline().decode().strip()
    assert _answers(endpoint)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 20
    while _answers(endpoint) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _answers(endpoint)


def test_producer_process_stops_when_its_parent_closes_the_pipe(tmp_path: Path) -> None:
    """A producer with an unbounded source, whose parent goes away, exits instead of writing on."""
    with LocalKinesis("pos", 1) as kinesis:
        job = ProduceJob(
            producer_dir=str(tmp_path),
            stream_name="pos",
            endpoint_url=kinesis.endpoint_url,
            params={
                "events": None,
                "duration_s": None,
                "rate": 200.0,
                "bad_rate": 0.0,
                "duplicate_rate": 0.0,
                "seed": 1,
                "base_time": "2026-01-01T00:00:00+00:00",
                "from_file": None,
            },
            resend=[],
            source_exhausted=False,
        )
        child = subprocess.Popen(
            [sys.executable, "-m", "local.pipeline.produce"],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert child.stdin is not None and child.stdout is not None
        child.stdin.write(job.to_json() + b"\n")
        child.stdin.flush()
        progress = orjson.loads(child.stdout.readline())
        assert progress["put"] > 0 and progress["highest"]
        child.stdin.close()
        assert child.wait(timeout=20) == 1
    # What it reported as put is in its durable ledger.
    ledger = ProduceLedger(tmp_path)
    try:
        entries = ledger.put_entries()
        assert len(entries) >= progress["put"]
        assert ledger.recorded >= len({entry.line for entry in entries})
    finally:
        ledger.close()


def test_note_covered_opens_the_delivery_gate(tmp_path: Path) -> None:
    ledger = ProduceLedger(tmp_path)
    try:
        ledger.record_puts("pos", [PutResult(0, SHARD_0, "5", time.time())])
        ledger.wait_covered("pos", {SHARD_0: "5"})  # covered by its own put: returns
        ledger.note_covered("pos", {SHARD_1: "12"})  # reported by a producer process
        ledger.wait_covered("pos", {SHARD_0: "5", SHARD_1: "12"})
        ledger.fail(RuntimeError("producer died"))
        with pytest.raises(RuntimeError, match="producer failed"):
            ledger.wait_covered("pos", {SHARD_1: "13"})
    finally:
        ledger.close()
    assert (tmp_path / "put-log.jsonl").stat().st_size > 0
