"""Every reconciliation check says no: break the state it guards in a real run's workdir, and
``python -m local reconcile`` exits 1, printing FAIL for exactly the checks that state breaks
(and OK for every other one). The healthy copy passes every check, so each failure is the
break's doing."""

from __future__ import annotations

import base64
import itertools
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from local.pipeline.ledger import ProduceLedger
from local.pipeline.produce import generator_options
from pos.local_commands import app
from producer.generator import DUPLICATE, VALID, SaleGenerator
from producer.kinesis_producer import PutResult
from tests.reconcile.conftest import (
    ALL_CHECKS,
    BAD_IN_REJECTED,
    FATE,
    GOLD,
    GOOD_IN_SILVER,
    INVENTORY,
    LOST,
    REJECTED_EXACT,
    RUN_LOG,
    SEED,
    SILVER_EXACT,
    STREAMS,
    WINDOWS,
    BaseRun,
    params_for,
    reconcile_cli,
)

pytestmark = pytest.mark.slow

Break = Callable[[Path, BaseRun], None]


def run_sql(workdir: Path, *statements: str) -> list[tuple[Any, ...]]:
    """Snowflake SQL on the workdir's warehouse; the last statement's rows."""
    from local.warehouse import LocalWarehouse

    with LocalWarehouse(workdir / "warehouse") as warehouse:
        cursor = warehouse.connect_as(warehouse.principals.admin).cursor()
        for statement in statements:
            cursor.execute(statement)
        return [tuple(row) for row in cursor.fetchall()]


def one(workdir: Path, statement: str) -> Any:
    rows = run_sql(workdir, statement)
    assert rows, f"nothing to break: {statement}"
    return rows[0][0]


def set_stream_offset(workdir: Path, stream: str, offset_sql: str) -> None:
    """Move a stream's offset in the local runner's registry (what a consuming COMMIT moves)."""
    from local.warehouse import LocalWarehouse

    with LocalWarehouse(workdir / "warehouse") as warehouse:
        duck = warehouse._runtime.duck()
        try:
            duck.execute(
                f"UPDATE POS_DB._LOCAL.STREAMS SET OFFSET_ROWID = ({offset_sql}) "
                "WHERE STREAM_NAME = ?",
                [f"POS_DB.{stream}"],
            )
        finally:
            duck.close()


# --- breaks ---------------------------------------------------------------------------------


def lose_a_produced_line(workdir: Path, base: BaseRun) -> None:
    """The ledger records one more good sale, put to Kinesis, that never reached Bronze or the
    error output (the generator's next record, so the ledger still matches the seed)."""
    generated = SaleGenerator(generator_options(params_for(base.events, base.base_time)))
    [record] = itertools.islice(generated, base.events, base.events + 1)
    assert record.kind == VALID
    last_put = orjson.loads((workdir / "producer" / "put-log.jsonl").read_bytes().splitlines()[-1])
    ledger = ProduceLedger(workdir / "producer")
    try:
        line = ledger.record([record])
        never_delivered = str(int(last_put["seq"]) + 10**6)
        ledger.record_puts(
            last_put["stream"], [PutResult(line, last_put["shard"], never_delivered, time.time())]
        )
    finally:
        ledger.close()


def add_a_bronze_row_with_no_fate(workdir: Path, _: BaseRun) -> None:
    """A Bronze row the Silver procedure never read: its stream moved past it without a run."""
    from local.warehouse import LocalWarehouse

    content, metadata = run_sql(
        workdir, "SELECT RECORD_CONTENT, RECORD_METADATA FROM BRONZE.JSON_RAW_DATA LIMIT 1"
    )[0]
    with LocalWarehouse(workdir / "warehouse") as warehouse:
        assert warehouse.load_bronze([(content, metadata)]) == 1
    # Every consumer of Bronze moved past it (the other kinds' streams too).
    for stream in ("", *(f"_{kind}" for kind in ("CLICKSTREAM", "IOT", "APP_LOG", "CDC"))):
        set_stream_offset(
            workdir,
            f"BRONZE.JSON_RAW_DATA{stream}_STREAM",
            "SELECT MAX(rowid) FROM POS_DB.BRONZE.JSON_RAW_DATA",
        )
    set_stream_offset(
        workdir,
        "BRONZE.JSON_RAW_DATA_UNCLASSIFIED_STREAM",
        "SELECT MAX(rowid) FROM POS_DB.BRONZE.JSON_RAW_DATA",
    )


