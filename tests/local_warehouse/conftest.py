"""A fresh local warehouse per test, with the fixture mini-pipeline (Bronze -> SALES -> TOTALS)."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from local.warehouse import LocalWarehouse
from local.warehouse.connection import RunnerConnection

FIXTURE_SQL = Path(__file__).parent / "fixture_sql"


def sale(transaction_id: str, store_id: str = "S001", amount: float = 10.0) -> tuple[str, str]:
    """One Bronze row in the contract's envelope shape (content, metadata)."""
    payload = {"transaction_id": transaction_id, "store_id": store_id, "total_amount": amount}
    return json.dumps({"payload": payload, "meta": {"status": "valid"}}), json.dumps({"shard": 0})


def admin(
    warehouse: LocalWarehouse, database: str | None = None, **options: bool
) -> RunnerConnection:
    """The local admin's connection (ACCOUNTADMIN), which owns the fixture's objects."""
    return warehouse.connect_as(warehouse.principals.admin, database, **options)


def query(warehouse: LocalWarehouse, sql: str) -> list[tuple[object, ...]]:
    cursor = admin(warehouse).cursor()
    cursor.execute(sql)
    return [tuple(row) for row in cursor.fetchall()]


def apply_fixture(warehouse: LocalWarehouse) -> None:
    """The fixture mini-pipeline, applied as the local admin after what a bootstrap would do
    first (the database and warehouse the migrations' history needs)."""
    setup = admin(warehouse).cursor()
    setup.execute(f"CREATE DATABASE IF NOT EXISTS {warehouse.variables.database}")
    setup.execute(f"CREATE WAREHOUSE IF NOT EXISTS {warehouse.variables.warehouse}")
    principal = warehouse.principals.admin
    warehouse.apply_migrations(FIXTURE_SQL, user=principal.user, role=principal.role)


@pytest.fixture(autouse=True)
def _quiet_fakesnow() -> Iterator[None]:
    # fakesnow materializes every result through Arrow and DuckDB warns about the copy.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Arrow output on a DB-API result")
        yield


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[LocalWarehouse]:
    wh = LocalWarehouse(tmp_path / "db")
    apply_fixture(wh)
    yield wh
    wh.close()
