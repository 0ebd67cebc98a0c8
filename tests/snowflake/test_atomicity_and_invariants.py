"""Atomicity (a failure at any statement leaves nothing behind and the next run completes) and
the invariants after random batches with replays: Gold = Silver, INVENTORY = initial - sold,
every Bronze record in Silver or REJECTED exactly once."""

from __future__ import annotations

import random
import shutil
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambdas.snowflake_migrations.scripts import SqlVariables, discover
from local.warehouse import LocalWarehouse
from local.warehouse.procedures import parse_create_procedure
from local.warehouse.scripting import BeginTransaction, Commit
from tests.snowflake.backends import LocalBackend, local_only
from tests.snowflake.bronze import YEN_STORE, KinesisShard, deliver, encode, sale
from tests.snowflake.conftest import SQL_DIR
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


def _transaction_bounds(procedure: str) -> list[tuple[int, int]]:
    """(BEGIN TRANSACTION, COMMIT) positions of each transaction of the body, 1-based, counting
    the body's statements as the failure injection does (an IF whose branch does not run counts
    once: in these runs the one-time key backfill and the key check do not run)."""
    [script] = [
        s for s in discover(SQL_DIR, SqlVariables()) if s.name == PROCEDURE_SCRIPTS[procedure]
    ]
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
    bounds = _transaction_bounds(procedure)
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
        runs = backend.run_until_idle()
        assert [run.state for run in runs] == ["FAILED"]
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
    _assert_invariants(pipeline)


def _assert_invariants(pipeline: Pipeline) -> None:
    lines = pipeline.silver_lines()
    # Gold equals a from-scratch aggregation of Silver, computed here in Python.
    expected: dict[tuple[Any, str], dict[str, Any]] = defaultdict(
        lambda: {
            "GROSS_SALES": Decimal(0),
            "REFUNDS": Decimal(0),
            "TRANSACTIONS": 0,
            "UNITS": 0,
            "CANCELED_LINES": 0,
        }
    )
    for line in lines:
        day = expected[(line["BUSINESS_DATE"], line["STORE_ID"])]
        if line["LINE_NUMBER"] == 1:
            day["GROSS_SALES"] += line["TOTAL_AMOUNT"]
            day["REFUNDS"] += line["REFUND_AMOUNT"]
            day["TRANSACTIONS"] += 1
        if line["CANCELED"]:
            day["CANCELED_LINES"] += 1
        else:
            day["UNITS"] += line["QUANTITY"]
    gold = pipeline.gold()
    assert set(gold) == set(expected)
    for key, want in expected.items():
        got = gold[key]
        assert {name: got[name] for name in want} == want, key
        assert got["NET_SALES"] == want["GROSS_SALES"] - want["REFUNDS"]
        assert got["AVG_BASKET"] == (want["GROSS_SALES"] / want["TRANSACTIONS"]).quantize(
            Decimal("0.01"), "ROUND_HALF_UP"
        )

    sold: dict[tuple[str, str], int] = defaultdict(int)
    for line in lines:
        if not line["CANCELED"]:
            sold[(line["STORE_ID"], line["PRODUCT_ID"])] += int(line["QUANTITY"])
    for key, row in pipeline.inventory().items():
        assert row["UNITS_SOLD"] == sold.get(key, 0), key
        assert row["ON_HAND"] == row["INITIAL_STOCK"] - sold.get(key, 0), key

    keys = [(line["TRANSACTION_ID"], line["LINE_NUMBER"]) for line in lines]
    assert len(keys) == len(set(keys))


# --- random batches with replays -------------------------------------------------------------

