"""Random sequences of batches, with late events and replays, keep every invariant after every
batch: Gold = a from-scratch aggregation of Silver, INVENTORY = initial stock - units sold, every
distinct record in Silver or REJECTED exactly once, the run log agrees.

The strategy is built to catch a single-column slip in a MERGE: few stores, two business dates and
three products, so later batches keep adding to rows earlier batches made, with refunds and
canceled lines common. ``make mutation`` plants each overwrite (``X = src.X`` instead of
``X = tgt.X + src.X``) and counts the seeds that catch it (docs/testing.md has the figure).
Derandomized in CI; ``HYPOTHESIS_PROFILE=nightly`` runs many more random examples
(``tests/profiles.py``).
"""

from __future__ import annotations

import random
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local.warehouse import LocalWarehouse
from tests.profiles import examples
from tests.snowflake.backends import LocalBackend
from tests.snowflake.bronze import KinesisShard, deliver, encode, sale
from tests.snowflake.invariants import assert_invariants
from tests.snowflake.pipeline import PROCESS_RAW_POS, Pipeline

# Store, city, UTC offset. Local hours 09-15 keep every sale on the calendar day it names.
STORES = [("S001", "New York", "-05:00"), ("S005", "London", "Z")]
event_strategy = st.fixed_dictionaries(
    {
        "store": st.sampled_from(STORES),
        "day": st.sampled_from([29, 30]),
        "hour": st.integers(9, 15),
        "lines": st.lists(
            st.tuples(
                st.sampled_from(["P001", "P006", "P013"]),
                st.sampled_from(["2.99", "10.00", "59.99"]),
                st.integers(1, 3),
                st.booleans(),  # canceled
            ),
            min_size=1,
            max_size=3,
        ),
        "refund": st.sampled_from([None, "1.00", "2.50"]),
        # One sale in five is rejected (its total does not match its lines).
        "bad_total": st.integers(0, 4).map(lambda n: n == 0),
    }
)
batch_strategy = st.tuples(st.lists(event_strategy, min_size=2, max_size=5), st.integers(0, 2**16))
scenario_strategy = st.lists(batch_strategy, min_size=2, max_size=4)
Scenario = list[tuple[list[dict[str, Any]], int]]


def _event(index: int, spec: dict[str, Any]) -> dict[str, Any]:
    store_id, city, offset = spec["store"]
    timestamp = f"2026-11-{spec['day']:02d}T{spec['hour']:02d}:30:00{offset}"
    options: dict[str, Any] = {"store_id": store_id, "city": city, "timestamp": timestamp}
    event = sale(f"H{index}", items=spec["lines"], **options)
    total = event["total_amount"]
    if spec["refund"] is not None and total >= Decimal(spec["refund"]):
        event = sale(f"H{index}", items=spec["lines"], refund=spec["refund"], **options)
    if spec["bad_total"]:
        event["total_amount"] = total + Decimal("5.00")
    return event


def check_scenario(template: Path, work_dir: Path, scenario: Scenario) -> None:
    """Deliver the scenario's batches (with replays) to a copy of the migrated ``template`` and
    assert every invariant after each batch; raises AssertionError on the first broken one."""
    db_dir = work_dir / "warehouse"
    shutil.copytree(template, db_dir)
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
            assert_invariants(pipeline)

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


# Examples per run on the ci profile: the count the power figure in docs/testing.md is for.
CI_EXAMPLES = 6


@pytest.mark.slow
@settings(
    max_examples=examples(CI_EXAMPLES),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=scenario_strategy)
def test_random_batches_with_replays_keep_every_invariant(
    migrated_template: Path, tmp_path_factory: pytest.TempPathFactory, scenario: Scenario
) -> None:
    check_scenario(migrated_template, tmp_path_factory.mktemp("property"), scenario)
