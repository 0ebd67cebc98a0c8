"""The producer's catalog and the seeded DIM_STORE, DIM_PRODUCT, DIM_PAYMENT_METHOD agree."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from producer.catalog import MINOR_UNITS, PAYMENT_METHODS, PRODUCTS, STORES

SNOWFLAKE_DIR = Path(__file__).resolve().parents[2] / "snowflake"


def test_catalog_matches_seeded_dimensions(tmp_path: Path) -> None:
    from local.warehouse import LocalWarehouse

    with LocalWarehouse(tmp_path / "warehouse") as warehouse:
        warehouse.apply_migrations(SNOWFLAKE_DIR)
        cursor = warehouse.connect_as(warehouse.principals.admin).cursor()
        cursor.execute(
            "SELECT STORE_ID, CITY, TIME_ZONE, COUNTRY, CURRENCY FROM SILVER.DIM_STORE"
            " WHERE NOT COALESCE(IS_CANARY, FALSE) ORDER BY 1"  # pos verify's store: not a shop
        )
        stores = [tuple(row) for row in cursor.fetchall()]
        cursor.execute(
            "SELECT PRODUCT_ID, PRODUCT_NAME, CATEGORY, LIST_PRICE"
            " FROM SILVER.DIM_PRODUCT ORDER BY 1"
        )
        products = [
            (pid, name, category, Decimal(str(price)))
            for pid, name, category, price in cursor.fetchall()
        ]
        cursor.execute("SELECT PAYMENT_METHOD FROM SILVER.DIM_PAYMENT_METHOD ORDER BY 1")
        methods = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT CURRENCY_CODE, MINOR_UNIT FROM SILVER.DIM_CURRENCY")
        minor_units = {code: int(unit) for code, unit in cursor.fetchall()}
    assert stores == [(s.store_id, s.city, s.time_zone, s.country, s.currency) for s in STORES]
    assert products == [(p.product_id, p.name, p.category, p.list_price) for p in PRODUCTS]
    assert methods == sorted(PAYMENT_METHODS)
    # Every store's currency is in DIM_CURRENCY with the minor unit the producer prices in.
    assert {store.currency for store in STORES} == set(MINOR_UNITS)
    assert {code: minor_units[code] for code in MINOR_UNITS} == MINOR_UNITS
