"""``pos redrive rejected`` on the local twin, as a user runs it: sales rejected for a product
missing from DIM_PRODUCT are sent back once it exists, with SIGKILLs at named points of the
redrive and of the PROCESS_RAW_POS runs that decide the records, and the command run again each
time. The end state equals a warehouse where the product existed from the start, and a further
run changes nothing: no duplicate in Silver, REJECTED, INVENTORY or Gold.

A generated run (``pos local run``) whose unknown products are added afterwards is redriven and
still reconciles (``pos local reconcile``): each record counted once, in its final place.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lambdas.snowflake_migrations.scripts import SqlVariables, discover
from local.failpoints import ENV_VAR
from local.warehouse import LocalWarehouse
from local.warehouse.procedures import parse_create_procedure
from local.warehouse.scripting import Commit
from tests.local_pipeline.conftest import REPO, warehouse_state
from tests.local_pipeline.test_crash_restart import killed_at
from tests.snowflake.backends import LocalBackend
from tests.snowflake.pipeline import Pipeline
from tests.snowflake.test_redrive import ADD_PRODUCT, scenario_rows

pytestmark = pytest.mark.slow

REDRIVE = ["redrive", "rejected", "--rule", "UNKNOWN_PRODUCT"]


def pos(workdir: Path, *arguments: str, failpoint: str | None = None) -> Any:
    env = {key: value for key, value in os.environ.items() if key != ENV_VAR}
    if failpoint is not None:
        env[ENV_VAR] = failpoint
    return subprocess.run(
        [sys.executable, "-m", "pos", *arguments, "--local", "--workdir", str(workdir)],
        cwd=REPO, capture_output=True, timeout=600, check=False, env=env,
    )  # fmt: skip


def statements_before_commits(script: str) -> list[int]:
    """For each COMMIT of the procedure's main block, the number of the statement before it (no
    IF branch runs before them in these scenarios, so the count is the block's position)."""
    [found] = [s for s in discover(REPO / "snowflake", SqlVariables()) if s.name == script]
    create = next(statement for statement in found.statements() if statement.startswith("CREATE"))
    body = parse_create_procedure(create).block.body
    return [i - 1 for i, statement in enumerate(body, start=1) if isinstance(statement, Commit)]


def prepared(migrated_template: Path, workdir: Path, *, product_first: bool) -> Path:
    shutil.copytree(migrated_template, workdir / "warehouse")
    backend = LocalBackend(LocalWarehouse(workdir / "warehouse"))
    try:
        pipeline = Pipeline(backend)
        if product_first:
            pipeline.query(ADD_PRODUCT)
        pipeline.deliver(scenario_rows())
        if not product_first:
            pipeline.query(ADD_PRODUCT)  # the fix; the tasks have not seen it yet
    finally:
        backend.close()
    return workdir


def counts(workdir: Path) -> dict[str, int]:
    with LocalWarehouse(workdir / "warehouse") as warehouse:
        cursor = warehouse.connect_as(warehouse.principals.admin).cursor()
        found = {}
        for name, table in (
            ("rejected", "SILVER.RETAIL_POS_REJECTED"),
            ("silver_transactions", "SILVER.RETAIL_POS_TRANSACTION_KEY"),
            ("sent_back", "SILVER.RETAIL_POS_REDRIVE"),
            ("queued", "SILVER.PROCESS_RAW_POS_QUEUE"),
        ):
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            found[name] = int(cursor.fetchone()[0])
        return found


def test_redrive_killed_at_each_point_and_run_again_ends_as_if_the_product_existed(
    migrated_template: Path, tmp_path: Path
) -> None:
    workdir = prepared(migrated_template, tmp_path / "redriven", product_first=False)
    existed = prepared(migrated_template, tmp_path / "existed", product_first=True)
    start = counts(workdir)
    assert start == {"rejected": 4, "silver_transactions": 2, "sent_back": 0, "queued": 0}

    # 1. The redrive's own transaction: killed before COMMIT, nothing moved.
    [redrive_commit] = statements_before_commits("R__proc_silver_redrive_rejected.sql")
    point = f"procedure.POS_DB.SILVER.REDRIVE_REJECTED.after_statement_{redrive_commit}@1"
    killed_at(pos(workdir, *REDRIVE, failpoint=point), point)
    assert counts(workdir) == start

    # 2. PROCESS_RAW_POS taking the sent back records into its queue: killed before that COMMIT.
    # The redrive committed: the records left REJECTED and wait in the redrive stream.
    enqueue_commit, process_commit = statements_before_commits("R__proc_silver_process_raw_pos.sql")
    point = f"procedure.POS_DB.SILVER.PROCESS_RAW_POS.after_statement_{enqueue_commit}@1"
    killed_at(pos(workdir, *REDRIVE, failpoint=point), point)
    assert counts(workdir) == {**start, "rejected": 1, "sent_back": 3}

    # 3. Running it again sends nothing more; PROCESS_RAW_POS queues the records, then is killed
    # before the COMMIT that would place them: they stay queued.
    point = f"procedure.POS_DB.SILVER.PROCESS_RAW_POS.after_statement_{process_commit}@1"
    killed_at(pos(workdir, *REDRIVE, failpoint=point), point)
    assert counts(workdir) == {**start, "rejected": 1, "sent_back": 3, "queued": 3}

    # 4. Again, uninterrupted: the queued records are placed; nothing is sent twice.
    completed = pos(workdir, *REDRIVE)
    assert completed.returncode == 0, completed.stderr.decode()[-3000:]
    assert ": 0 records sent back" in completed.stdout.decode()
    assert counts(workdir) == {**start, "rejected": 2, "silver_transactions": 4, "sent_back": 3}
    assert warehouse_state(workdir) == warehouse_state(existed)

    # 5. Once more: nothing left to send, nothing changes.
    completed = pos(workdir, *REDRIVE)
    assert completed.returncode == 0
    assert warehouse_state(workdir) == warehouse_state(existed)
    assert counts(workdir)["sent_back"] == 3


