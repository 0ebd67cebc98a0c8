"""Known inputs through the real transform and the local warehouse: what lands in Silver,
REJECTED, INVENTORY and Gold, and what the run log says."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import orjson
import pytest

from tests.snowflake.bronze import KinesisShard, bronze_rows, deliver, encode, forced_valid, sale
from tests.snowflake.pipeline import PROCESS_RAW_POS, Pipeline

NEW_YORK_DAY = date(2026, 11, 30)


def test_valid_sales_land_in_silver_gold_and_inventory(pipeline: Pipeline) -> None:
    pipeline.deliver(
        bronze_rows(
            [
                sale("T1", items=(("P001", "59.99", 2, False),)),
                sale(
                    "T2",
                    items=(("P001", "10.00", 1, False), ("P006", "8.49", 3, False)),
                    refund="5.00",
                ),
            ]
        )
    )
    lines = pipeline.silver_lines()
    assert [(line["TRANSACTION_ID"], line["LINE_NUMBER"]) for line in lines] == [
        ("T1", 1),
        ("T2", 1),
        ("T2", 2),
    ]
    first = lines[0]
    assert first["UNIT_PRICE"] == Decimal("59.99")
    assert first["QUANTITY"] == 2
    assert first["LINE_AMOUNT"] == Decimal("119.98")
    assert first["TOTAL_AMOUNT"] == Decimal("119.98")
    assert first["CURRENCY"] == "USD"
    assert first["BUSINESS_DATE"] == NEW_YORK_DAY
    assert first["EVENT_TS_UTC"].isoformat() == "2026-11-30T14:15:02.123000"
    assert first["KINESIS_SEQUENCE_NUMBER"].endswith("1")
    assert len(first["CONTENT_HASH"]) == 64
    assert pipeline.rejected() == []

    gold = pipeline.gold()[(NEW_YORK_DAY, "S001")]
    assert gold["GROSS_SALES"] == Decimal("119.98") + Decimal("35.47")
    assert gold["REFUNDS"] == Decimal("5.00")
    assert gold["NET_SALES"] == Decimal("150.45")
    assert gold["TRANSACTIONS"] == 2
    assert gold["UNITS"] == 6
    assert gold["AVG_BASKET"] == Decimal("77.73")  # 155.45 / 2, rounded

    inventory = pipeline.inventory()
    assert inventory[("S001", "P001")]["UNITS_SOLD"] == 3
    assert (
        inventory[("S001", "P001")]["ON_HAND"] == inventory[("S001", "P001")]["INITIAL_STOCK"] - 3
    )
    assert inventory[("S001", "P006")]["UNITS_SOLD"] == 3

    log = pipeline.run_log(PROCESS_RAW_POS)
    assert [
        (
            r["STATUS"],
            r["ROWS_READ"],
            r["ROWS_ACCEPTED"],
            r["ROWS_REJECTED"],
            r["ROWS_DUPLICATE"],
            r["ROWS_WRITTEN"],
        )
        for r in log
    ] == [("SUCCEEDED", 2, 2, 0, 0, 3)]
    # The other kinds' procedures run on the same Bronze rows and find nothing of theirs.
    assert {row["PROCEDURE_NAME"] for row in pipeline.run_log()} == {
        "SILVER.PROCESS_RAW_POS",
        "SILVER.UPDATE_INVENTORY",
        "GOLD.UPDATE_DAILY_SUMMARY",
        "SILVER.PROCESS_RAW_CLICKSTREAM",
        "SILVER.PROCESS_RAW_IOT",
        "SILVER.PROCESS_RAW_APP_LOG",
        "SILVER.PROCESS_RAW_CDC",
        "SILVER.PROCESS_RAW_UNCLASSIFIED",
    }
    others = [
        row
        for row in pipeline.run_log()
        if row["PROCEDURE_NAME"].startswith("SILVER.PROCESS_RAW_")
        and row["PROCEDURE_NAME"] != "SILVER.PROCESS_RAW_POS"
    ]
    assert {(row["STATUS"], row["ROWS_READ"]) for row in others} == {("SUCCEEDED", 0)}
    assert all(count == 0 for count in pipeline.backlog().values())
    assert all(count == 0 for count in pipeline.snapshot()["work"].values())


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(event: dict[str, Any]) -> None:
        target: Any = event
        *parents, last = path.split(".")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is _DELETE:
            del target[last]
        else:
            target[last] = value

    return mutate


_DELETE = object()


def _with_items(*items: tuple[str, str, int, bool]) -> Callable[[dict[str, Any]], None]:
    """Replace the lines and keep total_amount consistent with them."""

    def mutate(event: dict[str, Any]) -> None:
        rebuilt = sale(event["transaction_id"], items=items)
        event["items"], event["total_amount"] = rebuilt["items"], rebuilt["total_amount"]

    return mutate


# (rule, mutation of a valid sale, whether the transform's pos.v1 model also flags it)
SINGLE_RULE_CASES = [
    ("REQUIRED_FIELD_MISSING", _set("payment_method", _DELETE), True),
    ("INVALID_TYPE", _set("total_amount", "twelve"), True),
    ("TIMESTAMP_WITHOUT_OFFSET", _set("timestamp", "2026-11-30T09:15:02"), True),
    ("TIMESTAMP_IN_FUTURE", _set("timestamp", "2026-12-01T09:15:02+00:00"), False),
    ("ITEMS_EMPTY", _set("items", []), True),
    ("PRICE_NEGATIVE", _with_items(("P001", "59.99", 2, False), ("P002", "-1.00", 1, False)), True),
    (
        "QUANTITY_NOT_POSITIVE_INTEGER",
        _with_items(("P001", "59.99", 2, False), ("P002", "24.99", 0, False)),
        True,
    ),
    ("TOTAL_MISMATCH", _set("total_amount", Decimal("100.00")), False),
    (
        "REFUND_EXCEEDS_TOTAL",
        _set(
            "refund",
            {
                "refund_amount": Decimal("500.00"),
                "refund_method": "cash",
                "timestamp": "2026-11-30T10:00:00-05:00",
            },
        ),
        False,
    ),
    ("UNKNOWN_STORE", _set("store_id", "S999"), False),
    ("UNKNOWN_PRODUCT", _set("items.0.product_id", "P999"), False),
    ("UNKNOWN_PAYMENT_METHOD", _set("payment_method", "bitcoin"), False),
    ("CURRENCY_MISMATCH", _set("currency", "EUR"), False),
]


@pytest.mark.parametrize(
    ("rule", "mutate", "model_flags"), SINGLE_RULE_CASES, ids=[c[0] for c in SINGLE_RULE_CASES]
)
def test_each_rule_failing_alone(
    pipeline: Pipeline, rule: str, mutate: Callable[[dict[str, Any]], None], model_flags: bool
) -> None:
    bad = sale("BAD", items=(("P001", "59.99", 2, False),))
    mutate(bad)
    real = bronze_rows([bad])
    # The same record as if the transform had let it through: the SQL rule catches it alone.
    bypassed = forced_valid(bronze_rows([bad | {"transaction_id": "BAD-2"}]))
    pipeline.deliver([*real, *bypassed])

    assert pipeline.transactions() == set()
    rules_per_record = {
        row["TRANSACTION_ID"]: {r["rule_id"] for r in row["FAILED_RULES"]}
        for row in pipeline.rejected()
    }
    expected_real = {rule, "TRANSFORM_FLAGGED"} if model_flags else {rule}
    assert rules_per_record == {"BAD": expected_real, "BAD-2": {rule}}
    catalog = {row[0] for row in pipeline.query("SELECT RULE_ID FROM SILVER.DQ_RULE")}
    assert expected_real <= catalog
    for row in pipeline.rejected():
        assert all(
            failure["detail"] for failure in row["FAILED_RULES"]
        )  # a reason a person can read
        assert row["RECORD_CONTENT"]["payload"]["transaction_id"] == row["TRANSACTION_ID"]


def test_several_rules_fail_at_once_and_all_are_recorded(pipeline: Pipeline) -> None:
    bad = sale(
        "MANY",
        store_id="S999",
        payment_method="bitcoin",
        items=(("P999", "5.00", 1, False), ("P001", "-2.00", 1, False)),
        total="99.00",
    )
    pipeline.deliver(forced_valid(bronze_rows([bad])))
    [row] = pipeline.rejected()
    assert {(r["rule_id"], r["detail"]) for r in row["FAILED_RULES"]} == {
        ("UNKNOWN_STORE", "store_id S999"),
        ("UNKNOWN_PAYMENT_METHOD", "payment_method bitcoin"),
        ("UNKNOWN_PRODUCT", "items.0.product_id P999"),
        ("PRICE_NEGATIVE", "items.1.price = -2.00"),
        ("TOTAL_MISMATCH", "total_amount 99.00 <> sum of non-canceled lines 3.00"),
    }
    assert row["FAILED_RULE_COUNT"] == 5


def test_not_json_record_is_rejected_with_its_raw_text(pipeline: Pipeline) -> None:
    pipeline.deliver(bronze_rows([b"this is not json", b"[1, 2]"]))
    rows = pipeline.rejected()
    assert len(rows) == 2
    statuses = sorted(r["FAILED_RULES"][0]["detail"].split(";")[0] for r in rows)
    assert statuses == ["status=not_json", "status=not_object"]
    assert sorted(r["RECORD_CONTENT"]["raw"] for r in rows) == ["[1, 2]", "this is not json"]
    assert all(r["TRANSACTION_ID"] is None for r in rows)


def test_duplicates_inside_one_batch_are_no_ops(pipeline: Pipeline) -> None:
    shard = KinesisShard()
    original = shard.put(encode(sale("T1")))
    resent_by_pos = shard.put(encode(sale("T1")))  # same content, new Kinesis record
    rows = deliver([original, resent_by_pos, original])  # plus a Kinesis/Firehose redelivery
    pipeline.deliver(rows)
    assert [line["TRANSACTION_ID"] for line in pipeline.silver_lines()] == ["T1"]
    assert pipeline.rejected() == []
    [log] = pipeline.run_log(PROCESS_RAW_POS)
    assert (
        log["ROWS_READ"],
        log["ROWS_ACCEPTED"],
        log["ROWS_REJECTED"],
        log["ROWS_DUPLICATE"],
    ) == (3, 1, 0, 2)
    assert pipeline.inventory()[("S001", "P001")]["UNITS_SOLD"] == 2


def test_same_batch_delivered_twice_changes_nothing(pipeline: Pipeline) -> None:
    shard = KinesisShard()
    records = [
        shard.put(encode(sale("T1"))),
        shard.put(
            encode(sale("T2", store_id="S005", city="London", timestamp="2026-11-30T10:00:00Z"))
        ),
        shard.put(encode(sale("BAD", store_id="S999"))),
        shard.put(b"not json"),
    ]
    pipeline.deliver(deliver(records))
    before = pipeline.snapshot()
    pipeline.deliver(deliver(records))  # Firehose retried the whole batch
    assert pipeline.snapshot() == before
    second = pipeline.run_log(PROCESS_RAW_POS)[-1]
    assert (
        second["ROWS_READ"],
        second["ROWS_ACCEPTED"],
        second["ROWS_REJECTED"],
        second["ROWS_DUPLICATE"],
    ) == (4, 0, 0, 4)


def test_same_transaction_id_with_different_content_is_rejected_and_first_stays(
    pipeline: Pipeline,
) -> None:
    pipeline.deliver(bronze_rows([sale("T1", items=(("P001", "59.99", 1, False),))]))
    changed = sale("T1", items=(("P001", "59.99", 3, False),))
    pipeline.deliver(bronze_rows([changed]))
    pipeline.deliver(bronze_rows([changed]))  # the conflicting record redelivered: rejected once
    assert [line["QUANTITY"] for line in pipeline.silver_lines()] == [1]
    assert pipeline.rejected_rule_ids() == [{"TRANSACTION_ID_CONFLICT"}]


def test_conflict_inside_one_batch_keeps_the_first_arrival(pipeline: Pipeline) -> None:
    pipeline.deliver(
        bronze_rows([sale("T1", payment_method="cash"), sale("T1", payment_method="gift_card")])
    )
    assert {line["PAYMENT_METHOD"] for line in pipeline.silver_lines()} == {"cash"}
    assert pipeline.rejected_rule_ids() == [{"TRANSACTION_ID_CONFLICT"}]


def test_late_event_adds_to_its_own_earlier_business_date(pipeline: Pipeline) -> None:
    pipeline.deliver(bronze_rows([sale("TODAY")]))
    late = sale("LATE", timestamp="2026-11-27T18:00:00-05:00", items=(("P003", "79.00", 1, False),))
    pipeline.deliver(bronze_rows([late]))
    gold = pipeline.gold()
    assert gold[(date(2026, 11, 27), "S001")]["GROSS_SALES"] == Decimal("79.00")
    assert gold[(NEW_YORK_DAY, "S001")]["GROSS_SALES"] == Decimal("119.98")
    pipeline.deliver(
        bronze_rows(
            [
                sale(
                    "LATE-2",
                    timestamp="2026-11-27T19:00:00-05:00",
                    items=(("P003", "79.00", 2, False),),
                )
            ]
        )
    )
    day = pipeline.gold()[(date(2026, 11, 27), "S001")]
    assert (day["GROSS_SALES"], day["TRANSACTIONS"], day["UNITS"], day["AVG_BASKET"]) == (
        Decimal("237.00"),
        2,
        3,
        Decimal("118.50"),
    )


def test_refunds_and_canceled_lines(pipeline: Pipeline) -> None:
    event = sale(
        "R1",
        items=(("P001", "10.00", 2, False), ("P002", "24.99", 1, True), ("P008", "2.99", 1, False)),
        refund="4.50",
    )
    pipeline.deliver(bronze_rows([event]))
    lines = pipeline.silver_lines()
    assert [(line["LINE_NUMBER"], line["CANCELED"]) for line in lines] == [
        (1, False),
        (2, True),
        (3, False),
    ]
    assert {line["TOTAL_AMOUNT"] for line in lines} == {Decimal("22.99")}  # repeated, counted once
    gold = pipeline.gold()[(NEW_YORK_DAY, "S001")]
    assert (gold["GROSS_SALES"], gold["REFUNDS"], gold["NET_SALES"]) == (
        Decimal("22.99"),
        Decimal("4.50"),
        Decimal("18.49"),
    )
    assert (gold["TRANSACTIONS"], gold["UNITS"], gold["CANCELED_LINES"]) == (1, 3, 1)
    inventory = pipeline.inventory()
    assert inventory[("S001", "P002")]["UNITS_SOLD"] == 0  # canceled: no stock moved
    assert inventory[("S001", "P001")]["UNITS_SOLD"] == 2


def test_unknown_product_is_rejected_with_the_product_named(pipeline: Pipeline) -> None:
    pipeline.deliver(
        bronze_rows([sale("U1", items=(("P001", "59.99", 1, False), ("P404", "1.00", 1, False)))])
    )
    [row] = pipeline.rejected()
    assert row["FAILED_RULES"] == [
        {"rule_id": "UNKNOWN_PRODUCT", "detail": "items.1.product_id P404"}
    ]
    assert pipeline.silver_lines() == []
    assert pipeline.inventory()[("S001", "P001")]["UNITS_SOLD"] == 0  # whole transaction or nothing


@pytest.mark.parametrize(
    ("store_id", "city", "timestamp", "business_date"),
    [
        ("S007", "Tokyo", "2026-11-30T00:30:00+09:00", date(2026, 11, 30)),  # 2026-11-29 15:30 UTC
        ("S007", "Tokyo", "2026-11-29T15:30:00Z", date(2026, 11, 30)),  # same instant, sent in UTC
        ("S003", "Los Angeles", "2026-11-29T23:45:00-08:00", date(2026, 11, 29)),  # 2026-11-30 UTC
        ("S008", "Sydney", "2026-11-30T23:59:59.999+11:00", date(2026, 11, 30)),
    ],
)
def test_business_date_is_the_store_local_date_near_midnight(
    pipeline: Pipeline, store_id: str, city: str, timestamp: str, business_date: date
) -> None:
    pipeline.deliver(bronze_rows([sale("TZ", store_id=store_id, city=city, timestamp=timestamp)]))
    [line] = pipeline.silver_lines()
    assert line["BUSINESS_DATE"] == business_date
    assert list(pipeline.gold()) == [(business_date, store_id)]


def test_unknown_extra_fields_are_kept_and_do_not_reject(pipeline: Pipeline) -> None:
    event = sale("X1", loyalty_id="L-77", register_id="R3", cashier_id="C9", currency="USD")
    pipeline.deliver(bronze_rows([event]))
    [line] = pipeline.silver_lines()
    assert (line["REGISTER_ID"], line["CASHIER_ID"]) == ("R3", "C9")
    content = orjson.loads(pipeline.query("SELECT RECORD_CONTENT FROM BRONZE.JSON_RAW_DATA")[0][0])
    assert content["payload"]["loyalty_id"] == "L-77"