def run_log_reads_one_row_too_many(workdir: Path, _: BaseRun) -> None:
    run_id = one(
        workdir,
        "SELECT RUN_ID FROM OPS.PIPELINE_RUN_LOG "
        "WHERE PROCEDURE_NAME = 'SILVER.PROCESS_RAW_POS' AND STATUS = 'SUCCEEDED' LIMIT 1",
    )
    run_sql(
        workdir,
        f"UPDATE OPS.PIPELINE_RUN_LOG SET ROWS_READ = ROWS_READ + 1 WHERE RUN_ID = '{run_id}'",
    )


def run_log_claims_one_more_accepted(workdir: Path, _: BaseRun) -> None:
    run_id = one(
        workdir,
        "SELECT RUN_ID FROM OPS.PIPELINE_RUN_LOG "
        "WHERE PROCEDURE_NAME = 'SILVER.PROCESS_RAW_POS' AND ROWS_ACCEPTED > 0 LIMIT 1",
    )
    run_sql(
        workdir,
        f"UPDATE OPS.PIPELINE_RUN_LOG SET ROWS_ACCEPTED = ROWS_ACCEPTED + 1 "
        f"WHERE RUN_ID = '{run_id}'",
    )


def run_log_claims_one_fewer_rejected(workdir: Path, _: BaseRun) -> None:
    run_id = one(
        workdir,
        "SELECT RUN_ID FROM OPS.PIPELINE_RUN_LOG "
        "WHERE PROCEDURE_NAME = 'SILVER.PROCESS_RAW_POS' AND ROWS_REJECTED > 0 LIMIT 1",
    )
    run_sql(
        workdir,
        f"UPDATE OPS.PIPELINE_RUN_LOG SET ROWS_REJECTED = ROWS_REJECTED - 1 "
        f"WHERE RUN_ID = '{run_id}'",
    )


def leave_unconsumed(stream: str) -> Break:
    """The stream's offset one row back: that row waits, as if its task never consumed it."""

    def rewind(workdir: Path, _: BaseRun) -> None:
        set_stream_offset(
            workdir,
            stream,
            f"SELECT OFFSET_ROWID - 1 FROM POS_DB._LOCAL.STREAMS "
            f"WHERE STREAM_NAME = 'POS_DB.{stream}'",
        )

    return rewind


def lose_a_silver_transaction(workdir: Path, _: BaseRun) -> None:
    transaction = one(workdir, "SELECT MIN(TRANSACTION_ID) FROM SILVER.RETAIL_POS_PROCESSED")
    run_sql(
        workdir,
        f"DELETE FROM SILVER.RETAIL_POS_PROCESSED WHERE TRANSACTION_ID = '{transaction}'",
    )


def lose_one_silver_line(workdir: Path, _: BaseRun) -> None:
    """One sold line of a transaction that keeps its others: counts of transactions hold."""
    transaction = one(
        workdir,
        "SELECT MIN(TRANSACTION_ID) FROM SILVER.RETAIL_POS_PROCESSED "
        "WHERE LINE_NUMBER = 2 AND NOT CANCELED",
    )
    run_sql(
        workdir,
        f"DELETE FROM SILVER.RETAIL_POS_PROCESSED "
        f"WHERE TRANSACTION_ID = '{transaction}' AND LINE_NUMBER = 2",
    )


def lose_a_rejected_record(workdir: Path, _: BaseRun) -> None:
    """A rejection with no readable transaction id (e.g. not JSON)."""
    record_hash = one(
        workdir,
        "SELECT MIN(RECORD_HASH) FROM SILVER.RETAIL_POS_REJECTED WHERE TRANSACTION_ID IS NULL",
    )
    run_sql(workdir, f"DELETE FROM SILVER.RETAIL_POS_REJECTED WHERE RECORD_HASH = '{record_hash}'")


def rename_a_good_sale(workdir: Path, _: BaseRun) -> None:
    transaction = one(workdir, "SELECT MIN(TRANSACTION_ID) FROM SILVER.RETAIL_POS_PROCESSED")
    run_sql(
        workdir,
        f"UPDATE SILVER.RETAIL_POS_PROCESSED SET TRANSACTION_ID = 'NEVER-SENT' "
        f"WHERE TRANSACTION_ID = '{transaction}'",
    )


def bad_transaction_ids(base: BaseRun) -> set[str]:
    generated = SaleGenerator(generator_options(params_for(base.events, base.base_time)))
    ids = set()
    for record in itertools.islice(generated, base.events):
        if record.kind in (VALID, DUPLICATE):
            continue
        try:
            document = orjson.loads(record.data)
        except orjson.JSONDecodeError:
            continue
        if isinstance(document, dict) and isinstance(document.get("transaction_id"), str):
            ids.add(document["transaction_id"])
    return ids