def test_dry_run_unknown_rule_and_bad_time_are_clear(
    migrated_template: Path, tmp_path: Path
) -> None:
    workdir = prepared(migrated_template, tmp_path / "w", product_first=False)
    dry = pos(workdir, *REDRIVE, "--dry-run")
    assert dry.returncode == 0, dry.stderr.decode()
    out = dry.stdout.decode()
    assert re.search(r"would be accepted\s+2\b", out), out
    assert re.search(r"would still fail\s+1\b", out), out
    assert "still failing TOTAL_MISMATCH: 1" in out
    assert counts(workdir)["rejected"] == 4  # a dry run changes nothing

    unknown = pos(workdir, "redrive", "rejected", "--rule", "NO_SUCH_RULE")
    assert unknown.returncode == 1
    assert "unknown rule id 'NO_SUCH_RULE'; the rule ids are: " in unknown.stderr.decode()
    naive = pos(workdir, *REDRIVE, "--since", "2026-12-01T00:00:00")
    assert naive.returncode == 2
    assert "has no UTC offset" in naive.stderr.decode()
    assert counts(workdir)["rejected"] == 4


def test_a_generated_run_redriven_after_its_products_are_added_still_reconciles(
    tmp_path: Path,
) -> None:
    workdir = tmp_path / "run"
    run = subprocess.run(
        [sys.executable, "-m", "local", "run", "--events", "600", "--bad-rate", "0.3",
         "--duplicate-rate", "0.05", "--seed", "15", "--workdir", str(workdir)],
        cwd=REPO, capture_output=True, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout.decode()[-3000:]
    with LocalWarehouse(workdir / "warehouse") as warehouse:
        cursor = warehouse.connect_as(warehouse.principals.admin).cursor()
        cursor.execute(
            "SELECT DISTINCT TRIM(ITEM.VALUE:product_id::STRING) FROM SILVER.RETAIL_POS_REJECTED"
            " AS R, LATERAL FLATTEN(INPUT => R.RECORD_CONTENT:payload:items) AS ITEM"
            " WHERE TRIM(ITEM.VALUE:product_id::STRING) NOT IN (SELECT PRODUCT_ID FROM"
            " SILVER.DIM_PRODUCT) AND TRIM(ITEM.VALUE:product_id::STRING) LIKE 'P9%'"
        )
        missing = sorted(str(row[0]) for row in cursor.fetchall())
        cursor.execute("SELECT COUNT(*) FROM SILVER.RETAIL_POS_REJECTED")
        rejected_before = int(cursor.fetchone()[0])
        for product in missing:
            cursor.execute(ADD_PRODUCT.replace("'P900'", f"'{product}'"))
    assert missing, "the generated run has no sale for an unknown product"

    dry = pos(workdir, *REDRIVE, "--dry-run")
    would = int(re.search(r"would be accepted\s+(\d+)", dry.stdout.decode())[1])  # type: ignore[index]
    done = pos(workdir, *REDRIVE)
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    accepted = int(re.search(r"accepted into Silver\s+(\d+)", done.stdout.decode())[1])  # type: ignore[index]
    assert accepted == would > 0

    report = tmp_path / "reconcile.json"
    reconciled = subprocess.run(
        [sys.executable, "-m", "local", "reconcile", "--workdir", str(workdir),
         "--report-json", str(report)],
        cwd=REPO, capture_output=True, timeout=600, check=False,
    )  # fmt: skip
    result = json.loads(report.read_text())
    failed = [check for check in result["checks"] if not check["ok"]]
    assert reconciled.returncode == 0 and not failed, failed
    figures = result["figures"]
    assert figures["redriven_accepted"] == accepted
    assert figures["rejected_records"] == rejected_before - accepted
    print(json.dumps({"missing_products": len(missing), "rejected_before": rejected_before,
                      "redriven": figures["redriven_records"], "accepted": accepted,
                      "rejected_after": figures["rejected_records"],
                      "silver_transactions": figures["silver_transactions"]}))  # fmt: skip
