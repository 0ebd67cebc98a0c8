"""A migrated local warehouse per test, copied from one migrated once per session (fast)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from lambdas.snowflake_migrations.scripts import SqlVariables
from local.warehouse import LocalWarehouse
from tests.snowflake.pipeline import Pipeline

SQL_DIR = Path(__file__).resolve().parents[2] / "snowflake"


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
    """A pipeline whose PROCESS_RAW_POS runs take at most SMALL_RUN records each."""
    db_dir = tmp_path / "small-runs"
    shutil.copytree(small_runs_template, db_dir)
    warehouse = LocalWarehouse(db_dir)
    try:
        yield Pipeline(warehouse)
    finally:
        warehouse.close()
