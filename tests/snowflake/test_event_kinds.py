"""The stream's other kinds through the real transform and the deployed SQL: each kind lands in its
own Silver table or its own dead letter with every failed rule, never in the sales' tables; replays
change nothing; a failure mid-run leaves no trace; CDC converges to the source's state whatever
the delivery order; records of no known kind are dead-lettered apart."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

import orjson
import pytest

from tests.snowflake.backends import local_only
from tests.snowflake.bronze import KinesisShard, bronze_rows, sale
from tests.snowflake.pipeline import Pipeline
from tests.snowflake.test_atomicity_and_invariants import transaction_bounds
from tests.transform.test_kinds import APP_LOG, CDC, CLICK, IOT

SILVER = {
    "clickstream": ("SILVER.CLICKSTREAM_EVENTS", "SILVER.CLICKSTREAM_REJECTED"),
    "iot": ("SILVER.IOT_READINGS", "SILVER.IOT_REJECTED"),
    "app_log": ("SILVER.APP_LOG_EVENTS", "SILVER.APP_LOG_REJECTED"),
    "cdc": ("SILVER.DIM_CHANGE_LOG", "SILVER.CDC_REJECTED"),
}
PROCEDURES = {
    "clickstream": "SILVER.PROCESS_RAW_CLICKSTREAM",
    "iot": "SILVER.PROCESS_RAW_IOT",
    "app_log": "SILVER.PROCESS_RAW_APP_LOG",
    "cdc": "SILVER.PROCESS_RAW_CDC",
}


def count(pipeline: Pipeline, table: str) -> int:
    return int(pipeline.query(f"SELECT COUNT(*) FROM {table}")[0][0])


def rules_of(pipeline: Pipeline, table: str) -> list[set[str]]:
    rows = pipeline.query(f"SELECT FAILED_RULES FROM {table} ORDER BY KINESIS_SEQUENCE_NUMBER")
    return [{rule["rule_id"] for rule in orjson.loads(row[0])} for row in rows]


def product_change(op: str, product_id: str, lsn: int, price: float = 9.99) -> dict[str, Any]:
    row = {
        "product_id": product_id,
        "product_name": f"Product {product_id}",
        "category": "Seasonal",
        "list_price": price,
        "initial_stock": 50,
        "reorder_point": 5,
    }
    return {
        "schema_version": "cdc.v1",
        "op": op,
        "before": {"product_id": product_id} if op in ("u", "d") else None,
        "after": None if op == "d" else row,
        "source": {"table": "product", "lsn": lsn},
        "ts_ms": 1764493200000 + lsn,
    }


def dim_product(pipeline: Pipeline, product_id: str) -> tuple[Any, ...] | None:
    rows = pipeline.query(
        "SELECT PRODUCT_NAME, LIST_PRICE FROM SILVER.DIM_PRODUCT WHERE PRODUCT_ID = %s",
        [product_id],
    )
    return tuple(rows[0]) if rows else None


def every_kind_table(pipeline: Pipeline) -> dict[str, Any]:
    """Every table a kind's run can change, for 'nothing changed' assertions."""
    snapshot: dict[str, Any] = {}
    for landed, rejected in SILVER.values():
        snapshot[landed] = sorted(map(str, pipeline.query(f"SELECT CONTENT_HASH FROM {landed}")))
        snapshot[rejected] = sorted(
            map(str, pipeline.query(f"SELECT RECORD_HASH, FAILED_RULES FROM {rejected}"))
        )
    snapshot["dims"] = sorted(map(str, pipeline.query("SELECT * FROM SILVER.DIM_PRODUCT")))
    snapshot["stores"] = sorted(map(str, pipeline.query("SELECT * FROM SILVER.DIM_STORE")))
    snapshot["unclassified"] = count(pipeline, "SILVER.UNCLASSIFIED_REJECTED")
    for work in ("CLICKSTREAM_WORK", "IOT_WORK", "APP_LOG_WORK", "CDC_WORK", "EVENT_WORK_FAILURE"):
        snapshot[work] = count(pipeline, f"SILVER.{work}")
    return snapshot


def test_each_kind_lands_in_its_own_silver_table_and_none_is_a_bad_sale(pipeline: Pipeline) -> None:
    pipeline.deliver(bronze_rows([CLICK, IOT, APP_LOG, CDC, sale("T1")]))
    for landed, rejected in SILVER.values():
        assert (count(pipeline, landed), count(pipeline, rejected)) == (1, 0), landed
    assert pipeline.transactions() == {"T1"}
    assert pipeline.rejected() == []
    assert dim_product(pipeline, "P001") == ("Wireless Earbuds", Decimal("54.99"))
    runs = {row["PROCEDURE_NAME"]: row for row in pipeline.run_log()}
    for procedure in PROCEDURES.values():
        run = runs[procedure]
        assert (run["STATUS"], run["ROWS_READ"], run["ROWS_ACCEPTED"]) == ("SUCCEEDED", 1, 1)
    assert runs["SILVER.PROCESS_RAW_POS"]["ROWS_READ"] == 1  # the sale only


