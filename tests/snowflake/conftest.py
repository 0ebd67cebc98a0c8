"""A deployed warehouse per test: locally, a copy of one deployed once per session (fast); with
``make test-snowflake``, the run's throwaway deployment in a real account, reset between tests
(tests/snowflake/backends.py)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from local.warehouse import LocalWarehouse
from tests.snowflake.backends import (
    AccountSettings,
    LocalBackend,
    SnowflakeAccountBackend,
    real_account_requested,
    skip_without_credentials,
)
from tests.snowflake.pipeline import Pipeline

SQL_DIR = Path(__file__).resolve().parents[2] / "snowflake"


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
