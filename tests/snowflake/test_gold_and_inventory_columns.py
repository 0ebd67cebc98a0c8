"""Every Gold and every INVENTORY column, batch after batch: each additive column adds what the
new batch brings to what was there (never overwrites it), late events add to their own earlier
business date, rows a batch does not touch stay exactly as they were.

The inputs are chosen so that, for every additive column, some row already holds a non-zero value
when a later batch adds a non-zero amount to it: an overwrite (``X = src.X``) or a dropped
increment (``X = tgt.X``) of any single column gives a different number here. The column lists
are read from the tables, so a column added later must be added here too.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from tests.snowflake.bronze import KinesisShard, bronze_rows, sale
from tests.snowflake.pipeline import UPDATE_INVENTORY, Pipeline

D0 = date(2026, 11, 27)  # the earlier business date late events belong to
D1 = date(2026, 11, 30)
NY, LONDON = ("S001", "New York"), ("S005", "London")

BATCH_1 = [
    sale(
        "A1",
        timestamp="2026-11-30T09:00:00-05:00",
        items=(("P001", "10.00", 2, False), ("P006", "8.49", 1, True)),
        refund="5.00",
    ),
    sale("A2", timestamp="2026-11-27T12:00:00-05:00", items=(("P013", "3.50", 4, False),)),
]
BATCH_2 = [
    sale(
        "B1",
        timestamp="2026-11-30T11:00:00-05:00",
        items=(("P001", "10.00", 1, False), ("P013", "3.50", 2, False), ("P006", "8.49", 3, True)),
        refund="2.50",
    ),
    sale(
        "B2",
        store_id=LONDON[0],
        city=LONDON[1],
        timestamp="2026-11-30T10:00:00Z",
        items=(("P001", "10.00", 1, False),),
    ),
]
# Late: sold on D0 (before everything of batch 2), delivered last.
BATCH_3 = [
    sale(
        "C1",
        timestamp="2026-11-27T18:00:00-05:00",
        items=(("P001", "10.00", 3, False), ("P006", "8.49", 1, True)),
        refund="1.25",
    ),
]

GOLD_ADDITIVE = ("GROSS_SALES", "REFUNDS", "NET_SALES", "TRANSACTIONS", "UNITS", "CANCELED_LINES")
GOLD_COLUMNS = {
    "BUSINESS_DATE",
    "STORE_ID",
    "CURRENCY",
    *GOLD_ADDITIVE,
    "AVG_BASKET",
    "LAST_UPDATED",
}
INVENTORY_COLUMNS = {
    "STORE_ID",
    "PRODUCT_ID",
    "INITIAL_STOCK",
    "UNITS_SOLD",
    "ON_HAND",
    "REORDER_POINT",
    "LAST_MOVEMENT_AT",
    "UPDATED_AT",
    "LAST_RUN_ID",
}


def gold_figures(
    currency: str,
    gross: str,
    refunds: str,
    transactions: int,
    units: int,
    canceled: int,
    avg: str,
) -> dict[str, Any]:
    return {
        "CURRENCY": currency,
        "GROSS_SALES": Decimal(gross),
        "REFUNDS": Decimal(refunds),
        "NET_SALES": Decimal(gross) - Decimal(refunds),
        "TRANSACTIONS": transactions,
        "UNITS": units,
        "CANCELED_LINES": canceled,
        "AVG_BASKET": Decimal(avg),
    }


# (business date, store) -> every Gold column but the key and LAST_UPDATED, after each batch.
GOLD_AFTER = [
    {
        (D1, "S001"): gold_figures("USD", "20.00", "5.00", 1, 2, 1, "20.00"),
        (D0, "S001"): gold_figures("USD", "14.00", "0.00", 1, 4, 0, "14.00"),
    },
    {
        (D1, "S001"): gold_figures("USD", "37.00", "7.50", 2, 5, 2, "18.50"),
        (D0, "S001"): gold_figures("USD", "14.00", "0.00", 1, 4, 0, "14.00"),
        (D1, "S005"): gold_figures("GBP", "10.00", "0.00", 1, 1, 0, "10.00"),
    },
    {
        (D1, "S001"): gold_figures("USD", "37.00", "7.50", 2, 5, 2, "18.50"),
        (D0, "S001"): gold_figures("USD", "44.00", "1.25", 2, 7, 1, "22.00"),
        (D1, "S005"): gold_figures("GBP", "10.00", "0.00", 1, 1, 0, "10.00"),
    },
]
# Keys each batch touches (their LAST_UPDATED moves; every other row's stays).
GOLD_TOUCHED = [
    {(D1, "S001"), (D0, "S001")},
    {(D1, "S001"), (D1, "S005")},
    {(D0, "S001")},
]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text)


# (store, product) -> (UNITS_SOLD, LAST_MOVEMENT_AT in UTC or None), after each batch, for the
# pairs sold; every other pair keeps its seeded row.
INVENTORY_AFTER: list[dict[tuple[str, str], tuple[int, datetime | None]]] = [
    {
        ("S001", "P001"): (2, utc("2026-11-30T14:00:00+00:00")),
        ("S001", "P006"): (0, None),  # only canceled lines: no stock moved
        ("S001", "P013"): (4, utc("2026-11-27T17:00:00+00:00")),
    },
    {
        ("S001", "P001"): (3, utc("2026-11-30T16:00:00+00:00")),
        ("S001", "P006"): (0, None),
        ("S001", "P013"): (6, utc("2026-11-30T16:00:00+00:00")),
        ("S005", "P001"): (1, utc("2026-11-30T10:00:00+00:00")),
    },
    {
        # The late sale adds its units but does not move the last movement back in time.
        ("S001", "P001"): (6, utc("2026-11-30T16:00:00+00:00")),
        ("S001", "P006"): (0, None),
        ("S001", "P013"): (6, utc("2026-11-30T16:00:00+00:00")),
        ("S005", "P001"): (1, utc("2026-11-30T10:00:00+00:00")),
    },
]
INVENTORY_TOUCHED = [
    {("S001", "P001"), ("S001", "P006"), ("S001", "P013")},
    {("S001", "P001"), ("S001", "P006"), ("S001", "P013"), ("S005", "P001")},
    {("S001", "P001"), ("S001", "P006")},
]


def as_utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(utc("2000-01-01T00:00:00+00:00").tzinfo)


def columns(pipeline: Pipeline, table: str) -> set[str]:
    connection = pipeline.connect()
    try:
        cursor = connection.cursor()
        cursor.execute(f"SELECT * FROM {table} LIMIT 0")
        return {column[0] for column in cursor.description}
    finally:
        connection.close()


def test_the_column_lists_cover_every_column(pipeline: Pipeline) -> None:
    assert columns(pipeline, "GOLD.DAILY_SALES_SUMMARY") == GOLD_COLUMNS
    assert columns(pipeline, "SILVER.INVENTORY") == INVENTORY_COLUMNS


def test_every_gold_column_accumulates_across_batches_and_late_events(
    pipeline: Pipeline,
) -> None:
    shard = KinesisShard()
    previous: dict[tuple[date, str], dict[str, Any]] = {}
    for batch, (events, expected, touched) in enumerate(
        zip((BATCH_1, BATCH_2, BATCH_3), GOLD_AFTER, GOLD_TOUCHED, strict=True), start=1
    ):
        pipeline.deliver(bronze_rows(events, shard))
        gold = pipeline.gold()
        assert set(gold) == set(expected), batch
        for key, want in expected.items():
            row = gold[key]
            assert {column: row[column] for column in want} == want, (batch, key)
            if key in touched:
                assert key not in previous or row["LAST_UPDATED"] > previous[key]["LAST_UPDATED"]
            else:
                assert row == previous[key], (batch, key)  # untouched: every column as it was
        previous = gold


def test_every_inventory_column_accumulates_across_batches_and_late_events(
    pipeline: Pipeline,
) -> None:
    shard = KinesisShard()
    seeded = pipeline.inventory()
    stock = {
        row[0]: (row[1], row[2])
        for row in pipeline.query(
            "SELECT PRODUCT_ID, INITIAL_STOCK, REORDER_POINT FROM SILVER.DIM_PRODUCT"
        )
    }
    previous = seeded
    for batch, (events, expected, touched) in enumerate(
        zip((BATCH_1, BATCH_2, BATCH_3), INVENTORY_AFTER, INVENTORY_TOUCHED, strict=True), start=1
    ):
        pipeline.deliver(bronze_rows(events, shard))
        inventory = pipeline.inventory()
        run_id = pipeline.run_log(UPDATE_INVENTORY)[-1]["RUN_ID"]
        assert set(inventory) == set(seeded), batch  # no pair appears or disappears
        for key, row in inventory.items():
            initial, reorder = stock[key[1]]
            units, last_movement = expected.get(key, (0, None))
            assert (row["INITIAL_STOCK"], row["REORDER_POINT"]) == (initial, reorder), key
            assert row["UNITS_SOLD"] == units, (batch, key)
            assert row["ON_HAND"] == initial - units, (batch, key)
            assert as_utc(row["LAST_MOVEMENT_AT"]) == last_movement, (batch, key)
            if key in touched:
                assert row["LAST_RUN_ID"] == run_id, (batch, key)
                assert row["UPDATED_AT"] > previous[key]["UPDATED_AT"], (batch, key)
            else:
                assert row == previous[key], (batch, key)  # untouched: every column as it was
        previous = inventory
