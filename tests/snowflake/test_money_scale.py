"""A money amount with more decimals than its currency's minor unit (SILVER.DIM_CURRENCY) is
rejected with AMOUNT_SCALE_NOT_ALLOWED, never rounded into Silver: through the real transform and
the local warehouse."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.snowflake.bronze import bronze_rows, forced_valid, sale
from tests.snowflake.pipeline import PROCESS_RAW_POS, Pipeline

RULE = "AMOUNT_SCALE_NOT_ALLOWED"
KUWAIT = ("S901", "Kuwait City")


def _rules(row: dict[str, Any]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for failure in row["FAILED_RULES"]:
        found.setdefault(failure["rule_id"], []).append(failure["detail"])
    return found


def _add_kuwait_store(pipeline: Pipeline) -> None:
    """A store in a three-decimal currency (the seed has none): data, not schema, so a test may."""
    pipeline.query(
        "INSERT INTO SILVER.DIM_STORE (STORE_ID, CITY, TIME_ZONE, COUNTRY, CURRENCY, OPENED_ON) "
        "SELECT 'S901', 'Kuwait City', 'Asia/Kuwait', 'KW', 'KWD', '2026-01-01'::DATE"
    )


def test_usd_price_with_three_decimals_is_rejected_not_rounded(pipeline: Pipeline) -> None:
    # 2 x 12.345 = 24.690: the total is exact for USD, the price is not.
    pipeline.deliver(bronze_rows([sale("USD-3DP", items=(("P001", "12.345", 2, False),))]))

    assert pipeline.silver_lines() == []  # not 12.35 in Silver
    [row] = pipeline.rejected()
    assert _rules(row) == {
        RULE: ["items.0.price = 12.345: more than 2 decimals (USD minor unit 2)"]
    }
    [log] = pipeline.run_log(PROCESS_RAW_POS)
    assert (log["ROWS_ACCEPTED"], log["ROWS_REJECTED"]) == (0, 1)
    catalog = dict(pipeline.query("SELECT RULE_ID, SCOPE FROM SILVER.DQ_RULE"))
    assert catalog[RULE] == "TRANSACTION"


def test_yen_allows_no_decimals(pipeline: Pipeline) -> None:
    tokyo: dict[str, Any] = {
        "store_id": "S007",
        "city": "Tokyo",
        "timestamp": "2026-11-30T12:00:00+09:00",
    }
    pipeline.deliver(
        bronze_rows(
            [
                sale("JPY-100", items=(("P001", "100", 1, False),), **tokyo),
                sale("JPY-100.0", items=(("P006", "100.0", 1, False),), **tokyo),
                sale("JPY-100.5", items=(("P001", "100.5", 1, False),), **tokyo),
            ]
        )
    )

    # 100.0 has a decimal point but no fraction: the amount is whole yen.
    assert {(line["TRANSACTION_ID"], line["UNIT_PRICE"]) for line in pipeline.silver_lines()} == {
        ("JPY-100", Decimal("100")),
        ("JPY-100.0", Decimal("100")),
    }
    [row] = pipeline.rejected()
    assert row["TRANSACTION_ID"] == "JPY-100.5"
    assert _rules(row) == {
        RULE: [
            "items.0.price = 100.5: more than 0 decimals (JPY minor unit 0)",
            "total_amount = 100.5: more than 0 decimals (JPY minor unit 0)",
        ]
    }
    [(day, store)] = pipeline.gold()
    assert store == "S007" and pipeline.gold()[(day, store)]["GROSS_SALES"] == Decimal("200")


def test_kuwaiti_dinar_three_decimals_never_round_into_two_decimal_silver(
    pipeline: Pipeline,
) -> None:
    """KWD's minor unit is 3, but Silver's money columns are NUMBER(12,2) and Snowflake cannot
    change a column's scale: 1.230 is accepted (exactly 1.23), 1.234 is rejected, not rounded."""
    _add_kuwait_store(pipeline)
    store: dict[str, Any] = {
        "store_id": KUWAIT[0],
        "city": KUWAIT[1],
        "timestamp": "2026-11-30T12:00:00+03:00",
    }
    pipeline.deliver(
        bronze_rows(
            [
                sale("KWD-1.230", items=(("P001", "1.230", 1, False),), **store),
                sale("KWD-1.234", items=(("P001", "1.234", 1, False),), **store),
            ]
        )
    )

    [line] = pipeline.silver_lines()
    assert (line["TRANSACTION_ID"], line["UNIT_PRICE"], line["CURRENCY"]) == (
        "KWD-1.230",
        Decimal("1.23"),
        "KWD",
    )
    [row] = pipeline.rejected()
    assert row["TRANSACTION_ID"] == "KWD-1.234"
    assert _rules(row)[RULE][0] == (
        "items.0.price = 1.234: more than 2 decimals "
        "(KWD minor unit 3; Silver money columns hold 2)"
    )


def test_refund_and_unknown_store_amounts_are_checked_too(pipeline: Pipeline) -> None:
    refund = sale("REFUND-3DP", items=(("P001", "10.00", 1, False),), refund="1.005")
    # An unknown store's currency comes from the sale itself (JPY here).
    stray = sale("STRAY-JPY", store_id="S999", currency="JPY", items=(("P001", "100.5", 1, False),))
    pipeline.deliver(forced_valid(bronze_rows([refund, stray])))

    rules = {row["TRANSACTION_ID"]: _rules(row) for row in pipeline.rejected()}
    assert rules["REFUND-3DP"] == {
        RULE: ["refund.refund_amount = 1.005: more than 2 decimals (USD minor unit 2)"]
    }
    assert rules["STRAY-JPY"][RULE] == [
        "items.0.price = 100.5: more than 0 decimals (JPY minor unit 0)",
        "total_amount = 100.5: more than 0 decimals (JPY minor unit 0)",
    ]
    assert "UNKNOWN_STORE" in rules["STRAY-JPY"]


def test_an_amount_too_large_for_silver_is_invalid_type_not_a_scale_failure(
    pipeline: Pipeline,
) -> None:
    # Rounded to 2 decimals it would no longer fit NUMBER(12,2): a type problem first.
    huge = sale("HUGE", items=(("P001", "9999999999.999", 1, False),))
    pipeline.deliver(forced_valid(bronze_rows([huge])))
    [row] = pipeline.rejected()
    rules = _rules(row)
    assert "items.0.price: not a NUMBER(12,2)" in rules["INVALID_TYPE"]
    assert RULE not in rules