def test_bad_input_of_each_kind_is_rejected_in_its_kind_with_every_failed_rule(
    pipeline: Pipeline,
) -> None:
    truncated_click = orjson.dumps(CLICK)[:70]
    click_unknown_product = {**CLICK, "event_id": "E-9", "product_id": "P999"}
    click_view_without_product = {**CLICK, "event_id": "E-8", "event_type": "product_view",
                                  "product_id": None}  # fmt: skip
    click_wrong_type = {**CLICK, "event_id": "E-7", "timestamp": 1764493200}
    hot_fridge_wrong_unit = {**IOT, "measure": "fridge_temp_c", "value": 300.5, "unit": "count"}
    fractional_visitors_unknown_store = {**IOT, "value": 2.5, "store_id": "S999"}
    iot_missing = {key: value for key, value in IOT.items() if key != "sensor_id"}
    log_unknown_store = {**APP_LOG, "event_id": "L-9", "store_id": "S999"}
    log_not_utf8 = orjson.dumps(APP_LOG).replace(b"paper", b"pap\xe9r")
    cdc_row_invalid = {
        **product_change("c", "P050", 7),
        "after": {"product_id": "P050", "list_price": "cheap", "initial_stock": -1},
    }
    cdc_lsn_text = {**product_change("u", "P001", 8), "source": {"table": "product", "lsn": "8"}}
    pipeline.deliver(
        bronze_rows(
            [
                truncated_click,
                click_unknown_product,
                click_view_without_product,
                click_wrong_type,
                hot_fridge_wrong_unit,
                fractional_visitors_unknown_store,
                iot_missing,
                log_unknown_store,
                log_not_utf8,
                cdc_row_invalid,
                cdc_lsn_text,
            ]
        )
    )
    assert rules_of(pipeline, "SILVER.CLICKSTREAM_REJECTED") == [
        {"TRANSFORM_FLAGGED"},
        {"UNKNOWN_PRODUCT"},
        {"PRODUCT_REQUIRED"},
        {"TRANSFORM_FLAGGED"},
    ]
    assert rules_of(pipeline, "SILVER.IOT_REJECTED") == [
        {"VALUE_OUT_OF_RANGE", "UNIT_MISMATCH"},
        {"VALUE_OUT_OF_RANGE", "UNKNOWN_STORE"},
        {"TRANSFORM_FLAGGED"},
    ]
    assert rules_of(pipeline, "SILVER.APP_LOG_REJECTED") == [
        {"UNKNOWN_STORE"},
        {"TRANSFORM_FLAGGED"},
    ]
    assert rules_of(pipeline, "SILVER.CDC_REJECTED") == [{"CDC_ROW_INVALID"}, {"TRANSFORM_FLAGGED"}]
    details = pipeline.query("SELECT FAILED_RULES FROM SILVER.CDC_REJECTED WHERE ROW_KEY = 'P050'")
    columns = {rule["detail"].split(":")[0] for rule in orjson.loads(details[0][0])}
    assert columns == {
        "after.product_name",
        "after.category",
        "after.list_price",
        "after.initial_stock",
        "after.reorder_point",
    }
    for landed, _ in SILVER.values():
        assert count(pipeline, landed) == 0, landed
    assert pipeline.rejected() == []  # not one is a bad sale
    catalog = {row[0] for row in pipeline.query("SELECT RULE_ID FROM SILVER.DQ_RULE")}
    for _, rejected in SILVER.values():
        assert set().union(*rules_of(pipeline, rejected)) <= catalog, rejected
    assert dim_product(pipeline, "P050") is None


def test_replays_of_every_kind_change_nothing(pipeline: Pipeline) -> None:
    shard = KinesisShard()
    batch = [CLICK, {**CLICK, "event_id": "E-9", "product_id": "P999"}, IOT, APP_LOG, CDC,
             product_change("d", "P977", 3), b'{"schema_version":"weather.v1"}']  # fmt: skip
    pipeline.deliver(bronze_rows(batch, shard))
    before = every_kind_table(pipeline)
    runs = {row["PROCEDURE_NAME"]: row["RUN_ID"] for row in pipeline.run_log()}
    pipeline.deliver(bronze_rows(batch, shard))  # the same records sent again
    pipeline.deliver(bronze_rows(batch + batch))  # and twice within one run
    assert every_kind_table(pipeline) == before
    replayed = [row for row in pipeline.run_log() if row["RUN_ID"] not in runs.values()]
    for row in replayed:
        if row["PROCEDURE_NAME"] in PROCEDURES.values():
            assert row["ROWS_ACCEPTED"] == row["ROWS_REJECTED"] == 0, row
            assert row["ROWS_DUPLICATE"] == row["ROWS_READ"] > 0, row


