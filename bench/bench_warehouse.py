"""Benchmark of the local warehouse runner (prints figures; not a test).

1. Bulk Bronze load: rows/s of LocalWarehouse.load_bronze (one INSERT ... SELECT per batch).
2. Cost follows the batch, not the history: the task round for one 1,000-transaction batch
   (PROCESS_RAW_POS, then inventory and Gold) on top of 15k and of 1.5M Silver rows; the median
   of ``--repeats`` batches, for the round and for PROCESS_RAW_POS alone (the one whose dedupe
   lookups read history). Target: ratio <= 2.

Usage: .venv/bin/python -m bench.bench_warehouse [--history 15000 1500000] [--batch 1000]
       [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

from local.warehouse import LocalWarehouse

SNOWFLAKE_SQL = Path(__file__).parents[1] / "snowflake"
STORES = ["S001", "S002", "S003", "S004", "S005", "S006", "S007", "S008"]
CITIES = ["New York", "Chicago", "Los Angeles", "Seattle", "London", "Berlin", "Tokyo", "Sydney"]
YEN_STORE = "S007"
# Silver history in bulk, in Snowflake SQL (GENERATOR), 3 lines per transaction.
HISTORY_SQL = """
INSERT INTO SILVER.RETAIL_POS_PROCESSED (
    TRANSACTION_ID, LINE_NUMBER, LINE_COUNT, STORE_ID, CITY, CURRENCY, EVENT_TS, EVENT_TS_UTC,
    BUSINESS_DATE, PRODUCT_ID, UNIT_PRICE, QUANTITY, CANCELED, LINE_AMOUNT, PAYMENT_METHOD,
    TOTAL_AMOUNT, REFUND_AMOUNT, CONTENT_HASH, PROCESSED_AT, RUN_ID
)
SELECT
    'HIST-' || FLOOR(n / 3)::STRING,
    MOD(n, 3) + 1,
    3,
    'S00' || (MOD(FLOOR(n / 3), 8) + 1)::STRING,
    'History',
    'USD',
    DATEADD('minute', -n, CURRENT_TIMESTAMP()),
    DATEADD('minute', -n, CURRENT_TIMESTAMP())::TIMESTAMP_NTZ,
    DATEADD('minute', -n, CURRENT_TIMESTAMP())::DATE,
    'P0' || LPAD((MOD(n, 40) + 1)::STRING, 2, '0'),
    2.50,
    1,
    FALSE,
    2.50,
    'cash',
    7.50,
    0,
    SHA2('HIST-' || FLOOR(n / 3)::STRING, 256),
    CURRENT_TIMESTAMP(),
    'history'
