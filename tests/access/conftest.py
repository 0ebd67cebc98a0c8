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
from tests.paths import SQL_DIR  # noqa: F401 - the scripts the grants tests render
from tests.snowflake.backends import (
    SnowflakeAccountBackend,
    real_account_requested,
)


@pytest.fixture
def deployed(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A LocalWarehouse, or the real account's backend: both offer ``principals``,
    ``variables``, ``names``, ``connect_as`` and ``load_bronze``."""
    if real_account_requested():
        backend: SnowflakeAccountBackend = request.getfixturevalue("real_account")
        backend.reset()
        yield backend
        return
    template: Path = request.getfixturevalue("migrated_template")
    db_dir = tmp_path / "warehouse"
    shutil.copytree(template, db_dir)
    warehouse = LocalWarehouse(db_dir)
    try:
        yield warehouse
    finally:
        warehouse.close()
