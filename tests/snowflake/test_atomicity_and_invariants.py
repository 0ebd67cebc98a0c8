"""Atomicity: a failure at any statement of a procedure leaves nothing behind, does not move its
stream, and the next run completes the work (the invariants hold after it). Random batches with
replays are in ``test_properties.py``."""

from __future__ import annotations

import pytest

from lambdas.snowflake_migrations.scripts import SqlVariables, discover
from local.warehouse.procedures import parse_create_procedure
from local.warehouse.scripting import Commit
from tests.snowflake.bronze import KinesisShard, deliver, encode, sale
from tests.snowflake.conftest import SQL_DIR
from tests.snowflake.invariants import assert_invariants
from tests.snowflake.pipeline import (
    PROCESS_RAW_POS,
    UPDATE_DAILY_SUMMARY,
    UPDATE_INVENTORY,
    Pipeline,
)

PROCEDURE_SCRIPTS = {
    PROCESS_RAW_POS: "R__proc_silver_process_raw_pos.sql",
    UPDATE_INVENTORY: "R__proc_silver_update_inventory.sql",
    UPDATE_DAILY_SUMMARY: "R__proc_gold_update_daily_summary.sql",
}


def _statements_through_commit(procedure: str) -> int:
    """Body statements up to and including COMMIT (a failure after COMMIT cannot undo it)."""
    [script] = [
        s for s in discover(SQL_DIR, SqlVariables()) if s.name == PROCEDURE_SCRIPTS[procedure]
    ]
    create = next(statement for statement in script.statements() if statement.startswith("CREATE"))
    body = parse_create_procedure(create).block.body
    return next(i for i, statement in enumerate(body, start=1) if isinstance(statement, Commit))


def _mixed_batch(shard: KinesisShard) -> list[tuple[str, str]]:
    records = [
        shard.put(encode(sale("A1"))),
        shard.put(
            encode(sale("A2", store_id="S007", city="Tokyo", timestamp="2026-11-30T08:00:00+09:00"))
        ),
        shard.put(encode(sale("BAD", store_id="S999"))),
    ]
    return deliver([*records, records[0]])


def _stage_for(pipeline: Pipeline, procedure: str) -> None:
    """Leave unconsumed rows in the procedure's stream, upstream work already done."""
    rows = _mixed_batch(KinesisShard())
    if procedure == PROCESS_RAW_POS:
        pipeline.load(rows)
        return
    pipeline.load(rows)
    connection = pipeline.warehouse.connect()
    try:
        connection.cursor().execute("CALL SILVER.PROCESS_RAW_POS()")
    finally:
        connection.close()


def _failure_points(procedure: str) -> list[int]:
    """The first write, one in the middle, the last before COMMIT and COMMIT itself (every point
    is covered the same way; these keep the suite's time in budget)."""
    commit = _statements_through_commit(procedure)
    return sorted({2, commit // 2, commit - 1, commit})


CASES = [(procedure, n) for procedure in PROCEDURE_SCRIPTS for n in _failure_points(procedure)]


@pytest.mark.slow
@pytest.mark.parametrize(("procedure", "statement"), CASES, ids=[f"{p}-{n}" for p, n in CASES])
def test_failure_at_any_statement_leaves_no_trace_and_next_run_completes(
    pipeline: Pipeline, procedure: str, statement: int
) -> None:
    _stage_for(pipeline, procedure)
    before, backlog = pipeline.snapshot(), pipeline.backlog()
    connection = pipeline.warehouse.connect()
    try:
        with (
            pipeline.warehouse.fail_statement(procedure, statement),
            pytest.raises(Exception, match="injected failure"),
        ):
            connection.cursor().execute(f"CALL {procedure}()")
    finally:
        connection.close()

    assert pipeline.snapshot() == before  # no partial write anywhere, work tables empty
    assert pipeline.backlog() == backlog  # the stream did not advance
    failed = pipeline.run_log(procedure)[-1]
    assert failed["STATUS"] == "FAILED"
    assert "injected failure" in failed["ERROR_MESSAGE"]

    pipeline.run()  # the next runs complete the work
    assert all(count == 0 for count in pipeline.backlog().values())
    assert pipeline.transactions() == {"A1", "A2"}
    assert pipeline.rejected_rule_ids() == [{"UNKNOWN_STORE"}]
    assert pipeline.run_log(procedure)[-1]["STATUS"] == "SUCCEEDED"
    assert_invariants(pipeline)
