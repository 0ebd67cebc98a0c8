"""A migrated local warehouse per test, copied from one migrated once per session (fast)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from local.warehouse import LocalWarehouse
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


@pytest.fixture
def pipeline(migrated_template: Path, tmp_path: Path) -> Iterator[Pipeline]:
    db_dir = tmp_path / "warehouse"
    shutil.copytree(migrated_template, db_dir)
    warehouse = LocalWarehouse(db_dir)
    try:
        yield Pipeline(warehouse)
    finally:
        warehouse.close()
