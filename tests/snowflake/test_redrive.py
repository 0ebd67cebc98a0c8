"""Dead-letter redrive (SILVER.REDRIVE_REJECTED): sales rejected for a product missing from
DIM_PRODUCT, sent back once the product exists, end exactly where they would have been had the
product existed from the start (Silver, REJECTED, INVENTORY, Gold, transaction keys); those that
still fail stay with today's reasons; the audit trail keeps the original rejection and every
attempt; a second redrive changes nothing; the automatic redrive does the same when the dimension
row arrives.

The tests add a dimension row, which the real-account tier's reset does not undo: local only.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from snowflake.connector.errors import ProgrammingError

from lambdas.snowflake_monitor.health import DeadLetterHealth, compute_health
from lambdas.snowflake_monitor.metrics import metric_data
from local.warehouse import LocalWarehouse
from tests.snowflake.backends import LocalBackend, local_only
from tests.snowflake.bronze import BronzeRow, bronze_rows, sale
from tests.snowflake.pipeline import Pipeline

NEW_PRODUCT = "P900"
ADD_PRODUCT = (
    "INSERT INTO SILVER.DIM_PRODUCT (PRODUCT_ID, PRODUCT_NAME, CATEGORY, LIST_PRICE, INITIAL_STOCK,"
    f" REORDER_POINT) VALUES ('{NEW_PRODUCT}', 'Travel Pillow', 'Home', 12.50, 80, 16)"
)
REDRIVE = "CALL SILVER.REDRIVE_REJECTED(%s, %s::TIMESTAMP_TZ, %s)"


def scenario_rows() -> list[BronzeRow]:
    """Six sales: two good ones, three that need the new product (one of them also totals
    wrong, so it must still fail after the fix), one with an unknown payment method."""
    return bronze_rows(
        [
            sale("T-GOOD-1"),
            sale("T-NEW-1", items=((NEW_PRODUCT, "12.50", 2, False),)),
            sale(
                "T-NEW-2",
                store_id="S002",
                items=((NEW_PRODUCT, "12.50", 1, False), ("P002", "24.99", 1, False)),
            ),
            sale("T-NEW-BAD-TOTAL", items=((NEW_PRODUCT, "12.50", 1, False),), total="99.00"),
            sale("T-GOOD-2", store_id="S002", items=(("P003", "79.00", 1, False),)),
            sale("T-BITCOIN", payment_method="bitcoin"),
        ]
    )


@pytest.fixture
def twin(migrated_template: Path, tmp_path: Path) -> Iterator[Any]:
    """A second deployed warehouse, for the run where the product existed from the start."""

    def open_copy(name: str) -> Pipeline:
        db_dir = tmp_path / name / "warehouse"
        shutil.copytree(migrated_template, db_dir)
        backends.append(LocalBackend(LocalWarehouse(db_dir)))
        return Pipeline(backends[-1])

    backends: list[LocalBackend] = []
    try:
        yield open_copy
    finally:
        for backend in backends:
            backend.close()


def redrive(
    pipeline: Pipeline,
    rule_id: str | None,
    since: str | None = None,
    transaction_id: str | None = None,
) -> dict[str, Any]:
    [(answer,)] = pipeline.query(REDRIVE, (rule_id, since, transaction_id))
    return dict(orjson.loads(answer))


def placed(pipeline: Pipeline) -> dict[str, Any]:
    """Everything a redrive may change, without run ids and times."""
    snapshot = pipeline.snapshot()
    snapshot["inventory_rows"] = sorted(
        (key, row["INITIAL_STOCK"], row["UNITS_SOLD"], row["ON_HAND"], row["LAST_MOVEMENT_AT"])
        for key, row in pipeline.inventory().items()
    )
    return snapshot


def test_rejected_for_a_missing_product_then_redriven_equals_a_run_where_it_existed(
    pipeline: Pipeline, twin: Any
) -> None:
    local_only("adds a dimension row")
    rows = scenario_rows()
    pipeline.deliver(rows)
    assert pipeline.transactions() == {"T-GOOD-1", "T-GOOD-2"}
    assert len(pipeline.rejected()) == 4

    pipeline.query(ADD_PRODUCT)
    answer = redrive(pipeline, "UNKNOWN_PRODUCT")
    assert answer["records_sent"] == 3
    # They left the dead letter in the redrive's transaction; PROCESS_RAW_POS has them now.
    assert {row["TRANSACTION_ID"] for row in pipeline.rejected()} == {"T-BITCOIN"}
    pipeline.run()

    existed = twin("product-existed")
    existed.query(ADD_PRODUCT)
    existed.deliver(rows)
    assert (
        pipeline.transactions()
        == existed.transactions()
        == {"T-GOOD-1", "T-GOOD-2", "T-NEW-1", "T-NEW-2"}
    )
    assert placed(pipeline) == placed(existed)
    # The one that totals wrong is still rejected, with today's reasons only.
    rejected = {row["TRANSACTION_ID"]: row for row in pipeline.rejected()}
    assert {rule["rule_id"] for rule in rejected["T-NEW-BAD-TOTAL"]["FAILED_RULES"]} == {
        "TOTAL_MISMATCH"
    }
    assert pipeline.inventory()[("S001", NEW_PRODUCT)]["UNITS_SOLD"] == 2


def test_the_audit_trail_keeps_the_original_rejection_and_every_attempt(
    pipeline: Pipeline,
) -> None:
    local_only("adds a dimension row")
    pipeline.deliver(scenario_rows())
    original = {row["TRANSACTION_ID"]: row for row in pipeline.rejected()}

    first = redrive(pipeline, "UNKNOWN_PRODUCT")  # product still missing: all three fail again
    pipeline.run()
    pipeline.query(ADD_PRODUCT)
    second = redrive(pipeline, "UNKNOWN_PRODUCT")
    pipeline.run()

    requests = pipeline.query(
        "SELECT REDRIVE_ID, TRANSACTION_ID, FAILED_RULES, REJECTED_RUN_ID, TRIGGERED_BY,"
        " REQUESTED_RULE_ID FROM SILVER.RETAIL_POS_REDRIVE WHERE RECORD_CONTENT IS NOT NULL"
    )
    by_attempt = {(row[0], row[1]): row for row in requests}
    assert len(requests) == 6
    for transaction_id in ("T-NEW-1", "T-NEW-2", "T-NEW-BAD-TOTAL"):
        # The first attempt replaced the original rejection, kept as it was.
        first_request = by_attempt[(first["redrive_id"], transaction_id)]
        assert orjson.loads(first_request[2]) == original[transaction_id]["FAILED_RULES"]
        assert first_request[3] == original[transaction_id]["RUN_ID"]
        assert first_request[4:] == ("REQUEST", "UNKNOWN_PRODUCT")
    outcomes = {
        (row[0], row[1]): row[2:]
        for row in pipeline.query(
            "SELECT REDRIVE_ID, TRANSACTION_ID, OUTCOME, RUN_ID, FAILED_RULES"
            " FROM SILVER.RETAIL_POS_REDRIVE_OUTCOME"
        )
    }
    assert {key: value[0] for key, value in outcomes.items()} == {
        (first["redrive_id"], "T-NEW-1"): "REJECTED",
        (first["redrive_id"], "T-NEW-2"): "REJECTED",
        (first["redrive_id"], "T-NEW-BAD-TOTAL"): "REJECTED",
        (second["redrive_id"], "T-NEW-1"): "ACCEPTED",
        (second["redrive_id"], "T-NEW-2"): "ACCEPTED",
        (second["redrive_id"], "T-NEW-BAD-TOTAL"): "REJECTED",
    }
    # The pointer to the accepting run is the run that wrote the Silver rows.
    silver_runs = {row["TRANSACTION_ID"]: row["RUN_ID"] for row in pipeline.silver_lines()}
    assert outcomes[(second["redrive_id"], "T-NEW-1")][1] == silver_runs["T-NEW-1"]
    still = orjson.loads(outcomes[(second["redrive_id"], "T-NEW-BAD-TOTAL")][2])
    assert [rule["rule_id"] for rule in still] == ["TOTAL_MISMATCH"]


def test_a_second_redrive_changes_nothing(pipeline: Pipeline) -> None:
    local_only("adds a dimension row")
    pipeline.deliver(scenario_rows())
    pipeline.query(ADD_PRODUCT)
    redrive(pipeline, "UNKNOWN_PRODUCT")
    # Again before PROCESS_RAW_POS ran: those records are out of the dead letter, nothing is sent.
    assert redrive(pipeline, "UNKNOWN_PRODUCT")["records_sent"] == 0
    pipeline.run()
    after_first = placed(pipeline)

    # Again after: only the record that still fails is tried again, and it fails the same way.
    assert redrive(pipeline, "TOTAL_MISMATCH")["records_sent"] == 1
    assert redrive(pipeline, "UNKNOWN_PRODUCT")["records_sent"] == 0
    pipeline.run()
    assert placed(pipeline) == after_first


def test_selection_by_time_and_transaction_and_still_failing_records_stay(
    pipeline: Pipeline,
) -> None:
    pipeline.deliver(scenario_rows())
    before = placed(pipeline)
    assert redrive(pipeline, "UNKNOWN_PRODUCT", since="2999-01-01T00:00:00Z")["records_sent"] == 0
    answer = redrive(pipeline, "UNKNOWN_PRODUCT", transaction_id="T-NEW-2")
    assert answer["records_sent"] == 1
    pipeline.run()
    # The product is still missing: the record is back in REJECTED with the same reasons.
    assert placed(pipeline) == before
    [outcome] = pipeline.query(
        "SELECT TRANSACTION_ID, OUTCOME FROM SILVER.RETAIL_POS_REDRIVE_OUTCOME"
    )
    assert outcome == ("T-NEW-2", "REJECTED")


def test_an_unknown_rule_id_is_refused_and_nothing_moves(pipeline: Pipeline) -> None:
    pipeline.deliver(scenario_rows())
    before = placed(pipeline)
    with pytest.raises(ProgrammingError, match="unknown rule id"):
        redrive(pipeline, "NO_SUCH_RULE")
    assert placed(pipeline) == before
    assert pipeline.query("SELECT COUNT(*) FROM SILVER.RETAIL_POS_REDRIVE") == [(0,)]


def test_adding_the_product_sends_back_what_it_fixes_automatically(
    pipeline: Pipeline, twin: Any
) -> None:
    local_only("adds a dimension row")
    rows = scenario_rows()
    pipeline.deliver(rows)
    before = {row["TRANSACTION_ID"] for row in pipeline.rejected()}
    pipeline.query(ADD_PRODUCT)
    pipeline.run()  # the dimension stream wakes REDRIVE_FIXED_DIMENSIONS_TASK

    existed = twin("product-existed")
    existed.query(ADD_PRODUCT)
    existed.deliver(rows)
    # Only the records whose sole failures were the missing product moved: the one that also
    # totals wrong is not sent back automatically and keeps its original reasons.
    assert placed(pipeline)["silver"] == placed(existed)["silver"]
    assert placed(pipeline)["gold"] == placed(existed)["gold"]
    assert placed(pipeline)["inventory_rows"] == placed(existed)["inventory_rows"]
    still = {row["TRANSACTION_ID"]: row for row in pipeline.rejected()}
    assert before - set(still) == {"T-NEW-1", "T-NEW-2"}
    assert {rule["rule_id"] for rule in still["T-NEW-BAD-TOTAL"]["FAILED_RULES"]} == {
        "TOTAL_MISMATCH",
        "UNKNOWN_PRODUCT",
    }
    [(triggered,)] = pipeline.query("SELECT DISTINCT TRIGGERED_BY FROM SILVER.RETAIL_POS_REDRIVE")
    assert triggered == "DIMENSION"


def test_the_forecast_view_says_what_a_redrive_would_do(pipeline: Pipeline) -> None:
    local_only("adds a dimension row")
    pipeline.deliver(scenario_rows())

    def verdicts() -> dict[str, tuple[str, bool, list[str]]]:
        return {
            row[0]: (row[1], row[2], orjson.loads(row[3]))
            for row in pipeline.query(
                "SELECT TRANSACTION_ID, VERDICT, ONLY_DIMENSION_RULES, STILL_FAILING_RULES"
                " FROM SILVER.RETAIL_POS_REJECTED_REDRIVABLE"
            )
        }

    assert verdicts() == {
        "T-NEW-1": ("STILL_FAIL", True, ["UNKNOWN_PRODUCT"]),
        "T-NEW-2": ("STILL_FAIL", True, ["UNKNOWN_PRODUCT"]),
        "T-NEW-BAD-TOTAL": ("STILL_FAIL", False, ["TOTAL_MISMATCH", "UNKNOWN_PRODUCT"]),
        "T-BITCOIN": ("STILL_FAIL", True, ["UNKNOWN_PAYMENT_METHOD"]),
    }
    pipeline.query(ADD_PRODUCT)
    assert verdicts() == {
        "T-NEW-1": ("ACCEPT", True, []),
        "T-NEW-2": ("ACCEPT", True, []),
        "T-NEW-BAD-TOTAL": ("STILL_FAIL", False, ["TOTAL_MISMATCH"]),
        "T-BITCOIN": ("STILL_FAIL", True, ["UNKNOWN_PAYMENT_METHOD"]),
    }


def test_the_monitor_publishes_the_dead_letter_and_what_is_redrivable_now(
    pipeline: Pipeline,
) -> None:
    local_only("adds a dimension row")
    pipeline.deliver(scenario_rows())
    pipeline.query(ADD_PRODUCT)
    connection = pipeline.backend.connect_as(pipeline.backend.principals.monitor)
    try:
        report = compute_health(connection)
    finally:
        connection.close()
    assert report.dead_letter == DeadLetterHealth(
        records=4,
        redrivable=2,
        by_rule={
            "UNKNOWN_PRODUCT": {"records": 3, "redrivable": 2},
            "TOTAL_MISMATCH": {"records": 1, "redrivable": 0},
            "UNKNOWN_PAYMENT_METHOD": {"records": 1, "redrivable": 0},
        },
    )
    published = {
        datum["MetricName"]: datum["Value"]
        for datum in metric_data(report)
        if datum["MetricName"].startswith("DeadLetter")
    }
    assert published == {"DeadLetterRecords": 4.0, "DeadLetterRedrivable": 2.0}
