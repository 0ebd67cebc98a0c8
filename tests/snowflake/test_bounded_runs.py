"""PROCESS_RAW_POS drains a backlog in bounded runs (at most process_raw_pos_max_records queued
records each) without weakening exactly-once: a run that fails leaves its records queued and the
next run completes them; a replay of a months-old transaction is still recognised through the
transaction key table; Silver's history is not what the lookups read."""

from __future__ import annotations

from typing import Any

import pytest

from lambdas.snowflake_migrations.scripts import SqlVariables, discover
from local.warehouse.procedures import parse_create_procedure
from local.warehouse.scripting import Sql
from tests.snowflake.bronze import KinesisShard, bronze_rows, deliver, encode, sale
from tests.snowflake.conftest import SMALL_RUN, SQL_DIR
from tests.snowflake.pipeline import PROCESS_RAW_POS, QUEUE, Pipeline


def _statement_number(marker: str) -> int:
    """The 1-based position in PROCESS_RAW_POS's body of the first statement containing
    ``marker`` (the failure injection counts the same way)."""
    [script] = [
        s
        for s in discover(SQL_DIR, SqlVariables())
        if s.name == "R__proc_silver_process_raw_pos.sql"
    ]
    create = next(text for text in script.statements() if text.startswith("CREATE"))
    body = parse_create_procedure(create).block.body
    return next(
        number
        for number, statement in enumerate(body, start=1)
        if isinstance(statement, Sql) and marker in statement.text
    )


def _process_runs(pipeline: Pipeline) -> list[tuple[Any, ...]]:
    return [
        (
            row["STATUS"],
            row["ROWS_ENQUEUED"],
            row["ROWS_READ"],
            row["ROWS_ACCEPTED"],
            row["ROWS_REJECTED"],
            row["ROWS_DUPLICATE"],
            row["ROWS_QUEUED"],
        )
        for row in pipeline.run_log(PROCESS_RAW_POS)
    ]


def test_a_backlog_drains_in_runs_of_bounded_size(small_runs: Pipeline) -> None:
    shard = KinesisShard()
    records = [shard.put(encode(sale(f"B{n}"))) for n in range(7)]
    small_runs.load(deliver([*records, records[2]]))  # 8 rows after an outage, one redelivered

    small_runs.run()

    # (status, enqueued, read, accepted, rejected, duplicate, left in the queue)
    assert _process_runs(small_runs) == [
        ("SUCCEEDED", 8, 3, 3, 0, 0, 5),
        ("SUCCEEDED", 0, 3, 2, 0, 1, 2),  # the redelivered copy of B2 is recognised later
        ("SUCCEEDED", 0, 2, 2, 0, 0, 0),
    ]
    assert max(row[2] for row in _process_runs(small_runs)) <= SMALL_RUN
    assert small_runs.transactions() == {f"B{n}" for n in range(7)}
    assert all(count == 0 for count in small_runs.backlog().values())
    # Each run that left records queued woke the task again; none is left pending.
    assert small_runs.query("SELECT COUNT(*) FROM SILVER.PROCESS_RAW_POS_CONTINUATION") == [(2,)]
    assert small_runs.backend.stream_backlog("SILVER.PROCESS_RAW_POS_CONTINUATION_STREAM") == 0
    [day] = small_runs.gold().values()
    assert day["TRANSACTIONS"] == 7


def test_first_arrival_wins_across_runs(small_runs: Pipeline) -> None:
    first = sale("SAME", payment_method="cash")
    small_runs.deliver(
        bronze_rows([first, sale("X1"), sale("X2"), sale("SAME", payment_method="gift_card")])
    )
    assert {
        line["PAYMENT_METHOD"]
        for line in small_runs.silver_lines()
        if line["TRANSACTION_ID"] == "SAME"
    } == {"cash"}
    assert small_runs.rejected_rule_ids() == [{"TRANSACTION_ID_CONFLICT"}]