def test_a_different_record_with_a_taken_business_key_is_rejected(pipeline: Pipeline) -> None:
    pipeline.deliver(bronze_rows([CLICK, APP_LOG, IOT]))
    pipeline.deliver(
        bronze_rows(
            [
                {**CLICK, "page": "/other"},
                {**APP_LOG, "message": "other"},
                {**IOT, "value": 15},
                {**CLICK, "event_id": "E-5"},
                {**CLICK, "event_id": "E-5", "page": "/again"},
            ]
        )
    )
    assert rules_of(pipeline, "SILVER.CLICKSTREAM_REJECTED") == [
        {"EVENT_ID_CONFLICT"},
        {"EVENT_ID_CONFLICT"},
    ]
    assert rules_of(pipeline, "SILVER.APP_LOG_REJECTED") == [{"EVENT_ID_CONFLICT"}]
    assert rules_of(pipeline, "SILVER.IOT_REJECTED") == [{"READING_CONFLICT"}]
    assert count(pipeline, "SILVER.CLICKSTREAM_EVENTS") == 2  # E-1 and the first E-5


CHANGES = [
    product_change("c", "P060", 100, 10.00),
    product_change("u", "P060", 110, 11.00),
    product_change("u", "P060", 120, 12.00),
    product_change("c", "P061", 130, 5.00),
    product_change("d", "P061", 140),
]


@pytest.mark.parametrize("order", [0, 7, 42, 101, 119], ids=lambda n: f"permutation-{n}")
def test_cdc_converges_to_the_source_state_whatever_the_delivery_order(
    pipeline: Pipeline, order: int
) -> None:
    events = list(itertools.permutations(CHANGES))[order]
    # One event per run (the worst interleaving), then a replay of everything in one run.
    for event in events:
        pipeline.deliver(bronze_rows([event]))
    pipeline.deliver(bronze_rows(list(events)))
    assert dim_product(pipeline, "P060") == ("Product P060", Decimal("12.00"))
    assert dim_product(pipeline, "P061") is None
    logged = pipeline.query("SELECT LSN FROM SILVER.DIM_CHANGE_LOG ORDER BY LSN")
    assert [row[0] for row in logged] == [100, 110, 120, 130, 140]  # every change once
    assert count(pipeline, "SILVER.CDC_REJECTED") == 0


def test_cdc_events_of_one_run_apply_in_log_order(pipeline: Pipeline) -> None:
    pipeline.deliver(bronze_rows(list(reversed(CHANGES))))
    assert dim_product(pipeline, "P060") == ("Product P060", Decimal("12.00"))
    assert dim_product(pipeline, "P061") is None
    outcomes = pipeline.query("SELECT LSN, OUTCOME FROM SILVER.DIM_CHANGE_LOG ORDER BY LSN")
    assert [tuple(row) for row in outcomes] == [
        (100, "APPLIED"),
        (110, "APPLIED"),
        (120, "APPLIED"),
        (130, "APPLIED"),
        (140, "APPLIED"),
    ]


def test_a_late_older_change_is_superseded_not_applied(pipeline: Pipeline) -> None:
    pipeline.deliver(bronze_rows([product_change("u", "P001", 500, 70.00)]))
    pipeline.deliver(bronze_rows([product_change("u", "P001", 400, 1.00)]))
    assert dim_product(pipeline, "P001") == ("Product P001", Decimal("70.00"))
    outcomes = pipeline.query("SELECT LSN, OUTCOME FROM SILVER.DIM_CHANGE_LOG ORDER BY LSN")
    assert [tuple(row) for row in outcomes] == [(400, "SUPERSEDED"), (500, "APPLIED")]


def test_a_delete_of_a_row_that_never_existed_is_logged_and_keeps_older_creates_out(
    pipeline: Pipeline,
) -> None:
    pipeline.deliver(bronze_rows([product_change("d", "P070", 300)]))
    assert dim_product(pipeline, "P070") is None
    assert count(pipeline, "SILVER.CDC_REJECTED") == 0
    outcome = pipeline.query("SELECT OUTCOME FROM SILVER.DIM_CHANGE_LOG WHERE ROW_KEY = 'P070'")
    assert outcome == [("DELETE_OF_ABSENT_ROW",)]
    # The create that preceded the delete at the source arrives late: the row stays deleted.
    pipeline.deliver(bronze_rows([product_change("c", "P070", 290)]))
    assert dim_product(pipeline, "P070") is None
    # A later create at the source brings it (back).
    pipeline.deliver(bronze_rows([product_change("c", "P070", 310)]))
    assert dim_product(pipeline, "P070") == ("Product P070", Decimal("9.99"))


