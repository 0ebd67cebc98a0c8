"""A fresh local warehouse per test, with the fixture mini-pipeline (Bronze -> SALES -> TOTALS)."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from local.warehouse import LocalWarehouse

FIXTURE_SQL = Path(__file__).parent / "fixture_sql"


def sale(transaction_id: str, store_id: str = "S001", amount: float = 10.0) -> tuple[str, str]:
    """One Bronze row in the contract's envelope shape (content, metadata)."""
    payload = {"transaction_id": transaction_id, "store_id": store_id, "total_amount": amount}
    return json.dumps({"payload": payload, "meta": {"status": "valid"}}), json.dumps({"shard": 0})


def query(warehouse: LocalWarehouse, sql: str) -> list[tuple[object, ...]]:
    cursor = warehouse.connect().cursor()
    cursor.execute(sql)
    return [tuple(row) for row in cursor.fetchall()]


@pytest.fixture(autouse=True)
def _quiet_fakesnow() -> Iterator[None]:
    # fakesnow materializes every result through Arrow and DuckDB warns about the copy.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Arrow output on a DB-API result")
        yield


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[LocalWarehouse]:
    wh = LocalWarehouse(tmp_path / "db")
    wh.apply_migrations(FIXTURE_SQL)
    yield wh
    wh.close()
