"""Atomicity: a failure at any statement of a procedure leaves nothing behind, does not move its
stream, and the next run completes the work (the invariants hold after it). Random batches with
replays are in ``test_properties.py``."""

from __future__ import annotations

import pytest

from lambdas.snowflake_migrations.scripts import SqlVariables, discover
from local.warehouse.procedures import parse_create_procedure
from local.warehouse.scripting import BeginTransaction, Commit
from tests.snowflake.backends import local_only
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


def transaction_bounds(script_name: str) -> list[tuple[int, int]]:
    """(BEGIN TRANSACTION, COMMIT) positions of each transaction of the body, 1-based, counting
    the body's statements as the failure injection does (an IF whose branch does not run counts
    once: in these runs the one-time key backfill and the key check do not run)."""
    [script] = [s for s in discover(SQL_DIR, SqlVariables()) if s.name == script_name]
    create = next(statement for statement in script.statements() if statement.startswith("CREATE"))
    body = parse_create_procedure(create).block.body
    begins = [
        i for i, statement in enumerate(body, start=1) if isinstance(statement, BeginTransaction)
    ]
    commits = [i for i, statement in enumerate(body, start=1) if isinstance(statement, Commit)]
    return list(zip(begins, commits, strict=True))


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
    pipeline.call(PROCESS_RAW_POS)


def _failure_points(procedure: str) -> list[int]:
    """Per transaction: its first statement, and for the last one also a statement in the middle,
    the last before COMMIT and COMMIT itself (every point is covered the same way; these keep the
    suite's time in budget). For PROCESS_RAW_POS that includes failing after its enqueue
    transaction committed: the queue then holds the records and the next run completes them."""
    bounds = transaction_bounds(PROCEDURE_SCRIPTS[procedure])
    points = {begin + 1 for begin, _ in bounds}
    begin, commit = bounds[-1]
    return sorted(points | {(begin + commit) // 2, commit - 1, commit})


CASES = [(procedure, n) for procedure in PROCEDURE_SCRIPTS for n in _failure_points(procedure)]


def test_a_privilege_lost_mid_run_rolls_the_run_back_and_the_next_run_completes(
    pipeline: Pipeline,
) -> None:
    """A failure Snowflake itself raises, on both tiers: the transform role loses INSERT on the
    rejected table, so PROCESS_RAW_POS fails after writing Silver inside its transaction."""
    backend = pipeline.backend
    rejected = f"{backend.variables.database}.SILVER.RETAIL_POS_REJECTED"
    grant = f"INSERT ON TABLE {rejected} {{}} ROLE {backend.variables.transform_role}"
    admin = pipeline.connect()
    try:
        admin.cursor().execute(f"REVOKE {grant.format('FROM')}")
        pipeline.load(_mixed_batch(KinesisShard()))
        before, backlog = pipeline.snapshot(), pipeline.backlog()
        # The other kinds' tasks run too (their streams see the same Bronze rows).
        # (A task round that ran any of them successfully is followed by another round.)
        runs = [run for run in backend.run_until_idle() if "PROCESS_RAW_POS_TASK" in run.name]
        assert runs and {run.state for run in runs} == {"FAILED"}
        assert "Insufficient privileges to operate on table 'RETAIL_POS_REJECTED'" in str(
            runs[0].error
        )
        assert pipeline.snapshot() == before  # nothing of the run stayed, Silver included
        assert pipeline.backlog() == backlog
        assert pipeline.run_log(PROCESS_RAW_POS)[-1]["STATUS"] == "FAILED"
        admin.cursor().execute(f"GRANT {grant.format('TO')}")
    finally:
        admin.close()
    pipeline.run()
    assert pipeline.transactions() == {"A1", "A2"}
    assert len(pipeline.rejected()) == 1


@pytest.mark.slow
@pytest.mark.parametrize(("procedure", "statement"), CASES, ids=[f"{p}-{n}" for p, n in CASES])
def test_failure_at_any_statement_leaves_no_trace_and_next_run_completes(
    pipeline: Pipeline, procedure: str, statement: int
) -> None:
    local_only("failure injection at a statement needs the local warehouse")
    _stage_for(pipeline, procedure)
    before, backlog = pipeline.snapshot(), pipeline.backlog()
    connection = pipeline.connect()
    try:
        with (
            pipeline.fail_statement(procedure, statement),
            pytest.raises(Exception, match="injected failure"),
        ):
            connection.cursor().execute(f"CALL {procedure}()")
    finally:
        connection.close()

    assert pipeline.snapshot() == before  # no partial write anywhere, work tables empty
    # Nothing consumed: still in the stream, or (a committed enqueue) in PROCESS_RAW_POS's queue.
    assert pipeline.backlog() == backlog
    failed = pipeline.run_log(procedure)[-1]
    assert failed["STATUS"] == "FAILED"
    assert "injected failure" in failed["ERROR_MESSAGE"]

    pipeline.run()  # the next runs complete the work
    assert all(count == 0 for count in pipeline.backlog().values())
    assert pipeline.transactions() == {"A1", "A2"}
    assert pipeline.rejected_rule_ids() == [{"UNKNOWN_STORE"}]
    assert pipeline.run_log(procedure)[-1]["STATUS"] == "SUCCEEDED"
    assert_invariants(pipeline)
