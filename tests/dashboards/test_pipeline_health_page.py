"""Pipeline health page against a seeded local warehouse: run and reject counts equal the run log
and the dead-letter table; rows waiting equal the runner's own stream offsets."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta

import pytest

from dashboards.settings import REJECT_SAMPLE_ROWS
from tests.dashboards.conftest import PageRunner, ServedWarehouse, metrics, rerun
from tests.dashboards.seeding import SeedPlan, deliver

pytestmark = pytest.mark.filterwarnings("ignore:Arrow output on a DB-API result:UserWarning")

RUN_METRICS = ("Runs, last 24 h", "Failed runs", "Rows waiting in streams", "Rejected records")
STREAMS = (
    "BRONZE.JSON_RAW_DATA_STREAM",
    "SILVER.PROCESSED_FOR_INVENTORY_STREAM",
    "SILVER.PROCESSED_FOR_GOLD_STREAM",
)


def backlog_shown(app: object) -> dict[str, int]:
    table = app.dataframe[0].value  # type: ignore[attr-defined]
    return {row.STREAM_NAME: int(row.ROWS_WAITING) for row in table.itertuples()}


def test_run_and_reject_counts_match_the_warehouse(
    run_seeded: PageRunner, seeded_warehouse: ServedWarehouse
) -> None:
    runs = seeded_warehouse.rows("SELECT STATUS FROM OPS.PIPELINE_RUN_LOG")
    rejected = seeded_warehouse.rows("SELECT COUNT(*) AS N FROM SILVER.RETAIL_POS_REJECTED")[0]["N"]
    assert runs and rejected > 0
    app = run_seeded("pipeline_health")
    shown = metrics(app)
    assert {name: shown[name] for name in RUN_METRICS} == {
        "Runs, last 24 h": f"{len(runs):,}",
        "Failed runs": f"{sum(1 for run in runs if run['STATUS'] == 'FAILED'):,}",
        "Rows waiting in streams": "0",
        "Rejected records": f"{rejected:,}",
    }
    assert not app.error


def test_latency_starts_at_kinesis_arrival_and_pos_clock_skew_is_shown_apart(
    run_seeded: PageRunner, seeded_warehouse: ServedWarehouse
) -> None:
    app = run_seeded("pipeline_health")
    latency = next(
        frame.value for frame in app.dataframe if "P50_KINESIS_TO_GOLD_S" in frame.value.columns
    )
    # No figure of the latency table depends on the sale time the POS stamped.
    assert not [column for column in latency.columns if "EVENT" in column or "SKEW" in column]
    assert (latency["P50_KINESIS_TO_GOLD_S"] >= latency["P50_KINESIS_TO_SILVER_S"]).all()
    assert (latency["P95_KINESIS_TO_GOLD_S"] >= latency["P50_KINESIS_TO_GOLD_S"]).all()
    assert (
        latency["TRANSACTIONS"].sum()
        == seeded_warehouse.rows(
            "SELECT COUNT(*) AS N FROM SILVER.RETAIL_POS_PROCESSED WHERE LINE_NUMBER = 1"
        )[0]["N"]
    )

    # The skew figures, computed here from Silver's rows: arrival minus the POS's sale time.
    rows = seeded_warehouse.rows(
        "SELECT EVENT_TS_UTC, KINESIS_ARRIVAL_AT FROM SILVER.RETAIL_POS_PROCESSED"
        " WHERE LINE_NUMBER = 1"
    )
    skews_ms = [
        round((row["KINESIS_ARRIVAL_AT"] - row["EVENT_TS_UTC"]).total_seconds() * 1000)
        for row in rows
    ]
    shown = metrics(app)
    assert shown["Sale time to arrival, p50"] == f"{statistics.median(skews_ms) / 1000:,.1f} s"
    assert shown["Smallest"] == f"{min(skews_ms) / 1000:,.1f} s"
    assert shown["Largest"] == f"{max(skews_ms) / 1000:,.1f} s"


def test_reject_sample_filtered_by_rule_shows_only_that_rule(
    run_seeded: PageRunner, seeded_warehouse: ServedWarehouse
) -> None:
    rule_hits = seeded_warehouse.rows(
        "SELECT f.VALUE:rule_id::STRING AS RULE_ID, COUNT(*) AS N"
        " FROM SILVER.RETAIL_POS_REJECTED AS r, LATERAL FLATTEN(input => r.FAILED_RULES) AS f"
        " GROUP BY 1 ORDER BY 2 DESC, 1"
    )
    rule_id, hits = rule_hits[0]["RULE_ID"], int(rule_hits[0]["N"])
    app = run_seeded("pipeline_health")
    app.selectbox(key="health_rule").set_value(rule_id)
    rerun(app)
    sample = next(frame.value for frame in app.dataframe if "FAILED_RULES" in frame.value.columns)
    assert len(sample) == min(hits, REJECT_SAMPLE_ROWS)
    assert all(
        f'"rule_id":"{rule_id}"' in rules.replace(" ", "") for rules in sample["FAILED_RULES"]
    )


def test_rows_waiting_equal_the_stream_offsets_until_the_tasks_run(
    run_seeded: PageRunner, seeded_warehouse: ServedWarehouse
) -> None:
    plan = SeedPlan(records=25, base_time=datetime.now(UTC) - timedelta(hours=1), seed=99)
    delivered = deliver(seeded_warehouse.warehouse, seeded_warehouse.work_dir / "late", plan)
    assert delivered == 25
    app = run_seeded("pipeline_health")
    expected = {name: seeded_warehouse.warehouse.stream_backlog(name) for name in STREAMS}
    assert expected["BRONZE.JSON_RAW_DATA_STREAM"] == 25
    assert backlog_shown(app) == expected
    assert metrics(app)["Rows waiting in streams"] == "25"

    seeded_warehouse.warehouse.run_until_idle()
    app = run_seeded("pipeline_health")
    assert backlog_shown(app) == dict.fromkeys(STREAMS, 0)


def test_the_dead_letter_by_rule_matches_rejected_and_what_a_redrive_would_accept(
    run_seeded: PageRunner, seeded_warehouse: ServedWarehouse
) -> None:
    expected = {
        row["RULE_ID"]: (int(row["RECORDS"]), int(row["REDRIVABLE"]))
        for row in seeded_warehouse.rows(
            "SELECT f.VALUE:rule_id::STRING AS RULE_ID, COUNT(DISTINCT r.RECORD_HASH) AS RECORDS,"
            " COUNT(DISTINCT IFF(v.VERDICT = 'ACCEPT', r.RECORD_HASH, NULL)) AS REDRIVABLE"
            " FROM SILVER.RETAIL_POS_REJECTED AS r"
            " INNER JOIN SILVER.RETAIL_POS_REJECTED_REDRIVABLE AS v"
            " ON r.RECORD_HASH = v.RECORD_HASH,"
            " LATERAL FLATTEN(input => r.FAILED_RULES) AS f GROUP BY 1"
        )
    }
    assert expected
    app = run_seeded("pipeline_health")
    shown = next(frame.value for frame in app.dataframe if "REDRIVABLE_NOW" in frame.value.columns)
    assert {
        row.RULE_ID: (int(row.RECORDS), int(row.REDRIVABLE_NOW)) for row in shown.itertuples()
    } == expected
    assert "No record has been sent back from the dead letter yet." in infos(app)


def infos(app: object) -> str:
    return " ".join(info.value for info in app.info)  # type: ignore[attr-defined]
