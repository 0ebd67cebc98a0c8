"""Verify against the local twin: everything passes on a correct deployment, and each break a
user can make is reported as a failure that says what was expected, what was found and the fix."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from lambdas.pipeline_verify.canary import CANARY_STORE, CanarySettings
from lambdas.pipeline_verify.report import Check
from lambdas.pipeline_verify.verify import run_verify
from tests.verify.conftest import Twin

FAST = CanarySettings(deadline_s=60, poll_interval_s=0.25, budget="local:1,0.5")
GOLD_TASK = "POS_DB.GOLD.UPDATE_DAILY_SUMMARY_TASK"


def failures(checks: list[Check]) -> dict[str, Check]:
    return {check.name: check for check in checks if not check.ok}


@contextmanager
def suspended(twin: Twin, task: str) -> Iterator[None]:
    twin.admin.execute(f"ALTER TASK {task} SUSPEND")
    try:
        yield
    finally:
        twin.admin.execute(f"ALTER TASK {task} RESUME")


def test_a_correct_twin_verifies(twin: Twin) -> None:
    report, canary = run_verify(twin.target, FAST)
    assert report.failures == [], report.render()
    names = [check.name for check in report.checks]
    assert {"schema history", "streams", "future grants", "sales in Gold"} <= set(names)
    assert sum(name.startswith("grants of ") for name in names) == 5
    assert canary is not None and canary.complete
    assert len(canary.latencies("gold")) == FAST.sales


def test_a_suspended_task_is_reported(twin: Twin) -> None:
    with suspended(twin, GOLD_TASK):
        report, _ = run_verify(twin.target, parts=("snowflake",))
    failed = failures(report.checks)
    assert list(failed) == ["task GOLD.UPDATE_DAILY_SUMMARY_TASK"]
    check = failed["task GOLD.UPDATE_DAILY_SUMMARY_TASK"]
    assert (check.expected, check.found) == ("started", "suspended")
    assert f"ALTER TASK {GOLD_TASK} RESUME" in check.fix


def test_a_missing_grant_is_reported(twin: Twin) -> None:
    deploy = twin.twin.warehouse.connect_as(twin.twin.warehouse.principals.deploy).cursor()
    table = "POS_DB.GOLD.DAILY_SALES_SUMMARY"
    deploy.execute(f"REVOKE SELECT ON TABLE {table} FROM ROLE POS_DASHBOARD")
    try:
        report, _ = run_verify(twin.target, parts=("snowflake",))
    finally:
        deploy.execute(f"GRANT SELECT ON TABLE {table} TO ROLE POS_DASHBOARD")
    failed = failures(report.checks)
    assert list(failed) == ["grants of POS_DASHBOARD"]
    assert failed["grants of POS_DASHBOARD"].found == f"missing: SELECT ON TABLE {table}"
    assert "privileges.toml" in failed["grants of POS_DASHBOARD"].expected


def test_an_extra_grant_is_reported(twin: Twin) -> None:
    deploy = twin.twin.warehouse.connect_as(twin.twin.warehouse.principals.deploy).cursor()
    table = "POS_DB.SILVER.INVENTORY"
    deploy.execute(f"GRANT SELECT ON TABLE {table} TO ROLE POS_INGEST")
    try:
        report, _ = run_verify(twin.target, parts=("snowflake",))
    finally:
        deploy.execute(f"REVOKE SELECT ON TABLE {table} FROM ROLE POS_INGEST")
    failed = failures(report.checks)
    assert failed["grants of POS_INGEST"].found == f"not in the matrix: SELECT ON TABLE {table}"


def _alarm(twin: Twin) -> dict[str, Any]:
    cloudwatch = twin.aws("cloudwatch")
    name = "RetailPosPipeline-TransformProcessingFailed"
    alarms = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    assert len(alarms) == 1
    return dict(alarms[0])


def test_an_alarm_without_an_action_is_reported(twin: Twin) -> None:
    cloudwatch = twin.aws("cloudwatch")
    alarm = _alarm(twin)
    keep = (
        "AlarmName",
        "AlarmDescription",
        "MetricName",
        "Namespace",
        "Statistic",
        "Dimensions",
        "Period",
        "EvaluationPeriods",
        "Threshold",
        "ComparisonOperator",
        "TreatMissingData",
    )
    settings = {key: alarm[key] for key in keep if key in alarm}
    cloudwatch.put_metric_alarm(**settings, AlarmActions=[])
    try:
        report, _ = run_verify(twin.target, parts=("aws",))
    finally:
        cloudwatch.put_metric_alarm(**settings, AlarmActions=alarm["AlarmActions"])
    failed = failures(report.checks)
    assert len(failed) == 1
    (check,) = failed.values()
    assert check.found == f"no action on the topic: {alarm['AlarmName']}"
    assert "cdk deploy" in check.fix
    assert run_verify(twin.target, parts=("aws",))[0].ok  # put back: verified again


def test_a_topic_that_cloudwatch_may_not_publish_to_is_reported(twin: Twin) -> None:
    sns = twin.aws("sns")
    topic = twin.target.stack.output("AlarmTopicArn")
    policy = sns.get_topic_attributes(TopicArn=topic)["Attributes"]["Policy"]
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue="{}")
    try:
        report, _ = run_verify(twin.target, parts=("aws",))
    finally:
        sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=policy)
    assert list(failures(report.checks)) == ["alarm topic policy"]


def test_canary_sales_that_never_reach_gold_are_reported_and_a_later_run_accounts_for_them(
    twin: Twin,
) -> None:
    # Long enough for Bronze, Silver and REJECTED on a loaded machine; Gold never comes.
    settings = CanarySettings(deadline_s=15, poll_interval_s=0.25, budget="local:1,0.5")
    with suspended(twin, GOLD_TASK):
        report, stuck = run_verify(twin.target, settings, parts=("canary",))
    failed = failures(report.checks)
    assert list(failed) == ["sales in Gold"]
    assert failed["sales in Gold"].found.startswith(f"{settings.sales} of {settings.sales} never")
    assert "GOLD.UPDATE_DAILY_SUMMARY_TASK" in failed["sales in Gold"].fix
    assert stuck is not None and not stuck.complete
    # The next run names the earlier run: its sales reached Silver, its bad records REJECTED.
    report, _ = run_verify(twin.target, FAST, parts=("canary",))
    assert report.ok, report.render()
    earlier = next(c for c in report.checks if c.name == "earlier canary runs")
    runs = re.fullmatch(r"(\d+) since [0-9-]+: (\d+) fully accounted", earlier.found)
    assert runs is not None, earlier.found  # no run is partial
    assert int(runs[1]) == int(runs[2]) >= 1


def test_a_canary_rerun_with_the_same_run_id_changes_nothing(twin: Twin) -> None:
    first, result = run_verify(twin.target, FAST, parts=("canary",))
    assert first.ok and result is not None
    before = _canary_figures(twin, result.run_id)
    again = CanarySettings(deadline_s=60, poll_interval_s=0.25, run_id=result.run_id)
    second, _ = run_verify(twin.target, again, parts=("canary",))
    assert second.ok, second.render()
    twin.twin.warehouse.run_until_idle()
    assert _canary_figures(twin, result.run_id) == before


def _canary_figures(twin: Twin, run_id: str) -> tuple[Any, ...]:
    admin = twin.admin
    admin.execute(
        "SELECT COUNT(*) FROM SILVER.RETAIL_POS_PROCESSED WHERE TRANSACTION_ID LIKE %s",
        (f"CANARY-{run_id}-%",),
    )
    silver = admin.fetchone()
    admin.execute(
        "SELECT COUNT(*) FROM SILVER.RETAIL_POS_REJECTED WHERE TRANSACTION_ID LIKE %s",
        (f"CANARY-{run_id}-%",),
    )
    rejected = admin.fetchone()
    admin.execute(
        "SELECT SUM(TRANSACTIONS), SUM(GROSS_SALES) FROM GOLD.DAILY_SALES_SUMMARY"
        " WHERE STORE_ID = %s",
        (CANARY_STORE,),
    )
    return silver, rejected, admin.fetchone()


def test_canary_sales_move_no_stock_and_stay_out_of_the_business_figures(twin: Twin) -> None:
    report, _ = run_verify(twin.target, FAST, parts=("canary",))
    assert report.ok
    admin = twin.admin
    admin.execute("SELECT COUNT(*) FROM SILVER.INVENTORY WHERE STORE_ID = %s", (CANARY_STORE,))
    assert admin.fetchone() == (0,)
    admin.execute(
        "SELECT COUNT(*) FROM GOLD.DAILY_SALES_SUMMARY WHERE STORE_ID = %s", (CANARY_STORE,)
    )
    assert admin.fetchone()[0] >= 1  # Gold holds the canary's row: the canary checks it
    from tests.paths import REPO_ROOT

    options = (REPO_ROOT / "dashboards/queries/sales_store_options.sql").read_text()
    admin.execute(options)
    assert CANARY_STORE not in {row[0] for row in admin.fetchall()}
    bounds = (REPO_ROOT / "dashboards/queries/sales_date_bounds.sql").read_text()
    admin.execute(bounds)
    assert admin.fetchone() == (None, None)  # only canary sales so far: no business dates
