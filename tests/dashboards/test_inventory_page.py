"""Inventory page against a seeded local warehouse: stock figures equal opening stock minus the
units sold in Silver; filters and the reorder-only switch narrow the list."""

from __future__ import annotations

import pytest

from tests.dashboards.conftest import PageRunner, ServedWarehouse, metrics, rerun
from tests.dashboards.expected import SILVER_LINES, units_sold

pytestmark = pytest.mark.filterwarnings("ignore:Arrow output on a DB-API result:UserWarning")

OPENING_STOCK = "SELECT PRODUCT_ID, CATEGORY, INITIAL_STOCK, REORDER_POINT FROM SILVER.DIM_PRODUCT"
# The canary's store (pos verify, V40) holds no stock: the page has no row for it.
STORES = "SELECT STORE_ID FROM SILVER.DIM_STORE WHERE NOT COALESCE(IS_CANARY, FALSE)"


@pytest.fixture(scope="module")
def expected_stock(seeded_warehouse: ServedWarehouse) -> list[dict[str, object]]:
    """One row per store and product: opening stock from the product seed, minus Silver sales."""
    sold = units_sold(seeded_warehouse.rows(SILVER_LINES))
    products = seeded_warehouse.rows(OPENING_STOCK)
    stores = [row["STORE_ID"] for row in seeded_warehouse.rows(STORES)]
    stock = []
    for store_id in stores:
        for product in products:
            units = sold.get((store_id, product["PRODUCT_ID"]), 0)
            on_hand = int(product["INITIAL_STOCK"]) - units
            stock.append(
                {
                    "STORE_ID": store_id,
                    "PRODUCT_ID": product["PRODUCT_ID"],
                    "CATEGORY": product["CATEGORY"],
                    "UNITS_SOLD": units,
                    "ON_HAND": on_hand,
                    "LOW": on_hand <= int(product["REORDER_POINT"]),
                }
            )
    assert sum(row["UNITS_SOLD"] for row in stock) > 0
    return stock


def expected_metrics(rows: list[dict[str, object]]) -> dict[str, str]:
    return {
        "Items tracked": f"{len(rows):,}",
        "At or below reorder point": f"{sum(1 for row in rows if row['LOW']):,}",
        "Units on hand": f"{sum(int(row['ON_HAND']) for row in rows):,}",  # type: ignore[call-overload]
        "Units sold": f"{sum(int(row['UNITS_SOLD']) for row in rows):,}",  # type: ignore[call-overload]
    }


def test_all_stores_match_opening_stock_minus_silver_sales(
    run_seeded: PageRunner, expected_stock: list[dict[str, object]]
) -> None:
    app = run_seeded("inventory")
    assert metrics(app) == expected_metrics(expected_stock)
    table = app.dataframe[0].value
    shown = {(row.STORE_ID, row.PRODUCT_ID): int(row.ON_HAND) for row in table.itertuples()}
    assert shown == {(row["STORE_ID"], row["PRODUCT_ID"]): row["ON_HAND"] for row in expected_stock}
    # Items to reorder come first.
    low_flags = list(table["AT_OR_BELOW_REORDER"])
    assert low_flags == sorted(low_flags, reverse=True)


def test_store_and_category_filters(
    run_seeded: PageRunner, expected_stock: list[dict[str, object]]
) -> None:
    app = run_seeded("inventory")
    app.selectbox(key="inventory_store").set_value("S007")
    rerun(app)
    in_store = [row for row in expected_stock if row["STORE_ID"] == "S007"]
    assert metrics(app) == expected_metrics(in_store)

    category = sorted({str(row["CATEGORY"]) for row in in_store})[0]
    app.selectbox(key="inventory_category").set_value(category)
    rerun(app)
    in_category = [row for row in in_store if row["CATEGORY"] == category]
    assert 0 < len(in_category) < len(in_store)
    assert metrics(app) == expected_metrics(in_category)
    shown = set(app.dataframe[0].value["PRODUCT_ID"])
    assert shown == {row["PRODUCT_ID"] for row in in_category}


def test_reorder_switch_lists_only_items_at_or_below_reorder_point(
    run_seeded: PageRunner, expected_stock: list[dict[str, object]]
) -> None:
    app = run_seeded("inventory")
    app.checkbox(key="inventory_reorder_only").check()
    rerun(app)
    low = {(row["STORE_ID"], row["PRODUCT_ID"]) for row in expected_stock if row["LOW"]}
    assert ("S001", "P002") in low  # the seed's bulk sale
    table = app.dataframe[0].value
    assert {(row.STORE_ID, row.PRODUCT_ID) for row in table.itertuples()} == low


def test_a_store_with_nothing_to_reorder_says_so(
    run_seeded: PageRunner, expected_stock: list[dict[str, object]]
) -> None:
    calm = sorted(
        {str(row["STORE_ID"]) for row in expected_stock}
        - {str(row["STORE_ID"]) for row in expected_stock if row["LOW"]}
    )
    app = run_seeded("inventory")
    app.selectbox(key="inventory_store").set_value(calm[0])
    app.checkbox(key="inventory_reorder_only").check()
    rerun(app)
    assert not app.dataframe
    assert any("Nothing is at or below" in message.value for message in app.success)