def test_a_product_created_by_cdc_is_known_to_later_sales(pipeline: Pipeline) -> None:
    early = sale("T-EARLY", items=(("P080", "9.99", 1, False),))
    pipeline.deliver(bronze_rows([early]))
    assert pipeline.rejected_rule_ids() == [{"UNKNOWN_PRODUCT"}]  # before its product: rejected
    pipeline.deliver(bronze_rows([product_change("c", "P080", 900)]))
    # On the inventory at once, with its opening stock in every store (not the canary's); the
    # early sale, sent back by the automatic redrive now that its product exists, sold one.
    stock = {key: row["ON_HAND"] for key, row in pipeline.inventory().items() if key[1] == "P080"}
    assert len(stock) == 8 and sorted(stock.values()) == [49] + [50] * 7
    assert stock[("S001", "P080")] == 49
    assert pipeline.transactions() == {"T-EARLY"} and pipeline.rejected_rule_ids() == []
    pipeline.deliver(bronze_rows([sale("T-LATE", items=(("P080", "9.99", 1, False),))]))
    assert pipeline.transactions() == {"T-EARLY", "T-LATE"}
    assert pipeline.inventory()[("S001", "P080")]["ON_HAND"] == 48  # from the CDC row's stock


def test_records_of_no_known_kind_are_dead_lettered_apart(pipeline: Pipeline) -> None:
    unknown = [b'{"schema_version":"weather.v1","t":3}', b'{"hello":"world"}',
               orjson.dumps({**CLICK, "schema_version": 7})]  # fmt: skip
    pipeline.deliver(bronze_rows([*unknown, *unknown]))
    rows = pipeline.query("SELECT SCHEMA_TAG, FAILED_RULES FROM SILVER.UNCLASSIFIED_REJECTED")
    assert len(rows) == 3  # each distinct record once
    assert {tag for tag, _ in rows} == {"unknown"}
    assert all(orjson.loads(rules)[0]["rule_id"] == "UNKNOWN_KIND" for _, rules in rows)
    assert pipeline.rejected() == []
    for landed, rejected in SILVER.values():
        assert count(pipeline, landed) + count(pipeline, rejected) == 0


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(PROCEDURES))
def test_a_failure_at_any_statement_leaves_no_trace_and_the_next_run_completes(
    pipeline: Pipeline, kind: str
) -> None:
    local_only("failure injection at a statement needs the local warehouse")
    procedure = PROCEDURES[kind]
    [(begin, commit)] = transaction_bounds(f"R__proc_silver_process_raw_{kind}.sql")
    for statement in range(begin, commit + 1):
        batch = _fresh_batch(kind, statement)  # new content each time: every statement has work
        pipeline.load(bronze_rows(batch))
        before = every_kind_table(pipeline)
        stream = f"BRONZE.JSON_RAW_DATA_{kind.upper()}_STREAM"
        waiting = pipeline.backend.stream_backlog(stream)
        connection = pipeline.connect()
        try:
            with (
                pipeline.fail_statement(procedure, statement),
                pytest.raises(Exception, match="injected failure"),
            ):
                connection.cursor().execute(f"CALL {procedure}()")
        finally:
            connection.close()
        assert every_kind_table(pipeline) == before, statement
        assert pipeline.backend.stream_backlog(stream) == waiting, statement
        assert pipeline.run_log(procedure)[-1]["STATUS"] == "FAILED"
        pipeline.run()
    landed, rejected = SILVER[kind]
    # Every run that failed was completed by the next: each batch landed or was rejected once.
    assert count(pipeline, landed) + count(pipeline, rejected) == (commit - begin + 1) * 2


def _fresh_batch(kind: str, n: int) -> list[dict[str, Any]]:
    """One good and one bad record of ``kind``, distinct for each ``n``."""
    if kind == "clickstream":
        return [
            {**CLICK, "event_id": f"E-{n}"},
            {**CLICK, "event_id": f"X-{n}", "product_id": "P999"},
        ]
    if kind == "iot":
        stamp = f"2026-11-30T09:{n:02d}:00Z"
        return [
            {**IOT, "timestamp": stamp},
            {**IOT, "timestamp": stamp, "sensor_id": "D2", "value": -3},
        ]
    if kind == "app_log":
        return [
            {**APP_LOG, "event_id": f"L-{n}"},
            {**APP_LOG, "event_id": f"Y-{n}", "store_id": "S999"},
        ]
    return [product_change("c", f"P{100 + n}", 10 * n), product_change("d", "P001", 10 * n + 5)]
