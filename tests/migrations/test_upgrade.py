"""Upgrade paths to the access model, from the code of the commit before it (pinned below):

1. A local warehouse built by that code (every role and grant a no-op, V1-V23 recorded as
   applied): built here by that commit's own code in a subprocess, then opened and migrated by
   this code. Its data, history and stream offsets are kept, it is adopted (objects owned by the
   deploy role, the applied scripts' grants in force), and the pipeline runs on under its
   principals with exactly the privilege matrix.
2. A real account deployed with that commit's bootstrap (docs/deploy.md, section 1, of the same
   commit): its first deploy stops at V23 (future grants in a standard schema need MANAGE GRANTS)
   and records V23 FAILED; after the new bootstrap the next deploy applies V23 and the rest.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest

from lambdas.snowflake_migrations.apply import MigrationError
from lambdas.snowflake_migrations.privileges import grants_from_show, load_matrix
from lambdas.snowflake_migrations.scripts import SqlVariables, split
from local.warehouse import LocalWarehouse
from tests.paths import SQL_DIR
from tests.snowflake.bronze import KinesisShard, bronze_rows, sale

REPO_ROOT = Path(__file__).resolve().parents[2]
# main before the local warehouse enforced access control (V1-V23, bootstrap as prose).
BEFORE_ACCESS_CONTROL = "06371e5a7b811dfd004ee9aedd3538b12acbfb02"

BUILD_WITH_OLD_CODE = """
import json, sys, warnings
from pathlib import Path
warnings.filterwarnings("ignore")
from local.warehouse import LocalWarehouse
from tests.snowflake.bronze import bronze_rows, sale
with LocalWarehouse(sys.argv[1]) as warehouse:
    warehouse.apply_migrations(Path("snowflake"))
    warehouse.load_bronze(bronze_rows([sale(f"OLD-{n}") for n in range(5)] + [b"not json"]))
    runs = warehouse.run_until_idle()
    assert all(run.state == "SUCCEEDED" for run in runs), runs
    warehouse.load_bronze(bronze_rows([sale("OLD-WAITING")]))  # left in the stream
