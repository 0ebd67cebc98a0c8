"""The project's own snowflake/ scripts, unchanged, on the runner: apply, load, run, replay,
and dashboards reading through the Snowflake connector from the served warehouse."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import snowflake.connector

from local.served_warehouse import connection_args
from local.warehouse import LocalWarehouse
from tests.local_warehouse.conftest import query

SNOWFLAKE_SQL = Path(__file__).parents[2] / "snowflake"
pytestmark = pytest.mark.slow


def pos_record(
    number: int, store_id: str = "S001", items: list[dict[str, object]] | None = None
) -> tuple[str, str]:
    """A valid pos.v1 sale in the transform's Bronze envelope (docs/contracts.md)."""
    now = datetime.now(UTC)
    if items is None:
        items = [
            {"product_id": f"P{number % 40 + 1:03d}", "price": 2.5, "quantity": 2},
            {"product_id": "P002", "price": 1.0, "quantity": 1},
        ]
    items = [{**item, "canceled": False} for item in items]
    payload = {
        "store_id": store_id,
        "city": "New York",
        "transaction_id": f"TX-{number:06d}",
        "timestamp": now.isoformat(),
        "items": items,
        "total_amount": sum(
            float(str(item.get("price", 0))) * float(str(item["quantity"])) for item in items
        ),
        "payment_method": "cash",
        "refund": None,
        "cancel_item": None,
    }
    sequence = f"{number:030d}"
    meta = {
        "schema": "pos.v1",
        "status": "valid",
        "errors": [],
        "transform": "1.0.0",
        "received_at": now.isoformat().replace("+00:00", "Z"),
        "record_id": f"rec-{number}",
        "kinesis": {
            "shard": "shardId-000000000000",
            "seq": sequence,
            "subseq": 0,
            "pk": store_id,
            "arrival_ms": int(now.timestamp() * 1000),
        },
    }
    metadata = {
        "kinesisStreamName": "pos-sales",
        "kinesisShardId": "shardId-000000000000",
        "kinesisPartitionKey": store_id,
        "kinesisSequenceNumber": sequence,
        "subsequenceNumber": 0,
        "IngestionTime": int(now.timestamp() * 1000),
    }
    return json.dumps({"payload": payload, "meta": meta}), json.dumps(metadata)


@pytest.fixture
def pipeline(tmp_path: Path) -> LocalWarehouse:
    if not any(SNOWFLAKE_SQL.glob("*.sql")):
        pytest.skip("snowflake/ has no scripts yet")
    warehouse = LocalWarehouse(tmp_path / "db")
    warehouse.apply_migrations(SNOWFLAKE_SQL)
    return warehouse


def test_batch_flows_to_silver_gold_and_inventory_and_replay_changes_nothing(
    pipeline: LocalWarehouse,
) -> None:
    try:
        batch = [pos_record(n) for n in range(20)]
        assert pipeline.load_bronze(batch) == 20
        runs = pipeline.run_until_idle()
        assert runs and all(run.state == "SUCCEEDED" for run in runs), runs
        # Every consumer of Bronze ran (the other kinds' find nothing of theirs here).
        assert "POS_DB.SILVER.PROCESS_RAW_POS_TASK" in {run.name for run in runs}
        # Whole rows where they carry no run time; counts where they do (processed/rejected at).
        snapshot_queries = [
            "SELECT COUNT(*) FROM SILVER.RETAIL_POS_PROCESSED",
            "SELECT COUNT(*) FROM SILVER.RETAIL_POS_REJECTED",
            "SELECT * EXCLUDE (UPDATED_AT) FROM SILVER.INVENTORY",
            "SELECT * EXCLUDE (LAST_UPDATED) FROM GOLD.DAILY_SALES_SUMMARY",
        ]

        def snapshot() -> list[list[str]]:
            return [sorted(map(repr, query(pipeline, sql))) for sql in snapshot_queries]

        assert query(pipeline, "SELECT COUNT(*) FROM SILVER.RETAIL_POS_PROCESSED") == [(40,)]
        assert query(pipeline, "SELECT COUNT(*) FROM SILVER.RETAIL_POS_REJECTED") == [(0,)]
        (net_sales,) = query(pipeline, "SELECT SUM(NET_SALES) FROM GOLD.DAILY_SALES_SUMMARY")[0]
        assert float(net_sales) == pytest.approx(20 * 6.0)
        before = snapshot()
        pipeline.load_bronze(batch)  # Firehose redelivers the whole batch
        assert all(run.state == "SUCCEEDED" for run in pipeline.run_until_idle())
        assert snapshot() == before
        for stream in (
            "BRONZE.JSON_RAW_DATA_STREAM",
            "SILVER.PROCESSED_FOR_INVENTORY_STREAM",
            "SILVER.PROCESSED_FOR_GOLD_STREAM",
        ):
            assert pipeline.stream_backlog(stream) == 0
    finally:
        pipeline.close()