def rename_a_rejected_record(workdir: Path, base: BaseRun) -> None:
    """A bad record's rejection, under another transaction id."""
    once = run_sql(
        workdir,
        "SELECT TRANSACTION_ID FROM SILVER.RETAIL_POS_REJECTED WHERE TRANSACTION_ID IS NOT NULL "
        "GROUP BY TRANSACTION_ID HAVING COUNT(*) = 1 ORDER BY TRANSACTION_ID",
    )
    transaction = next(row[0] for row in once if row[0] in bad_transaction_ids(base))
    run_sql(
        workdir,
        f"UPDATE SILVER.RETAIL_POS_REJECTED SET TRANSACTION_ID = 'SOMETHING-ELSE' "
        f"WHERE TRANSACTION_ID = '{transaction}'",
    )


def first_gold_row(workdir: Path) -> tuple[date, str]:
    business_date, store_id = run_sql(
        workdir,
        "SELECT BUSINESS_DATE, STORE_ID FROM GOLD.DAILY_SALES_SUMMARY "
        "ORDER BY TRANSACTIONS DESC, BUSINESS_DATE, STORE_ID LIMIT 1",
    )[0]
    return business_date, store_id


def alter_gold(column: str, new_value: str) -> Break:
    def alter(workdir: Path, _: BaseRun) -> None:
        business_date, store_id = first_gold_row(workdir)
        run_sql(
            workdir,
            f"UPDATE GOLD.DAILY_SALES_SUMMARY SET {column} = {new_value} "
            f"WHERE BUSINESS_DATE = '{business_date}' AND STORE_ID = '{store_id}'",
        )

    return alter


def lose_a_gold_row(workdir: Path, _: BaseRun) -> None:
    business_date, store_id = first_gold_row(workdir)
    run_sql(
        workdir,
        f"DELETE FROM GOLD.DAILY_SALES_SUMMARY "
        f"WHERE BUSINESS_DATE = '{business_date}' AND STORE_ID = '{store_id}'",
    )


def add_a_gold_row_with_no_sales(workdir: Path, _: BaseRun) -> None:
    run_sql(
        workdir,
        "INSERT INTO GOLD.DAILY_SALES_SUMMARY SELECT '2001-01-01'::DATE, 'S001', 'USD', 10.00, "
        "0.00, 10.00, 1, 1, 0, 10.00, CURRENT_TIMESTAMP()",
    )


def alter_inventory(column: str, change: str) -> Break:
    def alter(workdir: Path, _: BaseRun) -> None:
        store_id, product_id = run_sql(
            workdir,
            "SELECT STORE_ID, PRODUCT_ID FROM SILVER.INVENTORY "
            "ORDER BY UNITS_SOLD DESC, STORE_ID, PRODUCT_ID LIMIT 1",
        )[0]
        run_sql(
            workdir,
            f"UPDATE SILVER.INVENTORY SET {column} = {column} {change} "
            f"WHERE STORE_ID = '{store_id}' AND PRODUCT_ID = '{product_id}'",
        )

    return alter


def lose_an_inventory_row_that_sold(workdir: Path, _: BaseRun) -> None:
    store_id, product_id = run_sql(
        workdir,
        "SELECT STORE_ID, PRODUCT_ID FROM SILVER.INVENTORY WHERE UNITS_SOLD > 0 "
        "ORDER BY STORE_ID, PRODUCT_ID LIMIT 1",
    )[0]
    run_sql(
        workdir,
        f"DELETE FROM SILVER.INVENTORY WHERE STORE_ID = '{store_id}' "
        f"AND PRODUCT_ID = '{product_id}'",
    )


