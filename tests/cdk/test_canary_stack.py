"""The scheduled canary in the CDK app: off by default; on, a function on a schedule, two alarms
on its metrics wired to the alarm topic, and a row on the operations dashboard."""

from __future__ import annotations

import json

from lambdas.pipeline_verify import metrics as canary_metrics
from lambdas.pipeline_verify.budget import cloud_budget
from tests.cdk.conftest import Synthesized

HANDLER = "lambdas.pipeline_verify.handler.lambda_handler"


def _canary_functions(synth: Synthesized) -> dict[str, dict]:  # type: ignore[type-arg]
    return {
        k: v
        for k, v in synth.resources("AWS::Lambda::Function").items()
        if v["Properties"].get("Handler") == HANDLER
    }


def _canary_alarms(synth: Synthesized) -> list[dict]:  # type: ignore[type-arg]
    return [
        alarm["Properties"]
        for alarm in synth.resources("AWS::CloudWatch::Alarm").values()
        if alarm["Properties"].get("Namespace") == canary_metrics.NAMESPACE
    ]


def test_the_canary_is_off_by_default(synthesized: Synthesized) -> None:
    assert _canary_functions(synthesized) == {}
    assert _canary_alarms(synthesized) == []
    assert "Canary" not in json.dumps(synthesized.resources("AWS::CloudWatch::Dashboard"))


def test_the_canary_runs_on_a_schedule_and_its_alarms_notify_the_topic(
    deployed_synth: Synthesized,
) -> None:
    ((function_id, function),) = _canary_functions(deployed_synth).items()
    variables = function["Properties"]["Environment"]["Variables"]
    assert variables["SNOWFLAKE_ROLE"] == "POS_MONITOR"
    assert variables["METRICS_NAMESPACE"] == canary_metrics.NAMESPACE
    assert variables["CANARY_SALES"] == "20"
    # The deadline fits in the function's timeout.
    assert int(variables["CANARY_DEADLINE_SECONDS"]) < function["Properties"]["Timeout"]
    rules = [
        rule["Properties"]
        for rule in deployed_synth.resources("AWS::Events::Rule").values()
        if function_id in json.dumps(rule["Properties"]["Targets"])
    ]
    assert [rule["ScheduleExpression"] for rule in rules] == ["rate(15 minutes)"]
    alarms = {alarm["MetricName"]: alarm for alarm in _canary_alarms(deployed_synth)}
    assert set(alarms) == {
        canary_metrics.CANARY_SUCCESS,
        canary_metrics.CANARY_LATENCY,
        canary_metrics.UNACCOUNTED_RECORDS,
    }
    unaccounted = alarms[canary_metrics.UNACCOUNTED_RECORDS]
    assert (unaccounted["ComparisonOperator"], unaccounted["Threshold"]) == (
        "GreaterThanThreshold",
        0,
    )
    assert variables["WINDOW_MINUTES"] == "15"
    (topic_id,) = deployed_synth.resources("AWS::SNS::Topic")
    for alarm in alarms.values():
        assert alarm["AlarmActions"] == [{"Ref": topic_id}]
    success = alarms[canary_metrics.CANARY_SUCCESS]
    assert (success["ComparisonOperator"], success["Threshold"]) == ("LessThanThreshold", 1)
    assert success["TreatMissingData"] == "breaching"  # no run is a failed run
    assert alarms[canary_metrics.CANARY_LATENCY]["Threshold"] == cloud_budget().total_p95
    (dashboard,) = deployed_synth.resources("AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    assert canary_metrics.CANARY_SUCCESS in body and canary_metrics.CANARY_LATENCY in body


def test_the_canary_needs_the_monitor_user() -> None:
    import pytest

    from stacks.config import ConfigError, load_config
    from tests.cdk.conftest import SETTINGS

    with pytest.raises(ConfigError) as refused:
        load_config({**SETTINGS, "canary_enabled": True})
    assert "canary_enabled needs monitor_secret_arn" in str(refused.value)