def test_failure_mid_procedure_rolls_back_and_the_next_run_completes(
    pipeline: LocalWarehouse,
) -> None:
    try:
        pipeline.load_bronze([pos_record(n) for n in range(5)])
        # One round of the due tasks (the other kinds' tasks succeed in it, which would start
        # another round in run_until_idle, where the one-shot failure is spent).
        with pipeline.fail_statement("SILVER.PROCESS_RAW_POS", 4):
            runs = pipeline.run_due_tasks()
        pos_runs = [run for run in runs if run.name.endswith("PROCESS_RAW_POS_TASK")]
        assert [run.state for run in pos_runs] == ["FAILED"]
        assert query(pipeline, "SELECT COUNT(*) FROM SILVER.RETAIL_POS_PROCESSED") == [(0,)]
        assert pipeline.stream_backlog("BRONZE.JSON_RAW_DATA_STREAM") == 5
        statuses = query(
            pipeline,
            "SELECT STATUS FROM OPS.PIPELINE_RUN_LOG"
            " WHERE PROCEDURE_NAME = 'SILVER.PROCESS_RAW_POS'",
        )
        assert statuses == [("FAILED",)]
        assert all(run.state == "SUCCEEDED" for run in pipeline.run_until_idle())
        assert query(pipeline, "SELECT COUNT(*) FROM SILVER.RETAIL_POS_PROCESSED") == [(10,)]
    finally:
        pipeline.close()


def test_served_warehouse_answers_the_snowflake_connector(pipeline: LocalWarehouse) -> None:
    """The dashboards' and the monitor's logins: each user gets its default role and warehouse,
    and may read only what its role is granted."""
    try:
        pipeline.load_bronze([pos_record(n) for n in range(3)])
        pipeline.run_until_idle()
        host, port = pipeline.serve()

        def login(user: str) -> snowflake.connector.SnowflakeConnection:
            return snowflake.connector.connect(
                **connection_args(host, port, user),
                session_parameters={"CLIENT_OUT_OF_BAND_TELEMETRY_ENABLED": False},
            )

        dashboard = login(pipeline.principals.dashboard.user)
        monitor = login(pipeline.principals.monitor.user)
        try:
            cursor = dashboard.cursor()
            cursor.execute("SELECT SUM(TRANSACTIONS) FROM GOLD.DAILY_SALES_SUMMARY")
            assert cursor.fetchone()[0] == 3
            with pytest.raises(snowflake.connector.ProgrammingError) as refused:
                cursor.execute("SELECT SYSTEM$STREAM_HAS_DATA('BRONZE.JSON_RAW_DATA_STREAM')")
            assert refused.value.errno == 2003  # the dashboard role sees nothing in BRONZE
            cursor = monitor.cursor()
            cursor.execute("SELECT SYSTEM$STREAM_HAS_DATA('BRONZE.JSON_RAW_DATA_STREAM')")
            assert cursor.fetchone()[0] is False
        finally:
            dashboard.close()
            monitor.close()
    finally:
        pipeline.close()


def _five_items(number: int, missing_product_at: int | None = None) -> list[dict[str, object]]:
    """Five lines whose price is their line number (1.00 for items[0] ... 5.00 for items[4])."""
    items: list[dict[str, object]] = [
        {"product_id": f"P{(number + k) % 40 + 1:03d}", "price": k + 1.0, "quantity": 1}
        for k in range(5)
    ]
    if missing_product_at is not None:
        del items[missing_product_at]["product_id"]
    return items


def test_line_numbers_are_item_positions_and_the_same_on_every_run(tmp_path: Path) -> None:
    """LINE_NUMBER = FLATTEN INDEX + 1 must be the item's position (a DQ detail names the item by
    it), so two runs of the same input give the same lines."""
    records = [pos_record(n, items=_five_items(n)) for n in range(3_000)]
    records.append(pos_record(90_000, items=_five_items(90_000, missing_product_at=3)))
    results = []
    for run in ("first", "second"):
        warehouse = LocalWarehouse(tmp_path / run)
        try:
            warehouse.apply_migrations(SNOWFLAKE_SQL)
            warehouse.load_bronze(records)
            assert all(r.state == "SUCCEEDED" for r in warehouse.run_until_idle())
            lines = query(
                warehouse,
                "SELECT TRANSACTION_ID, LINE_NUMBER, PRODUCT_ID, UNIT_PRICE "
                "FROM SILVER.RETAIL_POS_PROCESSED ORDER BY TRANSACTION_ID, LINE_NUMBER",
            )
            rejected = query(
                warehouse, "SELECT TRANSACTION_ID, FAILED_RULES FROM SILVER.RETAIL_POS_REJECTED"
            )
        finally:
            warehouse.close()
        assert len(lines) == 3_000 * 5
        assert all(float(str(price)) == line_number for _, line_number, _, price in lines)
        assert [(tx, json.loads(str(rules))) for tx, rules in rejected] == [
            (
                "TX-090000",
                [{"rule_id": "REQUIRED_FIELD_MISSING", "detail": "items.3.product_id"}],
            )
        ]
        results.append(lines)
    assert results[0] == results[1]
