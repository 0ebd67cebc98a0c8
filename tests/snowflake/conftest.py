"""A deployed warehouse per test: locally, a copy of one deployed once per session (fast); with
``make test-snowflake``, the run's throwaway deployment in a real account, reset between tests
(tests/snowflake/backends.py)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from lambdas.snowflake_migrations.scripts import SqlVariables
from local.warehouse import LocalWarehouse
from tests.snowflake.backends import (
    AccountSettings,
    LocalBackend,
    SnowflakeAccountBackend,
    local_only,
    real_account_requested,
    skip_without_credentials,
)
from tests.snowflake.pipeline import Pipeline

# The scripts under test: snowflake/, or a mutated copy (the SQL mutation harness sets this).
SQL_DIR = Path(
    os.environ.get("POS_SNOWFLAKE_DIR") or Path(__file__).resolve().parents[2] / "snowflake"
)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    template = tmp_path_factory.mktemp("migrated-warehouse")
    with LocalWarehouse(template) as warehouse:
        warehouse.apply_migrations(SQL_DIR)
    return template


@pytest.fixture(scope="session")
def real_account() -> Iterator[SnowflakeAccountBackend]:
    skip_without_credentials()
    backend = SnowflakeAccountBackend(AccountSettings.from_environment())
    try:
        backend.deploy()
        yield backend
    finally:
        backend.close()


@pytest.fixture
def pipeline(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Pipeline]:
    if real_account_requested():
        backend: SnowflakeAccountBackend = request.getfixturevalue("real_account")
        backend.reset()
        yield Pipeline(backend)
        return
    template: Path = request.getfixturevalue("migrated_template")
    db_dir = tmp_path / "warehouse"
    shutil.copytree(template, db_dir)
    local = LocalBackend(LocalWarehouse(db_dir))
    try:
        yield Pipeline(local)
    finally:
        local.close()


# PROCESS_RAW_POS takes at most this many queued records per run in the small-runs pipeline.
SMALL_RUN = 3


@pytest.fixture(scope="session")
def small_runs_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    template = tmp_path_factory.mktemp("small-runs-warehouse")
    variables = SqlVariables(process_raw_pos_max_records=str(SMALL_RUN))
    with LocalWarehouse(template, variables) as warehouse:
        warehouse.apply_migrations(SQL_DIR)
    return template


@pytest.fixture
def small_runs(small_runs_template: Path, tmp_path: Path) -> Iterator[Pipeline]:
    """A pipeline whose PROCESS_RAW_POS runs take at most SMALL_RUN records each (a deployment
    setting, so the local warehouse only: the real-account tier has one deployment)."""
    local_only("needs a second deployment with process_raw_pos_max_records = 3")
    db_dir = tmp_path / "small-runs"
    shutil.copytree(small_runs_template, db_dir)
    local = LocalBackend(LocalWarehouse(db_dir))
    try:
        yield Pipeline(local)
    finally:
        local.close()
