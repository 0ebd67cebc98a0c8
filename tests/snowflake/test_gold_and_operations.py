"""Gold's average basket is rounded once; the inventory seed is a MERGE; the backlog view stays
right after a stale stream is recreated; the monitor's backlog query survives an IngestionTime it
cannot read; search optimization is declared only where the edition has it."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from lambdas.snowflake_migrations.scripts import SqlVariables, discover
from lambdas.snowflake_monitor.queries import rows as monitor_rows
from tests.snowflake.bronze import bronze_rows, sale
from tests.snowflake.conftest import SQL_DIR
from tests.snowflake.pipeline import Pipeline

# Transactions of one store and day, straight into Silver (as PROCESS_RAW_POS would insert them).
SILVER_LINES = """
INSERT INTO SILVER.RETAIL_POS_PROCESSED (
    TRANSACTION_ID, LINE_NUMBER, LINE_COUNT, STORE_ID, CITY, CURRENCY, EVENT_TS, EVENT_TS_UTC,
    BUSINESS_DATE, PRODUCT_ID, UNIT_PRICE, QUANTITY, CANCELED, LINE_AMOUNT, PAYMENT_METHOD,
    TOTAL_AMOUNT, REFUND_AMOUNT, CONTENT_HASH, PROCESSED_AT, RUN_ID
)
SELECT
    '{prefix}' || n, 1, 1, 'S001', 'New York', 'USD', '2026-11-30T12:00:00-05:00'::TIMESTAMP_TZ,
    '2026-11-30 17:00:00'::TIMESTAMP_NTZ, '2026-11-30'::DATE, 'P001', IFF(n = 0, {first}, 1.00), 1,
    FALSE, IFF(n = 0, {first}, 1.00), 'cash', IFF(n = 0, {first}, 1.00), 0,
    SHA2('{prefix}' || n, 256), CURRENT_TIMESTAMP(), 'test'
