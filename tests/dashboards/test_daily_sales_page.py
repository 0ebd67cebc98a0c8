"""Daily sales page against a seeded local warehouse: figures equal Silver, filters narrow them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from dashboards.settings import TOP_PRODUCTS
from tests.dashboards.conftest import PageRunner, ServedWarehouse, rerun, sales_metrics
from tests.dashboards.expected import (
    SILVER_LINES,
    sales_figures,
    select_lines,
    top_products,
)

pytestmark = pytest.mark.filterwarnings("ignore:Arrow output on a DB-API result:UserWarning")


@pytest.fixture(scope="module")
def silver_lines(seeded_warehouse: ServedWarehouse) -> list[dict[str, object]]:
    lines = seeded_warehouse.rows(SILVER_LINES)
    assert len({line["CURRENCY"] for line in lines}) > 1, "the seed must span several currencies"
    return lines


def test_default_view_matches_silver_for_all_dates(
    run_seeded: PageRunner, silver_lines: list[dict[str, object]]
) -> None:
    app = run_seeded("daily_sales")
    currency = app.selectbox(key="sales_currency").value
    expected = sales_figures(select_lines(silver_lines, currency=currency))
    assert expected.transactions > 0
    assert sales_metrics(app) == expected.as_metrics(currency)
    assert not app.error


def test_each_currency_only_adds_its_own_stores(
    run_seeded: PageRunner, silver_lines: list[dict[str, object]]
) -> None:
    app = run_seeded("daily_sales")
    for currency in ("EUR", "JPY", "USD"):
        app.selectbox(key="sales_currency").set_value(currency)
        rerun(app)
        expected = sales_figures(select_lines(silver_lines, currency=currency))
        assert sales_metrics(app) == expected.as_metrics(currency), currency


def test_city_and_store_filters_narrow_the_figures(
    run_seeded: PageRunner, silver_lines: list[dict[str, object]]
) -> None:
    app = run_seeded("daily_sales")
    app.selectbox(key="sales_currency").set_value("USD")
    rerun(app)
    everything = sales_metrics(app)

    app.selectbox(key="sales_city").set_value("Los Angeles")
    rerun(app)
    expected_city = sales_figures(select_lines(silver_lines, currency="USD", city="Los Angeles"))
    assert sales_metrics(app) == expected_city.as_metrics("USD")
    assert sales_metrics(app) != everything
    # Los Angeles has one store; Seattle shares its time zone but not its city.
    assert app.selectbox(key="sales_store").options == ["All", "S003"]

    app.selectbox(key="sales_city").set_value("All")
    rerun(app)
    app.selectbox(key="sales_store").set_value("S002")
    rerun(app)
    expected_store = sales_figures(select_lines(silver_lines, currency="USD", store_id="S002"))
    assert sales_metrics(app) == expected_store.as_metrics("USD")


def test_date_range_selects_store_local_business_dates(
    run_seeded: PageRunner, silver_lines: list[dict[str, object]]
) -> None:
    dates = sorted({line["BUSINESS_DATE"] for line in silver_lines if line["CURRENCY"] == "USD"})
    assert len(dates) >= 2, "the seed must span two business dates"
    first_day: date = dates[0]  # type: ignore[assignment]
    app = run_seeded("daily_sales")
    app.selectbox(key="sales_currency").set_value("USD")
    app.date_input(key="sales_dates").set_value((first_day, first_day))
    rerun(app)
    expected = sales_figures(
        select_lines(silver_lines, currency="USD", first=first_day, last=first_day)
    )
    assert sales_metrics(app) == expected.as_metrics("USD")


def test_top_products_are_the_best_sellers_in_silver(
    run_seeded: PageRunner, silver_lines: list[dict[str, object]]
) -> None:
    app = run_seeded("daily_sales")
    currency = app.selectbox(key="sales_currency").value
    expected = top_products(select_lines(silver_lines, currency=currency), TOP_PRODUCTS)
    shown = app.dataframe[1].value
    assert list(shown["PRODUCT_ID"]) == [product for product, _ in expected]
    assert [Decimal(str(value)).quantize(Decimal("0.01")) for value in shown["SALES"]] == [
        sales for _, sales in expected
    ]


def test_dates_without_sales_show_an_empty_state(run_seeded: PageRunner) -> None:
    app = run_seeded("daily_sales")
    picker = app.date_input(key="sales_dates")
    after_last_sale = picker.max  # the picker ends a day past the latest business date
    picker.set_value((after_last_sale, after_last_sale))
    rerun(app)
    assert not app.metric
    assert any("No sales" in info.value for info in app.info)
