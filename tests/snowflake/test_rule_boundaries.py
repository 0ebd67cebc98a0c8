"""Each data-quality rule at its boundary: the last value it lets through and the first it
rejects, and the rules ``test_scenarios.py`` does not reach on their own (line-level missing and
mistyped fields, negative refund, amount out of range, a 'valid' record without a payload).

Records bypass the transform's own checks (``forced_valid``), so each verdict is the SQL rule's
alone. All cases travel in one batch; each has its own transaction id.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest

from local.warehouse import LocalWarehouse
from tests.snowflake.backends import LocalBackend
from tests.snowflake.bronze import KinesisShard, deliver, encode, forced_valid, sale
from tests.snowflake.pipeline import Pipeline

SHARD_START = KinesisShard()


def _at(index: int) -> str:
    """The arrival instant of the index-th record put on SHARD_START's copy (5 ms apart)."""
    return (SHARD_START.arrival + timedelta(milliseconds=5 * (index + 1))).isoformat()


def _in_future(index: int, offset: timedelta) -> dict[str, Any]:
    arrival = SHARD_START.arrival + timedelta(milliseconds=5 * (index + 1))
    return {"timestamp": (arrival + offset).isoformat(timespec="milliseconds")}


def _item(product: str, price: str, quantity: Any, canceled: Any = False) -> dict[str, Any]:
    return {
        "product_id": product,
        "price": Decimal(price),
        "quantity": quantity,
        "canceled": canceled,
    }


# id -> (the sale, the rule ids it must be rejected with; empty = accepted)
def _cases() -> dict[str, tuple[dict[str, Any] | bytes, set[str]]]:
    cases: dict[str, tuple[dict[str, Any] | bytes, set[str]]] = {}

    def add(name: str, expected: set[str], event: dict[str, Any] | bytes) -> None:
        cases[name] = (event, expected)

    add("PRICE-ZERO", set(), sale("PRICE-ZERO", items=(("P001", "0.00", 1, False),)))
    add(
        "PRICE-MINUS-CENT",
        {"PRICE_NEGATIVE"},  # the total (0.00) is within the cent's tolerance
        sale("PRICE-MINUS-CENT", items=(("P001", "-0.01", 1, False),), total="0.00"),
    )
    add("TOTAL-CENT-OFF", set(), sale("TOTAL-CENT-OFF", total="119.99"))  # lines sum to 119.98
    add("TOTAL-TWO-CENTS-OFF", {"TOTAL_MISMATCH"}, sale("TOTAL-TWO-CENTS-OFF", total="120.00"))
    add("REFUND-ZERO", set(), sale("REFUND-ZERO", refund="0.00"))
    add("REFUND-NEGATIVE", {"REFUND_NEGATIVE"}, sale("REFUND-NEGATIVE", refund="-0.01"))
    add("REFUND-ALL", set(), sale("REFUND-ALL", refund="119.98"))
    add("REFUND-CENT-MORE", {"REFUND_EXCEEDS_TOTAL"}, sale("REFUND-CENT-MORE", refund="119.99"))
    add(
        "AMOUNT-MAX",
        set(),
        sale("AMOUNT-MAX", items=(("P001", "9999999999.99", 1, False),)),
    )
    # Over the limit (price 5,000,000,000.00 x 2) is not here: locally DuckDB overflows on the
    # product of two 64-bit decimals and fails the whole batch before the rule can reject the
    # record; Snowflake multiplies NUMBER(12,2) by NUMBER(18,6) exactly (docs/testing.md).
    no_price = sale("LINE-NO-PRICE")
    del no_price["items"][0]["price"]
    add("LINE-NO-PRICE", {"REQUIRED_FIELD_MISSING"}, no_price)
    odd_flag = sale("LINE-CANCELED-MAYBE")
    odd_flag["items"][0]["canceled"] = "maybe"
    add("LINE-CANCELED-MAYBE", {"INVALID_TYPE"}, odd_flag)
    # Arrival-relative: exactly 10 minutes after arrival passes, a millisecond more does not.
    index = len(cases)
    add("FUTURE-10-MIN", set(), sale("FUTURE-10-MIN", **_in_future(index, timedelta(minutes=10))))
    add(
        "FUTURE-10-MIN-1-MS",
        {"TIMESTAMP_IN_FUTURE"},
        sale(
            "FUTURE-10-MIN-1-MS",
            **_in_future(index + 1, timedelta(minutes=10, milliseconds=1)),
        ),
    )
    return cases


CASES = _cases()
NO_PAYLOAD = "no payload"


@pytest.fixture(scope="module")
def outcome(
    migrated_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Pipeline]:
    db_dir = tmp_path_factory.mktemp("rule-boundaries") / "warehouse"
    shutil.copytree(migrated_template, db_dir)
    with LocalWarehouse(db_dir) as warehouse:
        pipeline = Pipeline(LocalBackend(warehouse))
        shard = KinesisShard(arrival=SHARD_START.arrival)
        records = [shard.put(encode(event)) for event, _ in CASES.values()]
        rows = forced_valid(deliver(records))
        # A record the transform calls valid but that carries no payload (a contract breach):
        # rejected with a reason, never accepted into nothing.
        not_json = deliver([shard.put(b"not json at all")])
        rows += forced_valid(not_json)
        pipeline.deliver(rows)
        yield pipeline


@pytest.mark.parametrize("name", CASES, ids=CASES.keys())
def test_each_boundary_case_is_accepted_or_rejected_with_exactly_its_rules(
    outcome: Pipeline, name: str
) -> None:
    expected = CASES[name][1]
    rejected = {row["TRANSACTION_ID"]: row for row in outcome.rejected()}
    if expected:
        assert name not in outcome.transactions()
        assert {rule["rule_id"] for rule in rejected[name]["FAILED_RULES"]} == expected
    else:
        assert name in outcome.transactions()
        assert name not in rejected


def test_a_valid_record_without_a_payload_is_rejected_not_lost(outcome: Pipeline) -> None:
    [row] = [row for row in outcome.rejected() if row["TRANSACTION_ID"] is None]
    assert row["FAILED_RULES"] == [{"rule_id": "REQUIRED_FIELD_MISSING", "detail": "payload"}]
    assert orjson.loads(orjson.dumps(row["RECORD_CONTENT"]))["raw"] == "not json at all"


def test_every_record_has_one_fate(outcome: Pipeline) -> None:
    accepted = outcome.transactions()
    rejected = outcome.rejected()
    assert len(accepted) + len(rejected) == len(CASES) + 1
    assert accepted == {name for name, (_, rules) in CASES.items() if not rules}