FROM (SELECT SEQ4() AS n FROM TABLE(GENERATOR(ROWCOUNT => {count})))
"""


def test_average_basket_is_rounded_once(pipeline: Pipeline) -> None:
    """20,101.00 over 20,001 baskets is 1.0049997...: 1.00. Rounded first to 6 decimals
    (1.005000), as before, it came out 1.01."""
    pipeline.query(SILVER_LINES.format(prefix="A", first="101.00", count=10_001))
    pipeline.run()
    pipeline.query(SILVER_LINES.format(prefix="B", first="1.00", count=10_000))
    pipeline.run()

    [day] = pipeline.gold().values()
    assert (day["GROSS_SALES"], day["TRANSACTIONS"]) == (Decimal("20101.00"), 20_001)
    exact = (Decimal("20101.00") / 20_001).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert day["AVG_BASKET"] == exact == Decimal("1.00")


def test_inventory_seed_adds_new_pairs_and_leaves_sold_stock_alone(pipeline: Pipeline) -> None:
    pipeline.deliver(bronze_rows([sale("S1")]))
    pipeline.query(
        "INSERT INTO SILVER.DIM_PRODUCT (PRODUCT_ID, PRODUCT_NAME, CATEGORY, LIST_PRICE, "
        "INITIAL_STOCK, REORDER_POINT) SELECT 'P041', 'Umbrella', 'Apparel', 12.00, 80, 10"
    )
    _redeploy_inventory_seed(pipeline)
    inventory = pipeline.inventory()
    assert inventory[("S001", "P001")]["UNITS_SOLD"] == 2
    assert inventory[("S001", "P041")]["ON_HAND"] == 80
    assert len(inventory) == 8 * 41


def _redeploy_inventory_seed(pipeline: Pipeline) -> None:
    """What a deploy does with A__1 (an always-script, applied on every deploy by the deploy
    role, while the tasks may run)."""
    backend = pipeline.backend
    [script] = [
        s for s in discover(SQL_DIR, backend.variables) if s.name == "A__1_seed_inventory.sql"
    ]
    connection = backend.connect_as(backend.principals.deploy)
    try:
        for statement in script.statements():
            connection.cursor().execute(statement)
    finally:
        connection.close()


def _waiting(pipeline: Pipeline) -> dict[str, int]:
    return dict(pipeline.query("SELECT STREAM_NAME, ROWS_WAITING FROM OPS.STREAM_BACKLOG"))


def test_backlog_view_recovers_after_a_stale_stream_is_recreated(pipeline: Pipeline) -> None:
    pipeline.deliver(bronze_rows([sale(f"C{n}") for n in range(3)]))
    pipeline.load(bronze_rows([sale(f"W{n}") for n in range(2)]))
    assert (
        _waiting(pipeline)["BRONZE.JSON_RAW_DATA_STREAM"]
        == 2
        == pipeline.backlog()["BRONZE.JSON_RAW_DATA_STREAM"]
    )

    # The stream went stale and an operator recreated it as its owner, keeping its grants: its
    # offset now skips the 2 rows.
    backend = pipeline.backend
    deploy = backend.connect_as(backend.principals.deploy)
    try:
        deploy.cursor().execute(
            f"CREATE OR REPLACE STREAM {backend.variables.database}.BRONZE.JSON_RAW_DATA_STREAM "
            f"COPY GRANTS ON TABLE {backend.variables.database}.BRONZE.JSON_RAW_DATA "
            "APPEND_ONLY = TRUE"
        )
    finally:
        deploy.close()
    pipeline.deliver(bronze_rows([sale("AFTER")]))

    # Source rows minus rows consumed would say 2 for good; the next run's count says 0.
    assert _waiting(pipeline) == {
        "BRONZE.JSON_RAW_DATA_STREAM": 0,
        "SILVER.PROCESSED_FOR_INVENTORY_STREAM": 0,
        "SILVER.PROCESSED_FOR_GOLD_STREAM": 0,
    }


def test_monitor_backlog_counts_the_queue_and_survives_an_unreadable_ingestion_time(
    pipeline: Pipeline,
) -> None:
    [(content, _)] = bronze_rows([sale("M1")])
    rows = [
        (content, '{"IngestionTime": "1796029200000"}'),  # a number as a string
        (content, '{"IngestionTime": "2026-11-30T09:00:00Z"}'),  # not a number at all
    ]
    pipeline.load(rows)
    # A record PROCESS_RAW_POS has taken into its queue and not processed yet: it waits too.
    pipeline.query(
        "INSERT INTO SILVER.PROCESS_RAW_POS_QUEUE (QUEUE_SEQ, RECORD_CONTENT, RECORD_METADATA, "
        "RECORD_HASH, LEGACY_HASH, ENQUEUED_AT, RUN_ID) SELECT 1, NULL, "
        "PARSE_JSON('{\"IngestionTime\": 1796025600000}'), 'h', 'h', CURRENT_TIMESTAMP(), 'r'"
    )
    # As the health monitor's own user and role (lambdas/snowflake_monitor).
    connection = pipeline.backend.connect_as(pipeline.backend.principals.monitor)
    try:
        [backlog] = monitor_rows(connection, "backlog_bronze_raw", pipeline.backend.variables)
    finally:
        connection.close()
    assert backlog["ROWS_WAITING"] == 3
    assert backlog["OLDEST_WAITING_AT"].isoformat() == "2026-11-30T08:00:00"  # the queued one


def test_search_optimization_is_declared_only_when_the_edition_has_it(tmp_path: Path) -> None:
    def statements(enabled: str) -> list[str]:
        [script] = [
            script
            for script in discover(SQL_DIR, SqlVariables(search_optimization=enabled))
            if script.name == "R__silver_search_optimization.sql"
        ]
        return [" ".join(statement.split()) for statement in script.statements()]

    assert statements("true") == [
        "ALTER TABLE POS_DB.SILVER.RETAIL_POS_TRANSACTION_KEY "
        "ADD SEARCH OPTIMIZATION ON EQUALITY (TRANSACTION_ID)",
        "ALTER TABLE POS_DB.SILVER.RETAIL_POS_REJECTED "
        "ADD SEARCH OPTIMIZATION ON EQUALITY (RECORD_HASH)",
    ]
    assert statements("false") == []
