"""The warehouse's invariants, computed in Python from Silver (not with the reconciliation's SQL):

- Gold equals a from-scratch aggregation of Silver, every column Silver determines;
- INVENTORY: UNITS_SOLD is the net units sold in Silver, ON_HAND = INITIAL_STOCK - UNITS_SOLD,
  LAST_MOVEMENT_AT the latest non-canceled sale of the pair;
- Silver holds each (transaction, line) once.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tests.snowflake.pipeline import Pipeline

STORE_CURRENCY = "SELECT STORE_ID, CURRENCY FROM SILVER.DIM_STORE"


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def assert_invariants(pipeline: Pipeline) -> None:
    lines = pipeline.silver_lines()
    currency = dict(pipeline.query(STORE_CURRENCY))
    expected: dict[tuple[Any, str], dict[str, Any]] = defaultdict(
        lambda: {
            "GROSS_SALES": Decimal(0),
            "REFUNDS": Decimal(0),
            "TRANSACTIONS": 0,
            "UNITS": 0,
            "CANCELED_LINES": 0,
        }
    )
    for line in lines:
        day = expected[(line["BUSINESS_DATE"], line["STORE_ID"])]
        if line["LINE_NUMBER"] == 1:
            day["GROSS_SALES"] += line["TOTAL_AMOUNT"]
            day["REFUNDS"] += line["REFUND_AMOUNT"]
            day["TRANSACTIONS"] += 1
        if line["CANCELED"]:
            day["CANCELED_LINES"] += 1
        else:
            day["UNITS"] += line["QUANTITY"]
    gold = pipeline.gold()
    assert set(gold) == set(expected)
    for key, want in expected.items():
        got = gold[key]
        assert {name: got[name] for name in want} == want, key
        assert got["NET_SALES"] == want["GROSS_SALES"] - want["REFUNDS"], key
        assert got["AVG_BASKET"] == (want["GROSS_SALES"] / want["TRANSACTIONS"]).quantize(
            Decimal("0.01"), "ROUND_HALF_UP"
        ), key
        assert got["CURRENCY"] == currency[key[1]], key

    sold: dict[tuple[str, str], int] = defaultdict(int)
    last_movement: dict[tuple[str, str], datetime] = {}
    for line in lines:
        if not line["CANCELED"]:
            pair = (line["STORE_ID"], line["PRODUCT_ID"])
            sold[pair] += int(line["QUANTITY"])
            moment = _utc(line["EVENT_TS"])
            assert moment is not None
            last_movement[pair] = max(moment, last_movement.get(pair, moment))
    for key, row in pipeline.inventory().items():
        assert row["UNITS_SOLD"] == sold.get(key, 0), key
        assert row["ON_HAND"] == row["INITIAL_STOCK"] - sold.get(key, 0), key
        assert _utc(row["LAST_MOVEMENT_AT"]) == last_movement.get(key), key

    keys = [(line["TRANSACTION_ID"], line["LINE_NUMBER"]) for line in lines]
    assert len(keys) == len(set(keys))