@pytest.mark.parametrize("fail_at", ["enqueue", "process"])
def test_a_failed_run_leaves_its_records_for_the_next_run(
    small_runs: Pipeline, fail_at: str
) -> None:
    small_runs.load(bronze_rows([sale(f"F{n}") for n in range(5)]))
    # The enqueue INSERT, or the items INSERT inside the processing transaction.
    marker = {"enqueue": "INTO POS_DB.SILVER.PROCESS_RAW_POS_QUEUE", "process": "WORK_LINE ("}
    statement = _statement_number(marker[fail_at])
    connection = small_runs.connect()
    try:
        with (
            small_runs.fail_statement(PROCESS_RAW_POS, statement),
            pytest.raises(Exception, match="injected failure"),
        ):
            connection.cursor().execute(f"CALL {PROCESS_RAW_POS}()")
    finally:
        connection.close()

    assert small_runs.silver_lines() == []
    queued = small_runs.query(f"SELECT COUNT(*) FROM {QUEUE}")[0][0]
    assert queued == (0 if fail_at == "enqueue" else 5)  # the enqueue is its own transaction
    assert small_runs.backlog()["BRONZE.JSON_RAW_DATA_STREAM"] == 5  # nothing lost
    [failed] = small_runs.run_log(PROCESS_RAW_POS)
    assert failed["STATUS"] == "FAILED" and "injected failure" in failed["ERROR_MESSAGE"]
    # Records wait in the queue: a continuation wakes the task although no new Bronze row came.
    if fail_at == "process":
        assert small_runs.backend.stream_backlog("BRONZE.JSON_RAW_DATA_STREAM") == 0
        assert small_runs.backend.stream_backlog("SILVER.PROCESS_RAW_POS_CONTINUATION_STREAM") == 1

    small_runs.run()
    assert small_runs.transactions() == {f"F{n}" for n in range(5)}
    assert all(count == 0 for count in small_runs.backlog().values())


def test_a_months_old_transaction_replayed_is_recognised(pipeline: Pipeline) -> None:
    shard = KinesisShard()
    old = shard.put(encode(sale("OLD", timestamp="2026-06-02T10:00:00-04:00")))
    pipeline.deliver(deliver([old]))
    for batch in range(3):  # months of other sales in between
        pipeline.deliver(bronze_rows([sale(f"N{batch}-{n}") for n in range(3)]))
    before = pipeline.snapshot()

    pipeline.deliver(deliver([old]))  # the same Kinesis record, delivered again
    changed = sale("OLD", timestamp="2026-11-30T10:00:00-05:00")  # the id reused, other content
    pipeline.deliver(bronze_rows([changed]))

    assert pipeline.snapshot()["silver"] == before["silver"]
    assert pipeline.rejected_rule_ids() == [{"TRANSACTION_ID_CONFLICT"}]
    last_two = pipeline.run_log(PROCESS_RAW_POS)[-2:]
    assert [(r["ROWS_ACCEPTED"], r["ROWS_DUPLICATE"], r["ROWS_REJECTED"]) for r in last_two] == [
        (0, 1, 0),
        (0, 0, 1),
    ]


def test_keys_are_copied_from_silver_once_after_the_upgrade(pipeline: Pipeline) -> None:
    """A warehouse upgraded from before the key table: Silver holds transactions, the key table
    is empty. The first run copies the keys, so replays and conflicts are still recognised."""
    shard = KinesisShard()
    accepted = [shard.put(encode(sale(f"U{n}"))) for n in range(3)]
    pipeline.deliver(deliver(accepted))
    pipeline.query("DELETE FROM SILVER.RETAIL_POS_TRANSACTION_KEY")  # as before the upgrade
    lines_before = pipeline.silver_lines_without_run_columns()

    pipeline.deliver(deliver([accepted[0], shard.put(encode(sale("U1", payment_method="cash")))]))

    assert pipeline.silver_lines_without_run_columns() == lines_before
    assert pipeline.rejected_rule_ids() == [{"TRANSACTION_ID_CONFLICT"}]
    keys = pipeline.query("SELECT TRANSACTION_ID FROM SILVER.RETAIL_POS_TRANSACTION_KEY")
    assert sorted(keys) == [("U0",), ("U1",), ("U2",)]


def test_counts_come_from_the_statements_not_from_silver(pipeline: Pipeline) -> None:
    """ROWS_WRITTEN is the lines this run inserted (SQLROWCOUNT), whatever else Silver holds."""
    pipeline.deliver(
        bronze_rows([sale("C1", items=(("P001", "1.00", 1, False), ("P006", "2.00", 1, False)))])
    )
    pipeline.deliver(bronze_rows([sale("C2"), sale("C3", store_id="S999")]))
    last = pipeline.run_log(PROCESS_RAW_POS)[-1]
    assert (
        last["ROWS_READ"],
        last["ROWS_ACCEPTED"],
        last["ROWS_REJECTED"],
        last["ROWS_WRITTEN"],
    ) == (
        2,
        1,
        1,
        1,
    )
    assert last["ROWS_ENQUEUED"] == 2 and last["ROWS_QUEUED"] == 0
