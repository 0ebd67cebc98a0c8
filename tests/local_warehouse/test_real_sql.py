"""The project's own snowflake/ scripts, unchanged, on the runner: apply, load, run, replay,
and dashboards reading through the Snowflake connector from the served warehouse."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import snowflake.connector

from local.warehouse import LocalWarehouse
from tests.local_warehouse.conftest import query

SNOWFLAKE_SQL = Path(__file__).parents[2] / "snowflake"
pytestmark = pytest.mark.slow


def pos_record(number: int, store_id: str = "S001") -> tuple[str, str]:
    """A valid pos.v1 sale in the transform's Bronze envelope (docs/contracts.md)."""
    now = datetime.now(UTC)
    items = [
        {"product_id": f"P{number % 40 + 1:03d}", "price": 2.5, "quantity": 2, "canceled": False},
        {"product_id": "P002", "price": 1.0, "quantity": 1, "canceled": False},
    ]
    payload = {
        "store_id": store_id,
        "city": "New York",
        "transaction_id": f"TX-{number:06d}",
        "timestamp": now.isoformat(),
        "items": items,
        "total_amount": 6.0,
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
        assert runs[0].name == "POS_DB.SILVER.PROCESS_RAW_POS_TASK"
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
        with pipeline.fail_statement("SILVER.PROCESS_RAW_POS", 4):
            runs = pipeline.run_until_idle()
        assert [run.state for run in runs] == ["FAILED"]
        assert query(pipeline, "SELECT COUNT(*) FROM SILVER.RETAIL_POS_PROCESSED") == [(0,)]
        assert pipeline.stream_backlog("BRONZE.JSON_RAW_DATA_STREAM") == 5
        statuses = query(pipeline, "SELECT STATUS FROM OPS.PIPELINE_RUN_LOG")
        assert statuses == [("FAILED",)]
        assert all(run.state == "SUCCEEDED" for run in pipeline.run_until_idle())
        assert query(pipeline, "SELECT COUNT(*) FROM SILVER.RETAIL_POS_PROCESSED") == [(10,)]
    finally:
        pipeline.close()


def test_served_warehouse_answers_the_snowflake_connector(pipeline: LocalWarehouse) -> None:
    try:
        pipeline.load_bronze([pos_record(n) for n in range(3)])
        pipeline.run_until_idle()
        host, port = pipeline.serve()
        connection = snowflake.connector.connect(
            user="local",
            password="local",
            account="local",
            host=host,
            port=port,
            protocol="http",
            database="POS_DB",
            session_parameters={"CLIENT_OUT_OF_BAND_TELEMETRY_ENABLED": False},
            network_timeout=10,
        )
        try:
            cursor = connection.cursor()
            cursor.execute("SELECT SUM(TRANSACTIONS) FROM GOLD.DAILY_SALES_SUMMARY")
            assert cursor.fetchone()[0] == 3
            cursor.execute("SELECT SYSTEM$STREAM_HAS_DATA('BRONZE.JSON_RAW_DATA_STREAM')")
            assert cursor.fetchone()[0] is False
        finally:
            connection.close()
    finally:
        pipeline.close()