STORES = [
    ("S001", "New York", "-05:00"),
    ("S005", "London", "Z"),
    ("S007", "Tokyo", "+09:00"),
    ("S003", "Los Angeles", "-08:00"),
]
event_strategy = st.fixed_dictionaries(
    {
        "store": st.sampled_from(STORES),
        "hour": st.integers(0, 23),
        "day": st.integers(25, 30),
        "lines": st.lists(
            st.tuples(
                st.sampled_from(["P001", "P006", "P013", "P404"]),
                st.sampled_from(["2.99", "10.00", "59.99"]),
                st.integers(1, 3),
                st.booleans(),
            ),
            min_size=1,
            max_size=3,
        ),
        "refund": st.sampled_from([None, "1.00"]),
        "bad_total": st.booleans(),
    }
)
scenario_strategy = st.lists(
    st.tuples(st.lists(event_strategy, min_size=1, max_size=6), st.integers(0, 2**16)),
    min_size=1,
    max_size=3,
)


def _event(index: int, spec: dict[str, Any]) -> dict[str, Any]:
    store_id, city, offset = spec["store"]
    timestamp = f"2026-11-{spec['day']:02d}T{spec['hour']:02d}:30:00{offset}"
    if store_id == YEN_STORE:  # yen has no decimals: shelf prices in whole yen
        spec = spec | {
            "lines": [(p, str(Decimal(price) * 100), q, c) for p, price, q, c in spec["lines"]],
            "refund": None if spec["refund"] is None else "100",
        }
    event = sale(
        f"H{index}", store_id=store_id, city=city, timestamp=timestamp, items=spec["lines"]
    )
    total = event["total_amount"]
    if spec["refund"] is not None and total >= Decimal(spec["refund"]):
        event = sale(
            f"H{index}",
            store_id=store_id,
            city=city,
            timestamp=timestamp,
            items=spec["lines"],
            refund=spec["refund"],
        )
    if spec["bad_total"]:
        event["total_amount"] = total + Decimal("5.00")
    return event


@pytest.mark.slow
@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=scenario_strategy)
def test_random_batches_with_replays_keep_every_invariant(
    migrated_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
    scenario: list[tuple[list[dict[str, Any]], int]],
) -> None:
    local_only("hypothesis drives many fresh warehouses, each a copy of the local template")
    db_dir = tmp_path_factory.mktemp("property") / "warehouse"
    shutil.copytree(migrated_template, db_dir)
    with LocalWarehouse(db_dir) as warehouse:
        pipeline = Pipeline(LocalBackend(warehouse))
        shard = KinesisShard()
        sent = []
        index = 0
        for events, seed in scenario:
            rng = random.Random(seed)
            records = []
            for spec in events:
                index += 1
                records.append(shard.put(encode(_event(index, spec))))
            sent.extend(records)
            # Replays: earlier records again (Kinesis/Firehose redelivery), in a shuffled batch.
            replays = rng.sample(sent, k=min(len(sent), rng.randint(0, 3)))
            batch = records + replays
            rng.shuffle(batch)
            pipeline.deliver(deliver(batch))
            if rng.random() < 0.5:
                pipeline.deliver(deliver(batch))  # the whole batch delivered twice

        _assert_invariants(pipeline)
        # Every distinct record sent is in Silver or REJECTED exactly once; copies add nothing.
        silver = pipeline.transactions()
        rejected = [row["TRANSACTION_ID"] for row in pipeline.rejected()]
        assert len(rejected) == len(set(rejected))
        assert silver.isdisjoint(rejected)
        assert silver | set(rejected) == {f"H{i}" for i in range(1, index + 1)}
        logs = pipeline.run_log(PROCESS_RAW_POS)
        bronze_rows = pipeline.query("SELECT COUNT(*) FROM BRONZE.JSON_RAW_DATA")[0][0]
        assert sum(row["ROWS_READ"] for row in logs) == bronze_rows
        assert sum(row["ROWS_ACCEPTED"] for row in logs) == len(silver)
        assert sum(row["ROWS_REJECTED"] for row in logs) == len(rejected)
        assert sum(row["ROWS_DUPLICATE"] for row in logs) == bronze_rows - len(silver) - len(
            rejected
        )
