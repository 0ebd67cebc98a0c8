"""Fixtures: a local warehouse seeded through the production path, served over the Snowflake
connector protocol, and AppTest runs of each page pointed at it.

fakesnow's server keeps its sessions in module globals, so one served warehouse per process at a
time: the fixtures are module-scoped and each test module uses one warehouse.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import snowflake.connector
import streamlit as st
from streamlit.runtime.secrets import secrets_singleton
from streamlit.testing.v1 import AppTest

from local.dashboards import local_connection
from local.warehouse import LocalWarehouse
from tests.dashboards.seeding import SeedPlan, bulk_sale, create_warehouse, deliver

VIEWS = Path(__file__).resolve().parents[2] / "dashboards" / "views"
# About 350 sales five minutes apart: 29 hours ending about now, so every store's time zone sees
# at least two business dates, and the run log and rejects fall in the health page's window.
SEED_PLAN = SeedPlan(
    records=400,
    base_time=datetime.now(UTC).replace(microsecond=0) - timedelta(hours=30),
    bad_rate=0.08,
    duplicate_rate=0.05,
    seconds_between_sales=300.0,
    other_kind_records=120,
)


@dataclass
class ServedWarehouse:
    warehouse: LocalWarehouse
    host: str
    port: int
    work_dir: Path

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        """Read directly (not through the dashboards) to compute expected figures."""
        connection = self.warehouse.connect_as(self.warehouse.principals.admin)
        try:
            cursor = connection.cursor()
            cursor.execute(sql, params)
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        finally:
            connection.close()


def with_bulk_sale(warehouse: LocalWarehouse, plan: SeedPlan) -> SeedPlan:
    """Add one sale that leaves P002 at S001 one unit below its reorder point (from the seed)."""
    connection = warehouse.connect_as(warehouse.principals.admin)
    try:
        cursor = connection.cursor()
        cursor.execute(
            "SELECT LIST_PRICE, INITIAL_STOCK, REORDER_POINT FROM SILVER.DIM_PRODUCT"
            " WHERE PRODUCT_ID = 'P002'"
        )
        price, initial_stock, reorder_point = cursor.fetchone()
    finally:
        connection.close()
    # Generated sales may also sell P002 at S001; those only push it further down.
    quantity = int(initial_stock) - int(reorder_point) + 1
    at = plan.base_time.astimezone(ZoneInfo("America/New_York")) + timedelta(minutes=1)
    sale = bulk_sale("S001", "New York", "P002", Decimal(price), quantity, at)
    return replace(plan, extra_records=(*plan.extra_records, sale))


@pytest.fixture(scope="module")
def seeded_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedWarehouse]:
    work_dir = tmp_path_factory.mktemp("seeded")
    warehouse = create_warehouse(work_dir / "warehouse")
    deliver(warehouse, work_dir, with_bulk_sale(warehouse, SEED_PLAN))
    warehouse.run_until_idle()
    host, port = warehouse.serve()
    yield ServedWarehouse(warehouse, host, port, work_dir)
    warehouse.close()


@pytest.fixture(scope="module")
def empty_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedWarehouse]:
    work_dir = tmp_path_factory.mktemp("empty")
    warehouse = create_warehouse(work_dir / "warehouse")
    host, port = warehouse.serve()
    yield ServedWarehouse(warehouse, host, port, work_dir)
    warehouse.close()


@pytest.fixture(autouse=True)
def _restore_connector_paramstyle() -> Iterator[None]:
    """st.connection("snowflake") sets the connector's process-wide paramstyle to qmark; the
    local warehouse's migration code binds pyformat. Restore it so test order does not matter."""
    saved = snowflake.connector.paramstyle
    yield
    snowflake.connector.paramstyle = saved


def point_dashboards_at(served: ServedWarehouse) -> None:
    """What ``pos local dashboards`` does with a secrets file, done in-process: the
    ``[connections.snowflake]`` section names the served warehouse. Caches are dropped so no
    connection or result from another warehouse is reused."""
    secrets_singleton.merge_programmatic_secrets(
        {"connections": {"snowflake": local_connection(served.host, served.port)}}
    )
    st.cache_data.clear()
    st.cache_resource.clear()


PageRunner = Callable[..., AppTest]


def page_runner(served: ServedWarehouse) -> PageRunner:
    def run(page: str) -> AppTest:
        point_dashboards_at(served)
        app = AppTest.from_file(str(VIEWS / f"{page}.py"), default_timeout=60)
        app.run()
        assert not app.exception, [item.value for item in app.exception]
        return app

    return run


@pytest.fixture
def run_seeded(seeded_warehouse: ServedWarehouse) -> PageRunner:
    return page_runner(seeded_warehouse)


@pytest.fixture
def run_empty(empty_warehouse: ServedWarehouse) -> PageRunner:
    return page_runner(empty_warehouse)


def metrics(app: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


# The daily sales page's traffic metrics (tests/dashboards/test_traffic_and_kinds_pages.py).
TRAFFIC_LABELS = frozenset({"Visitors", "Conversion", "Transactions in counted hours"})


def sales_metrics(app: AppTest) -> dict[str, str]:
    """The daily sales page's sales metrics, without its store traffic ones."""
    return {label: value for label, value in metrics(app).items() if label not in TRAFFIC_LABELS}


def rerun(app: AppTest) -> AppTest:
    app.run()
    assert not app.exception, [item.value for item in app.exception]
    assert not app.error, [item.value for item in app.error]
    return app
