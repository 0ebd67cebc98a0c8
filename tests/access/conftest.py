"""A warehouse deployed the production way (admin bootstrap as ACCOUNTADMIN, then the migrations
as the deploy user), built once per session and copied for each test that changes it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from local.warehouse import LocalWarehouse

REPO_ROOT = Path(__file__).resolve().parents[2]
SQL_DIR = REPO_ROOT / "snowflake"


@pytest.fixture(scope="session")
def deployed_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    template = tmp_path_factory.mktemp("deployed-warehouse")
    with LocalWarehouse(template) as warehouse:
        warehouse.apply_migrations(SQL_DIR)
    return template


@pytest.fixture
def deployed(deployed_template: Path, tmp_path: Path) -> Iterator[LocalWarehouse]:
    db_dir = tmp_path / "warehouse"
    shutil.copytree(deployed_template, db_dir)
    warehouse = LocalWarehouse(db_dir)
    try:
        yield warehouse
    finally:
        warehouse.close()
