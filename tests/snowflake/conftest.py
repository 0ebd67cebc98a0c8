"""A deployed warehouse per test: locally, a copy of one deployed once per session (fast); with
``make test-snowflake``, the run's throwaway deployment in a real account, reset between tests
(tests/snowflake/backends.py)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from lambdas.snowflake_migrations.scripts import SqlVariables
from local.warehouse import LocalWarehouse
from tests.paths import SQL_DIR
from tests.snowflake.backends import (
    LocalBackend,
    SnowflakeAccountBackend,
    local_only,
    real_account_requested,
)
from tests.snowflake.pipeline import Pipeline


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