FROM (SELECT SEQ4() AS n FROM TABLE(GENERATOR(ROWCOUNT => %(rows)s)))
"""
SILVER_STREAMS = ("PROCESSED_FOR_INVENTORY_STREAM", "PROCESSED_FOR_GOLD_STREAM")


def pos_rows(first: int, count: int) -> list[tuple[str, str]]:
    """``count`` valid 3-line sales in the Bronze envelope (docs/contracts.md)."""
    now = datetime.now(UTC)
    arrival_ms = int(now.timestamp() * 1000)
    rows = []
    for number in range(first, first + count):
        store = number % len(STORES)
        price = 250 if STORES[store] == YEN_STORE else 2.5  # yen has no decimals
        items = [
            {"product_id": f"P{(number + k) % 40 + 1:03d}", "price": price, "quantity": 1,
             "canceled": False}
            for k in range(3)
        ]  # fmt: skip
        payload = {
            "store_id": STORES[store], "city": CITIES[store], "transaction_id": f"TX-{number:08d}",
            "timestamp": now.isoformat(), "items": items, "total_amount": 3 * price,
            "payment_method": "cash", "refund": None, "cancel_item": None,
            "currency": "USD" if store < 4 else None,
        }  # fmt: skip
        sequence = f"{number:030d}"
        meta = {
            "schema": "pos.v1", "status": "valid", "errors": [], "transform": "1.0.0",
            "received_at": now.isoformat().replace("+00:00", "Z"), "record_id": f"r{number}",
            "kinesis": {"shard": "shardId-000000000000", "seq": sequence, "subseq": 0,
                        "pk": STORES[store], "arrival_ms": arrival_ms},
        }  # fmt: skip
        metadata = {
            "kinesisStreamName": "pos", "kinesisShardId": "shardId-000000000000",
            "kinesisPartitionKey": STORES[store], "kinesisSequenceNumber": sequence,
            "subsequenceNumber": 0, "IngestionTime": arrival_ms,
        }  # fmt: skip
        if payload["currency"] is None:
            del payload["currency"]
        rows.append((json.dumps({"payload": payload, "meta": meta}), json.dumps(metadata)))
    return rows


def bench_bulk_load(rows: int) -> float:
    with tempfile.TemporaryDirectory() as directory:
        warehouse = LocalWarehouse(Path(directory))
        try:
            warehouse.apply_migrations(SNOWFLAKE_SQL)
            batch = pos_rows(0, rows)
            started = time.perf_counter()
            loaded = warehouse.load_bronze(batch)
            elapsed = time.perf_counter() - started
        finally:
            warehouse.close()
    assert loaded == rows
    print(f"bulk Bronze load: {rows:,} rows in {elapsed:.2f} s = {rows / elapsed:,.0f} rows/s")
    return rows / elapsed


def bench_batch_on_history(history_rows: int, batch: int, repeats: int) -> tuple[float, float]:
    """Median seconds of a batch's task round and of its PROCESS_RAW_POS run."""
    rounds: list[float] = []
    intake: list[float] = []
    with tempfile.TemporaryDirectory() as directory:
        warehouse = LocalWarehouse(Path(directory))
        try:
            warehouse.apply_migrations(SNOWFLAKE_SQL)
            # As the deploy role, which owns Silver and its streams (and keeps their grants).
            cursor = warehouse.connect_as(warehouse.principals.deploy).cursor()
            started = time.perf_counter()
            cursor.execute(HISTORY_SQL, {"rows": history_rows})
            for stream in SILVER_STREAMS:  # history is not new change data for the consumers
                cursor.execute(
                    f"CREATE OR REPLACE STREAM SILVER.{stream} COPY GRANTS "
                    "ON TABLE SILVER.RETAIL_POS_PROCESSED APPEND_ONLY = TRUE"
                )
            built = time.perf_counter() - started
            # Warm-up batch (first CALLs parse and cache every statement), then the measured ones.
            warehouse.load_bronze(pos_rows(0, batch))
            started = time.perf_counter()
            warehouse.run_until_idle()
            cold = time.perf_counter() - started
            for repeat in range(1, repeats + 1):
                warehouse.load_bronze(pos_rows(repeat * batch, batch))
                started = time.perf_counter()
                runs = warehouse.run_until_idle()
                rounds.append(time.perf_counter() - started)
                failed = [run for run in runs if run.state != "SUCCEEDED"]
                assert not failed, failed
                intake.extend(
                    (run.finished_at - run.started_at).total_seconds()
                    for run in runs
                    if run.name.endswith("PROCESS_RAW_POS_TASK")
                )
            cursor.execute("SELECT COUNT(*) FROM SILVER.RETAIL_POS_REJECTED")
            assert cursor.fetchone() == (0,), "every benchmark sale must be accepted"
        finally:
            warehouse.close()
    round_s, intake_s = statistics.median(rounds), statistics.median(intake)
    print(
        f"history {history_rows:>9,} Silver rows (built in {built:.1f} s): "
        f"{batch:,}-transaction batch {round_s:.2f} s, PROCESS_RAW_POS {intake_s:.2f} s "
        f"(median of {repeats}: {', '.join(f'{r:.2f}' for r in rounds)}); "
        f"first batch (statements not yet cached) {cold:.2f} s"
    )
    return round_s, intake_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--load-rows", type=int, default=50_000)
    parser.add_argument("--history", type=int, nargs=2, default=[15_000, 1_500_000])
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="Arrow output on a DB-API result")
    bench_bulk_load(args.load_rows)
    (small, small_intake), (large, large_intake) = (
        bench_batch_on_history(rows, args.batch, args.repeats) for rows in args.history
    )
    ratio = large / small
    verdict = "OK" if ratio <= 2 else "ABOVE TARGET"
    small_rows, large_rows = args.history
    print(
        f"ratio {large_rows:,} vs {small_rows:,} history: round {ratio:.2f} "
        f"(target <= 2: {verdict}), PROCESS_RAW_POS {large_intake / small_intake:.2f}"
    )


if __name__ == "__main__":
    main()
