"""``pos redrive firehose-errors`` on the local twin: error output that the twin's own Firehose
worker wrote (records past the transform's response budget to processing-failed/, a batch Bronze
refused after every retry to snowflake-failed/) is put back through Kinesis, the transform and
Bronze, and ends where an undisturbed delivery would have put it: Silver, REJECTED, INVENTORY and
Gold equal. Redriving again sends nothing; a redrive killed after its first batch resumes from
the manifest and sends nothing twice (Bronze holds each record once); a malformed object is
refused by name while the others are sent.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from lambdas.transform.batch import transform_batch
from lambdas.transform.limits import FAILED_ENTRY_OVERHEAD_BYTES, RESPONSE_WRAPPER_BYTES
from local.failpoints import ENV_VAR
from local.firehose.checkpoint import CheckpointStore
from local.firehose.error_output import (
    PROCESSING_FAILED_PREFIX,
    SNOWFLAKE_FAILED_PREFIX,
    ErrorOutput,
    read_error_records,
)
from local.firehose.invoke import TransformInvoker
from local.firehose.redrive import error_root
from local.firehose.worker import FirehoseWorker, WorkerConfig
from local.warehouse import LocalWarehouse
from tests.local_pipeline.conftest import REPO, warehouse_state
from tests.local_pipeline.test_crash_restart import killed_at
from tests.snowflake.bronze import STREAM, KinesisShard, bronze_rows, encode, sale

pytestmark = pytest.mark.slow

# 2026-11-30 23:00 UTC arrivals (tests.snowflake.bronze.ARRIVAL): the error output's folders.
PROCESSING_FAILED = "processing-failed/2026/11/30/"
SNOWFLAKE_FAILED = "snowflake-failed/2026/11/30/"
RECEIVED_AT = "2026-11-30T23:00:05.000Z"


def events() -> list[dict[str, Any]]:
    sales = [sale(f"T-{n:02d}", store_id=("S001", "S002", "S003")[n % 3]) for n in range(12)]
    sales.append(sale("T-BAD", payment_method="bitcoin"))
    return sales


def overflowing_handler(keep_ok: int) -> Any:
    """The real transform with a response budget that fits ``keep_ok`` Ok entries: the rest of
    the batch overflows to ProcessingFailed, as a too-large batch would in Lambda."""

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        records = event["records"]
        full = transform_batch(records, received_at=RECEIVED_AT)
        failed_only = RESPONSE_WRAPPER_BYTES + sum(
            len(record["recordId"]) + len(record["data"]) + FAILED_ENTRY_OVERHEAD_BYTES
            for record in records
        )
        per_ok = (full.response_bytes - failed_only) // len(records)
        budget = failed_only + per_ok * keep_ok + per_ok // 2
        return {"records": transform_batch(records, received_at=RECEIVED_AT,
                                           budget_bytes=budget).records}  # fmt: skip

    return handler


class RefusingBronze:
    def load_bronze(self, rows: Any) -> int:
        raise ConnectionError("Snowflake is unavailable")


def disturbed(migrated_template: Path, workdir: Path) -> dict[str, int]:
    """A workdir whose twin Firehose wrote both kinds of error output, and what it holds."""
    shutil.copytree(migrated_template, workdir / "warehouse")
    shard = KinesisShard()
    records = [shard.put(encode(event), str(event["store_id"])) for event in events()]
    arn = STREAM.lambda_arn
    with LocalWarehouse(workdir / "warehouse") as warehouse:
        for sink, handler, batch in (
            (warehouse, overflowing_handler(keep_ok=4), records[:8]),
            (RefusingBronze(), overflowing_handler(keep_ok=99), records[8:]),
        ):
            worker = FirehoseWorker(
                None,  # type: ignore[arg-type]  # deliver() reads no shard
                "pos-sales",
                STREAM,
                sink,
                ErrorOutput(error_root(workdir), STREAM.name, arn),
                CheckpointStore(workdir / "checkpoints"),
                TransformInvoker(handler, arn),
                WorkerConfig(bronze_attempts=1, bronze_failures_to_error_output=True),
            )
            worker.deliver(batch)
        warehouse.run_until_idle()
    return {
        prefix: sum(1 for _ in read_error_records(error_root(workdir), prefix))
        for prefix in (PROCESSING_FAILED_PREFIX, SNOWFLAKE_FAILED_PREFIX)
    }


def undisturbed(migrated_template: Path, workdir: Path) -> Path:
    shutil.copytree(migrated_template, workdir / "warehouse")
    with LocalWarehouse(workdir / "warehouse") as warehouse:
        warehouse.load_bronze(bronze_rows(events()))
        warehouse.run_until_idle()
    return workdir


def pos(workdir: Path, prefix: str, *extra: str, failpoint: str | None = None) -> Any:
    env = {key: value for key, value in os.environ.items() if key != ENV_VAR}
    env["COLUMNS"] = "300"  # usage errors on one line
    if failpoint is not None:
        env[ENV_VAR] = failpoint
    return subprocess.run(
        [sys.executable, "-m", "pos", "redrive", "firehose-errors", "--prefix", prefix,
         *extra, "--local", "--workdir", str(workdir)],
        cwd=REPO, capture_output=True, timeout=600, check=False, env=env,
    )  # fmt: skip


def bronze_rows_count(workdir: Path) -> int:
    with LocalWarehouse(workdir / "warehouse") as warehouse:
        cursor = warehouse.connect_as(warehouse.principals.admin).cursor()
        cursor.execute("SELECT COUNT(*) FROM BRONZE.JSON_RAW_DATA")
        return int(cursor.fetchone()[0])


def test_both_kinds_of_error_output_redriven_end_as_an_undisturbed_delivery(
    migrated_template: Path, tmp_path: Path
) -> None:
    workdir = tmp_path / "disturbed"
    failed = disturbed(migrated_template, workdir)
    assert failed == {PROCESSING_FAILED_PREFIX: 4, SNOWFLAKE_FAILED_PREFIX: 5}
    expected = warehouse_state(undisturbed(migrated_template, tmp_path / "undisturbed"))
    assert warehouse_state(workdir) != expected

    dry = pos(workdir, PROCESSING_FAILED, "--dry-run")
    assert dry.returncode == 0, dry.stderr.decode()
    assert "would send 4, already sent by an earlier redrive 0" in dry.stdout.decode()
    for prefix, count in ((PROCESSING_FAILED, 4), (SNOWFLAKE_FAILED, 5)):
        done = pos(workdir, prefix)
        assert done.returncode == 0, done.stderr.decode()[-3000:]
        assert f"sent {count}, already sent by an earlier redrive 0" in done.stdout.decode()
    assert warehouse_state(workdir) == expected
    assert bronze_rows_count(workdir) == 4 + 4 + 5  # the first 4 Ok rows, then each redriven once

    for prefix, count in ((PROCESSING_FAILED, 4), (SNOWFLAKE_FAILED, 5)):
        again = pos(workdir, prefix)
        assert f"sent 0, already sent by an earlier redrive {count}" in again.stdout.decode()
    assert warehouse_state(workdir) == expected
    assert bronze_rows_count(workdir) == 13


def test_a_killed_redrive_resumes_from_its_manifest_and_sends_nothing_twice(
    migrated_template: Path, tmp_path: Path
) -> None:
    workdir = tmp_path / "disturbed"
    disturbed(migrated_template, workdir)
    expected = warehouse_state(undisturbed(migrated_template, tmp_path / "undisturbed"))

    point = "redrive.firehose.batch_recorded@1"
    killed_at(pos(workdir, SNOWFLAKE_FAILED, "--batch-size", "2", failpoint=point), point)
    manifest = workdir / "firehose" / "redrive-manifests" / "snowflake-failed_2026_11_30.jsonl"
    assert len(manifest.read_bytes().splitlines()) == 2
    assert bronze_rows_count(workdir) == 4 + 2

    resumed = pos(workdir, SNOWFLAKE_FAILED, "--batch-size", "2")
    assert resumed.returncode == 0, resumed.stderr.decode()[-3000:]
    assert "sent 3, already sent by an earlier redrive 2" in resumed.stdout.decode()
    assert bronze_rows_count(workdir) == 4 + 5
    assert pos(workdir, PROCESSING_FAILED).returncode == 0
    assert warehouse_state(workdir) == expected


def test_malformed_objects_are_refused_by_name_and_the_rest_is_sent(
    migrated_template: Path, tmp_path: Path
) -> None:
    workdir = tmp_path / "disturbed"
    disturbed(migrated_template, workdir)
    folder = error_root(workdir) / PROCESSING_FAILED / "23"
    (folder / "not-json").write_bytes(b"this is not what Firehose writes\n")
    (folder / "no-raw-data").write_bytes(orjson.dumps({"errorCode": "x"}) + b"\n")
    bad_base64 = {"rawData": "%%%", "errorCode": "x", "attemptsMade": 1}
    (folder / "bad-base64").write_bytes(orjson.dumps(bad_base64) + b"\n")

    done = pos(workdir, PROCESSING_FAILED)
    assert done.returncode == 1
    out = done.stdout.decode()
    assert f"refused: {PROCESSING_FAILED}23/not-json line 1: not JSON" in out
    assert f"refused: {PROCESSING_FAILED}23/no-raw-data line 1: no rawData (base64) field" in out
    assert f"refused: {PROCESSING_FAILED}23/bad-base64 line 1: rawData is not base64" in out
    assert "sent 4," in out

    wrong = pos(workdir, "somewhere-else/2026/")
    assert wrong.returncode == 2
    assert "under neither processing-failed/ nor snowflake-failed/" in wrong.stderr.decode()
