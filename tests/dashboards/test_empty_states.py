"""Every page on a warehouse with migrations applied and no sales: clear messages, no errors."""

from __future__ import annotations

import pytest

from tests.dashboards.conftest import PageRunner

pytestmark = pytest.mark.filterwarnings("ignore:Arrow output on a DB-API result:UserWarning")


def infos(app: object) -> str:
    return " | ".join(info.value for info in app.info)  # type: ignore[attr-defined]


def test_daily_sales_says_there_are_no_sales(run_empty: PageRunner) -> None:
    app = run_empty("daily_sales")
    assert not app.error
    assert not app.metric
    assert "No sales in" in infos(app)


def test_inventory_shows_opening_stock_and_no_run_rate(run_empty: PageRunner) -> None:
    app = run_empty("inventory")
    assert not app.error
    assert app.metric[3].label == "Units sold"
    assert app.metric[3].value == "0"
    assert "days of cover cannot be estimated" in infos(app)


def test_pipeline_health_says_nothing_has_run(run_empty: PageRunner) -> None:
    app = run_empty("pipeline_health")
    assert not app.error
    text = infos(app)
    assert "No procedure runs" in text
    assert "OPS.PIPELINE_RUN_LOG is empty" in text
    assert "No records rejected" in text
    assert "No transactions reached Silver" in text
    assert "The dead letter is empty" in text
    assert "No record has been sent back from the dead letter yet." in text


def test_online_funnel_says_there_are_no_clickstream_events(run_empty: PageRunner) -> None:
    app = run_empty("online_funnel")
    assert not app.error
    assert not app.metric
    assert "No clickstream events in Silver yet" in infos(app)


def test_store_operations_shows_zeros_and_says_why(run_empty: PageRunner) -> None:
    app = run_empty("store_operations")
    assert not app.error
    assert [metric.value for metric in app.metric] == ["0", "0", "0"]
    text = infos(app)
    assert "No terminal log lines in this window" in text
    assert "No fridge reading above 8 °C in this window" in text
