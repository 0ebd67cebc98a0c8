"""The other kinds on the dashboards, against a seeded local warehouse: the daily sales page's
store traffic and conversion, the online funnel page and the store operations page each equal a
computation in Python from Silver (not from Gold, not with the dashboards' SQL)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from dashboards.settings import OPERATIONS_LOOKBACK_HOURS
from producer.catalog import STORES_BY_ID
from tests.dashboards.conftest import PageRunner, ServedWarehouse, metrics, rerun

pytestmark = pytest.mark.filterwarnings("ignore:Arrow output on a DB-API result:UserWarning")


def local(moment_utc: datetime, store_id: str) -> datetime:
    zone = ZoneInfo(STORES_BY_ID[store_id].time_zone)
    return moment_utc.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)


def test_daily_sales_shows_traffic_and_conversion_from_silver(
    run_seeded: PageRunner, seeded_warehouse: ServedWarehouse
) -> None:
    app = run_seeded("daily_sales")
    app.selectbox(key="sales_currency").set_value("USD")
    rerun(app)
    first, last = app.date_input(key="sales_dates").value
    usd = {store_id for store_id, store in STORES_BY_ID.items() if store.currency == "USD"}

    visitors: dict[tuple[str, datetime], float] = defaultdict(float)
    for row in seeded_warehouse.rows(
        "SELECT STORE_ID, EVENT_TS_UTC, READING_VALUE FROM SILVER.IOT_READINGS"
        " WHERE MEASURE = 'door_count'"
    ):
        hour = local(row["EVENT_TS_UTC"], row["STORE_ID"]).replace(
            minute=0, second=0, microsecond=0
        )
        if row["STORE_ID"] in usd and first <= hour.date() <= last:
            visitors[(row["STORE_ID"], hour)] += float(row["READING_VALUE"])
    transactions = {
        (row["STORE_ID"], row["TRANSACTION_ID"]): local(row["EVENT_TS_UTC"], row["STORE_ID"])
        for row in seeded_warehouse.rows(
            "SELECT DISTINCT STORE_ID, TRANSACTION_ID, EVENT_TS_UTC"
            " FROM SILVER.RETAIL_POS_PROCESSED"
        )
    }
    counted = sum(
        1
        for (store_id, _), at in transactions.items()
        if visitors.get((store_id, at.replace(minute=0, second=0, microsecond=0)), 0) > 0
    )
    total_visitors = sum(visitors.values())
    assert total_visitors > 0, "the seed must have door counter readings"
    shown = metrics(app)
    assert shown["Visitors"] == f"{int(total_visitors):,}"
    assert shown["Transactions in counted hours"] == f"{counted:,}"
    assert shown["Conversion"] == f"{counted / total_visitors * 100:.1f} %"


def test_online_funnel_equals_silver_clickstream(
    run_seeded: PageRunner, seeded_warehouse: ServedWarehouse
) -> None:
    app = run_seeded("online_funnel")
    assert not app.error
    first, last = app.date_input(key="funnel_dates").value
    counts: dict[str, int] = defaultdict(int)
    for row in seeded_warehouse.rows(
        "SELECT EVENT_TYPE, EVENT_DATE FROM SILVER.CLICKSTREAM_EVENTS WHERE PRODUCT_ID IS NOT NULL"
    ):
        if first <= row["EVENT_DATE"] <= last:
            counts[row["EVENT_TYPE"]] += 1
    assert counts["product_view"] > 0
    shown = metrics(app)
    assert shown["Product views"] == f"{counts['product_view']:,}"
    assert shown["Adds to cart"] == f"{counts['add_to_cart']:,}"
    assert shown["Checkouts"] == f"{counts['checkout']:,}"
    assert shown["View → cart"] == f"{counts['add_to_cart'] / counts['product_view'] * 100:.1f} %"

    # A narrower range narrows the figures (bound parameters, not a client-side filter).
    app.date_input(key="funnel_dates").set_value((last, last))
    rerun(app)
    on_last = sum(
        1
        for row in seeded_warehouse.rows(
            "SELECT EVENT_DATE FROM SILVER.CLICKSTREAM_EVENTS"
            " WHERE PRODUCT_ID IS NOT NULL AND EVENT_TYPE = 'product_view'"
        )
        if row["EVENT_DATE"] == last
    )
    assert metrics(app)["Product views"] == f"{on_last:,}"


def _operations(seeded: ServedWarehouse, store_id: str | None) -> tuple[int, int, int]:
    """Errors, registers with errors and fridge excursions in the page's window."""
    now = datetime.now(UTC).replace(tzinfo=None)
    window = timedelta(hours=OPERATIONS_LOOKBACK_HOURS)

    def in_window(row: dict[str, Any]) -> bool:
        since = local(now, row["STORE_ID"]) - window
        hour = local(row["EVENT_TS_UTC"], row["STORE_ID"]).replace(
            minute=0, second=0, microsecond=0
        )
        return hour >= since and (store_id is None or row["STORE_ID"] == store_id)

    errors = [
        row
        for row in seeded.rows(
            "SELECT STORE_ID, REGISTER_ID, EVENT_TS_UTC FROM SILVER.APP_LOG_EVENTS"
            " WHERE LEVEL IN ('ERROR', 'FATAL')"
        )
        if in_window(row)
    ]
    hot = [
        row
        for row in seeded.rows(
            "SELECT STORE_ID, EVENT_TS_UTC FROM SILVER.IOT_READINGS"
            " WHERE MEASURE = 'fridge_temp_c' AND READING_VALUE > 8"
        )
        if local(row["EVENT_TS_UTC"], row["STORE_ID"]) >= local(now, row["STORE_ID"]) - window
        and (store_id is None or row["STORE_ID"] == store_id)
    ]
    registers = {(row["STORE_ID"], row["REGISTER_ID"]) for row in errors}
    return len(errors), len(registers), len(hot)


def test_store_operations_equals_silver_logs_and_readings(
    run_seeded: PageRunner, seeded_warehouse: ServedWarehouse
) -> None:
    app = run_seeded("store_operations")
    assert not app.error
    hours = OPERATIONS_LOOKBACK_HOURS
    errors, registers, hot = _operations(seeded_warehouse, None)
    assert errors > 0 and hot > 0, "the seed must have terminal errors and fridge excursions"
    shown = metrics(app)
    assert shown[f"Terminal errors ({hours} h)"] == f"{errors:,}"
    assert shown["Registers with errors"] == f"{registers:,}"
    assert shown[f"Fridge excursions above 8 °C ({hours} h)"] == f"{hot:,}"

    app.selectbox(key="ops_store").set_value("S001")
    rerun(app)
    errors, registers, hot = _operations(seeded_warehouse, "S001")
    shown = metrics(app)
    assert shown[f"Terminal errors ({hours} h)"] == f"{errors:,}"
    assert shown[f"Fridge excursions above 8 °C ({hours} h)"] == f"{hot:,}"
