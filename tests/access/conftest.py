"""A warehouse deployed the production way (admin bootstrap as ACCOUNTADMIN, then the migrations
as the deploy user): locally a copy of one built once per session; with ``make test-snowflake``
the run's throwaway deployment in a real account (tests/snowflake/backends.py)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local.warehouse import LocalWarehouse
from tests.snowflake.backends import (
    AccountSettings,
    SnowflakeAccountBackend,
    real_account_requested,
    skip_without_credentials,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
SQL_DIR = REPO_ROOT / "snowflake"


@pytest.fixture(scope="session")
def deployed_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    template = tmp_path_factory.mktemp("deployed-warehouse")
    with LocalWarehouse(template) as warehouse:
        warehouse.apply_migrations(SQL_DIR)
    return template


@pytest.fixture(scope="session")
def real_deployment() -> Iterator[SnowflakeAccountBackend]:
    skip_without_credentials()
    backend = SnowflakeAccountBackend(AccountSettings.from_environment())
    try:
        backend.deploy()
        yield backend
    finally:
        backend.close()


@pytest.fixture
def deployed(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A LocalWarehouse, or the real account's backend: both offer ``principals``,
    ``variables``, ``names``, ``connect_as`` and ``load_bronze``."""
    if real_account_requested():
        backend: SnowflakeAccountBackend = request.getfixturevalue("real_deployment")
        backend.reset()
        yield backend
        return
    template: Path = request.getfixturevalue("deployed_template")
    db_dir = tmp_path / "warehouse"
    shutil.copytree(template, db_dir)
    warehouse = LocalWarehouse(db_dir)
    try:
        yield warehouse
    finally:
        warehouse.close()