"""
COUNTS = {
    "silver": "SELECT COUNT(*) FROM SILVER.RETAIL_POS_PROCESSED",
    "rejected": "SELECT COUNT(*) FROM SILVER.RETAIL_POS_REJECTED",
    "gold": "SELECT SUM(TRANSACTIONS) FROM GOLD.DAILY_SALES_SUMMARY",
    "sold": "SELECT SUM(UNITS_SOLD) FROM SILVER.INVENTORY",
    "history": "SELECT COUNT(*) FROM OPS.SCHEMA_CHANGE_HISTORY WHERE SCRIPT LIKE 'V%'",
}


@pytest.fixture(scope="module")
def old_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository as of BEFORE_ACCESS_CONTROL (needs the git history of a clone)."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", BEFORE_ACCESS_CONTROL],
        cwd=REPO_ROOT,
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        pytest.skip(f"commit {BEFORE_ACCESS_CONTROL[:7]} is not in this checkout's git history")
    tree = tmp_path_factory.mktemp("before-access-control")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(tree, filter="data")
    return tree


def counts(warehouse: LocalWarehouse) -> dict[str, Any]:
    cursor = warehouse.connect_as(warehouse.principals.admin).cursor()
    found = {}
    for name, sql in COUNTS.items():
        cursor.execute(sql)
        found[name] = int(cursor.fetchone()[0] or 0)
    return found


def assert_grants_are_the_matrix(warehouse: LocalWarehouse) -> None:
    matrix = load_matrix(SQL_DIR, SqlVariables())
    admin = warehouse.connect_as(warehouse.principals.admin).cursor()
    for entry in matrix.roles.values():
        admin.execute(f"SHOW GRANTS TO ROLE {entry.role}")
        assert grants_from_show(admin.fetchall()) == entry.grants, entry.role


def test_a_warehouse_built_by_the_old_code_upgrades_with_its_data(
    old_tree: Path, tmp_path: Path
) -> None:
    db_dir = tmp_path / "warehouse"
    subprocess.run(
        [sys.executable, "-c", BUILD_WITH_OLD_CODE, str(db_dir)],
        cwd=old_tree,
        env={"PYTHONPATH": str(old_tree), "PATH": "/usr/bin:/bin"},
        check=True,
        capture_output=True,
    )
    assert not (db_dir / "_ACCOUNT.duckdb").exists()  # built without any access catalog

    with LocalWarehouse(db_dir) as warehouse:
        result = warehouse.apply_migrations(SQL_DIR)
        assert not [name for name in result.applied if re.match(r"V([1-9]|1\d|2[0-3])__", name)]
        assert "V24__revoke_dashboard_pipeline_warehouse.sql" in result.applied
        versioned = len(list(SQL_DIR.glob("V*__*.sql")))  # V1-V23 recorded, the rest applied
        assert counts(warehouse) == {
            "silver": 5, "rejected": 1, "gold": 5, "sold": 10, "history": versioned,
        }  # fmt: skip
        assert warehouse.stream_backlog("BRONZE.JSON_RAW_DATA_STREAM") == 1
        assert_grants_are_the_matrix(warehouse)

        # The pipeline goes on under its own principals: Firehose's user loads, the tasks run
        # as their owner role (after the upgrade resumed them), the row left waiting included.
        warehouse.load_bronze(bronze_rows([sale("NEW-1")], KinesisShard(shard_id="shardId-1")))
        runs = warehouse.run_until_idle()
        assert runs and all(run.state == "SUCCEEDED" for run in runs), runs
        assert counts(warehouse)["silver"] == 7
        dashboard = warehouse.connect_as(warehouse.principals.dashboard).cursor()
        dashboard.execute("SELECT SUM(TRANSACTIONS) FROM GOLD.DAILY_SALES_SUMMARY")
        assert dashboard.fetchone() == (7,)

        # Records the old code accepted (hashed the old way, before meta.content_sha256 existed),
        # replayed through today's transform: recognised as duplicates, not conflicts.
        replay = [sale("OLD-1"), sale("OLD-3")]
        warehouse.load_bronze(bronze_rows(replay, KinesisShard(shard_id="shardId-2")))
        runs = warehouse.run_until_idle()
        assert runs and all(run.state == "SUCCEEDED" for run in runs), runs
        assert counts(warehouse) | {"history": 0} == {
            "silver": 7, "rejected": 1, "gold": 7, "sold": 14, "history": 0,
        }  # fmt: skip


def old_bootstrap(old_tree: Path) -> list[str]:
    """The bootstrap the old docs told an administrator to run (docs/deploy.md, section 1)."""
    docs = (old_tree / "docs" / "deploy.md").read_text(encoding="utf-8")
    section = docs[docs.index("## 1. Snowflake") :]
    match = re.search(r"```sql\n(.*?)```", section, re.DOTALL)
    assert match is not None
    return split(match[1])


def test_an_account_stopped_at_v23_deploys_after_the_new_bootstrap(
    old_tree: Path, tmp_path: Path
) -> None:
    with LocalWarehouse(tmp_path / "account") as warehouse:
        admin = warehouse.connect_as(warehouse.principals.admin).cursor()
        for statement in old_bootstrap(old_tree):
            admin.execute(statement)
        admin.execute("USE WAREHOUSE POS_WH")  # created by that bootstrap, after this login
        deploy = warehouse.principals.deploy
        with pytest.raises(MigrationError) as stopped:
            warehouse.apply_migrations(old_tree / "snowflake", user=deploy.user, role=deploy.role)
        assert "V23__grant_dashboard_role.sql statement 7" in str(stopped.value)
        assert "Insufficient privileges to operate on schema 'GOLD'" in str(stopped.value)
        admin.execute(
            "SELECT SCRIPT, STATUS FROM POS_DB.OPS.SCHEMA_CHANGE_HISTORY WHERE SCRIPT LIKE 'V23%'"
        )
        assert admin.fetchall() == [("V23__grant_dashboard_role.sql", "FAILED")]

        # Deploy again as an upgraded account does: bootstrap (as ACCOUNTADMIN), migrations.
        result = warehouse.apply_migrations(SQL_DIR)
        assert result.applied[:2] == [
            "V23__grant_dashboard_role.sql",
            "V24__revoke_dashboard_pipeline_warehouse.sql",
        ]
        assert_grants_are_the_matrix(warehouse)
        warehouse.load_bronze(bronze_rows([sale("T1"), sale("T2")]))
        runs = warehouse.run_until_idle()
        assert runs and all(run.state == "SUCCEEDED" for run in runs), runs
        assert counts(warehouse)["gold"] == 2


def test_the_old_bootstraps_account_grants_were_made_as_accountadmin(old_tree: Path) -> None:
    """The statements this test replays are the old file's (so the test cannot drift)."""
    statements = old_bootstrap(old_tree)
    assert "GRANT EXECUTE TASK ON ACCOUNT TO ROLE POS_TRANSFORM" in statements
    assert json.dumps(statements).count("USE ROLE") == 4