# break -> the checks it must make fail (every other check must still pass)
BREAKS: dict[str, tuple[Break, set[str]]] = {
    "a produced sale never reached Bronze": (
        lose_a_produced_line,
        {LOST, SILVER_EXACT, GOOD_IN_SILVER, WINDOWS},
    ),
    "a Bronze row with no fate": (add_a_bronze_row_with_no_fate, {FATE}),
    "the run log read one row more than Bronze holds": (run_log_reads_one_row_too_many, {FATE}),
    "the run log claims one more accepted": (run_log_claims_one_more_accepted, {RUN_LOG}),
    "the run log claims one fewer rejected": (run_log_claims_one_fewer_rejected, {RUN_LOG}),
    "Bronze stream left unconsumed": (leave_unconsumed("BRONZE.JSON_RAW_DATA_STREAM"), {STREAMS}),
    "inventory stream left unconsumed": (
        leave_unconsumed("SILVER.PROCESSED_FOR_INVENTORY_STREAM"),
        {STREAMS},
    ),
    "Gold stream left unconsumed": (
        leave_unconsumed("SILVER.PROCESSED_FOR_GOLD_STREAM"),
        {STREAMS},
    ),
    "a Silver transaction lost": (
        lose_a_silver_transaction,
        {FATE, RUN_LOG, SILVER_EXACT, GOOD_IN_SILVER, GOLD, INVENTORY, WINDOWS},
    ),
    "one Silver line lost": (lose_one_silver_line, {GOLD, INVENTORY}),
    "a REJECTED record lost": (
        lose_a_rejected_record,
        {FATE, RUN_LOG, REJECTED_EXACT, WINDOWS},
    ),
    "a good sale under another id in Silver": (rename_a_good_sale, {GOOD_IN_SILVER}),
    "a bad record under another id in REJECTED": (rename_a_rejected_record, {BAD_IN_REJECTED}),
    **{
        f"Gold {column} altered in one row": (alter_gold(column, value), {GOLD})
        for column, value in (
            ("CURRENCY", "'XXX'"),
            ("GROSS_SALES", "GROSS_SALES + 0.01"),
            ("REFUNDS", "REFUNDS + 0.01"),
            ("NET_SALES", "NET_SALES + 0.01"),
            ("TRANSACTIONS", "TRANSACTIONS + 1"),
            ("UNITS", "UNITS + 1"),
            ("CANCELED_LINES", "CANCELED_LINES + 1"),
            ("AVG_BASKET", "AVG_BASKET + 0.01"),
        )
    },
    "a Gold row lost": (lose_a_gold_row, {GOLD}),
    "a Gold row with no sales behind it": (add_a_gold_row_with_no_sales, {GOLD}),
    **{
        f"INVENTORY {column} altered in one row": (alter_inventory(column, change), {INVENTORY})
        for column, change in (
            ("ON_HAND", "- 1"),
            ("UNITS_SOLD", "+ 1"),
            ("INITIAL_STOCK", "+ 1"),
        )
    },
    "an INVENTORY row that sold lost": (lose_an_inventory_row_that_sold, {INVENTORY}),
}


def test_the_unbroken_copy_reconciles(run_copy: Path) -> None:
    outcome = reconcile_cli(run_copy)
    assert outcome.exit_code == 0, outcome.output
    assert outcome.passed == ALL_CHECKS
    assert outcome.failed == set()
    assert "Result: reconciled" in outcome.output


@pytest.mark.parametrize(("name", "case"), BREAKS.items(), ids=BREAKS.keys())
def test_a_broken_state_fails_exactly_its_checks(
    run_copy: Path, base_run: BaseRun, name: str, case: tuple[Break, set[str]]
) -> None:
    breaks, expected = case
    breaks(run_copy, base_run)
    outcome = reconcile_cli(run_copy)
    assert outcome.exit_code == 1, outcome.output
    assert outcome.failed == expected, outcome.output
    assert outcome.passed == ALL_CHECKS - expected, outcome.output
    assert "Result: does NOT reconcile" in outcome.output


def test_every_check_is_shown_to_say_no() -> None:
    assert set().union(*(expected for _, expected in BREAKS.values())) == ALL_CHECKS


def test_the_run_command_exits_1_when_firehose_drops_a_sale(
    base_run: BaseRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole ``run`` command, with a transform that answers ``Dropped`` for one good sale
    (and its resends): nothing carries it to Bronze or the error output."""
    import lambdas.transform.handler as handler_module

    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "WARNING")
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    events = 120
    generated = SaleGenerator(generator_options(params_for(events, base_run.base_time)))
    victim = next(record.data for record in generated if record.kind == VALID)
    victim_b64 = base64.b64encode(victim).decode()
    real_handler = handler_module.lambda_handler

    def dropping_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        response: dict[str, Any] = real_handler(event, context)
        dropped = {r["recordId"] for r in event["records"] if r["data"] == victim_b64}
        for record in response["records"]:
            if record["recordId"] in dropped:
                record["result"] = "Dropped"
        return response

    monkeypatch.setattr(handler_module, "lambda_handler", dropping_handler)
    from local import cli

    width = cli.console.width
    cli.console.width = 400
    try:
        result = CliRunner().invoke(
            app,
            ["run", "--events", str(events), "--bad-rate", "0.1", "--duplicate-rate", "0.05",
             "--seed", str(SEED), "--base-time", base_run.base_time.strftime("%Y-%m-%dT%H:%M:%S%z"),
             "--buffer-interval", "0.2", "--workdir", str(tmp_path / "run")],
        )  # fmt: skip
    finally:
        cli.console.width = width
    assert result.exit_code == 1, result.output
    failed = {
        line[len("FAIL ") :].split(": ", 1)[0]
        for line in result.output.splitlines()
        if line.startswith("FAIL ")
    }
    assert failed == {LOST, SILVER_EXACT, GOOD_IN_SILVER, WINDOWS}, result.output
