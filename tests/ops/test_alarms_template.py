"""Every alarm in the synthesized template: what it watches, how, and whom it tells."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ops.conftest import MONITOR_SECRET, SETTINGS, Synthesized, synthesize

P = "RetailPosPipeline-"
GT, GE, LT = "GreaterThanThreshold", "GreaterThanOrEqualToThreshold", "LessThanThreshold"
BREACHING, NOT_BREACHING = "breaching", "notBreaching"
RAW, INVENTORY, GOLD = (
    ("SILVER.PROCESS_RAW_POS_TASK", "BRONZE.JSON_RAW_DATA_STREAM"),
    ("SILVER.UPDATE_INVENTORY_TASK", "SILVER.PROCESSED_FOR_INVENTORY_STREAM"),
    ("GOLD.UPDATE_DAILY_SUMMARY_TASK", "SILVER.PROCESSED_FOR_GOLD_STREAM"),
)
FIREHOSE = "DeliveryStreamName"
SF = "RetailPosPipeline/Snowflake"

# name: (namespace, metric, dimension names -> value or None for a reference, statistic,
#        period s, threshold, comparison, missing data, evaluation periods, datapoints)
SINGLE_METRIC_ALARMS: dict[str, tuple[Any, ...]] = {
    "SalesStream-Iterator-Age-Max-Critical": (
        "AWS/Kinesis", "GetRecords.IteratorAgeMilliseconds", {"StreamName": None},
        "Maximum", 60, 60000, GT, BREACHING, 5, 3),
    "SalesStream-ReadThroughputExceeded-Critical": (
        "AWS/Kinesis", "ReadProvisionedThroughputExceeded", {"StreamName": None},
        "Average", 60, 0.01, GE, NOT_BREACHING, 3, 3),
    "SalesStream-WriteThroughputExceeded-Critical": (
        "AWS/Kinesis", "WriteProvisionedThroughputExceeded", {"StreamName": None},
        "Average", 60, 0.01, GE, NOT_BREACHING, 3, 3),
    "SalesStream-PutRecordsFailed-Critical": (
        "AWS/Kinesis", "PutRecords.FailedRecords", {"StreamName": None},
        "Sum", 300, 0, GT, NOT_BREACHING, 1, 1),
    "FirehoseDataFreshness": (
        "AWS/Firehose", "DeliveryToSnowflake.DataFreshness", {FIREHOSE: None},
        "Maximum", 300, 900, GT, NOT_BREACHING, 3, 2),
    "FirehoseTransformInvocations": (
        "AWS/Firehose", "ExecuteProcessing.Success", {FIREHOSE: None},
        "Average", 300, 0.99, LT, NOT_BREACHING, 3, 2),
    "FirehoseBehindKinesis": (
        "AWS/Firehose", "KinesisMillisBehindLatest", {FIREHOSE: None},
        "Maximum", 300, 60000, GE, NOT_BREACHING, 3, 2),
    "FirehoseRecordsToBackup": (
        "AWS/Firehose", "DeliveryToS3.Records", {FIREHOSE: None},
        "Sum", 300, 0, GT, NOT_BREACHING, 1, 1),
    "FirehoseBackupFailures": (
        "AWS/Firehose", "DeliveryToS3.Success", {FIREHOSE: None},
        "Minimum", 300, 1, LT, NOT_BREACHING, 1, 1),
    "Transform-Fault-Count-Critical": (
        "AWS/Lambda", "Errors", {"FunctionName": None}, "Sum", 300, 0, GT, NOT_BREACHING, 1, 1),
    "Transform-Throttled-Count-Critical": (
        "AWS/Lambda", "Throttles", {"FunctionName": None}, "Sum", 300, 0, GT, NOT_BREACHING, 1, 1),
    # 80 % of the transform's 60 s timeout.
    "Transform-Latency-Maximum-Critical": (
        "AWS/Lambda", "Duration", {"FunctionName": None},
        "Maximum", 300, 48000, GT, NOT_BREACHING, 1, 1),
    "TransformProcessingFailed": (
        "RetailPosPipeline", "RecordsProcessingFailed", {"service": "pos-transform"},
        "Sum", 300, 0, GT, NOT_BREACHING, 1, 1),
    "Migrations-Fault-Count-Critical": (
        "AWS/Lambda", "Errors", {"FunctionName": None}, "Sum", 300, 0, GT, NOT_BREACHING, 1, 1),
    "Migrations-Throttled-Count-Critical": (
        "AWS/Lambda", "Throttles", {"FunctionName": None}, "Sum", 300, 0, GT, NOT_BREACHING, 1, 1),
    "SnowflakeMonitor-Fault-Count-Critical": (
        "AWS/Lambda", "Errors", {"FunctionName": None}, "Sum", 300, 0, GT, NOT_BREACHING, 1, 1),
    "SnowflakeMonitor-Throttled-Count-Critical": (
        "AWS/Lambda", "Throttles", {"FunctionName": None}, "Sum", 300, 0, GT, NOT_BREACHING, 1, 1),
    "SnowflakeMonitor-Latency-Maximum-Critical": (
        "AWS/Lambda", "Duration", {"FunctionName": None},
        "Maximum", 300, 96000, GT, NOT_BREACHING, 1, 1),
    # Heartbeat: no invocation in 15 minutes (3 schedules) = the monitor is not running.
    "SnowflakeMonitor-Usage-Count-Critical": (
        "AWS/Lambda", "Invocations", {"FunctionName": None}, "Sum", 900, 1, LT, BREACHING, 1, 1),
}  # fmt: skip
# The other kinds' tasks: one per kind, and one for records of no known kind.
KIND_TASKS = {
    kind: (f"SILVER.PROCESS_RAW_{kind.upper()}_TASK", f"BRONZE.JSON_RAW_DATA_{kind.upper()}_STREAM")
    for kind in ("clickstream", "iot", "app_log", "cdc", "unclassified")
}
for label, (task, stream) in {
    "ProcessRawPosTask": RAW,
    "UpdateInventoryTask": INVENTORY,
    "UpdateDailySummaryTask": GOLD,
    **{
        "ProcessRaw" + kind.title().replace("_", "") + "Task": names
        for kind, names in KIND_TASKS.items()
    },
}.items():
    db = {"Database": "POS_DB"}
    SINGLE_METRIC_ALARMS[f"Snowflake{label}Failed"] = (
        SF, "TaskRunsFailed", db | {"Task": task},
        "Sum", 300, 0, GT, NOT_BREACHING, 1, 1)  # fmt: skip
    # 2 of 3 intervals: one late datapoint (counted as breaching) does not page.
    SINGLE_METRIC_ALARMS[f"Snowflake{label}Backlog"] = (
        SF, "StreamOldestWaitingMinutes", db | {"Stream": stream},
        "Maximum", 300, 30, GT, BREACHING, 3, 2)  # fmt: skip
    SINGLE_METRIC_ALARMS[f"Snowflake{label}Silent"] = (
        SF, "MinutesSinceTaskSuccess", db | {"Task": task},
        "Minimum", 300, 1440, GT, NOT_BREACHING, 1, 1)  # fmt: skip
# Redrivable rejects at every run for 30 minutes: the automatic redrive is off or failing.
SINGLE_METRIC_ALARMS["SnowflakeDeadLetterRedrivable"] = (
    SF, "DeadLetterRedrivable", {"Database": "POS_DB"},
    "Minimum", 300, 0, GT, NOT_BREACHING, 6, 6)  # fmt: skip

# name: (expression fragments, metrics used, period, threshold, comparison, missing, periods)
MATH_ALARMS: dict[str, tuple[Any, ...]] = {
    "FirehoseDeliveryStalled": (
        ["FILL(reads, 0) > 0", "FILL(inserts, 0) <= 0"],
        {"DataReadFromKinesisStream.Records", "DeliveryToSnowflake.Success"},
        300, 1, GE, NOT_BREACHING, 3),
    "TransformInvalidShare": (
        [">= 100", "FILL(m_invalid, 0)", "FILL(m_not_json, 0)", "FILL(m_valid, 0)"],
        {"RecordsValid", "RecordsInvalid", "RecordsNotJson", "RecordsNotUtf8",
         "RecordsNotObject", "RecordsEmpty", "RecordsTooLarge"},
        3600, 0.05, GT, NOT_BREACHING, 1),
    "SnowflakeRejectedShare": (
        [">= 100", "FILL(rejected, 0)", "FILL(accepted, 0)"],
        {"RecordsRejected", "RecordsAccepted"},
        3600, 0.05, GT, NOT_BREACHING, 1),
    # Each other kind's share of rejected records, from its own task's counts.
    **{
        f"Snowflake{kind.title().replace('_', '')}RejectedShare": (
            [">= 100", "FILL(rejected, 0)", "FILL(accepted, 0)"],
            {"TaskRecordsRejected", "TaskRecordsAccepted"},
            3600, 0.05, GT, NOT_BREACHING, 1)
        for kind in KIND_TASKS
    },
}  # fmt: skip


def _metric_stat(properties: dict[str, Any]) -> dict[str, Any]:
    """The one metric an alarm watches, whether written inline or as a one-entry Metrics list."""
    if "MetricName" in properties:
        return {
            "namespace": properties["Namespace"],
            "metric": properties["MetricName"],
            "dimensions": {d["Name"]: d["Value"] for d in properties.get("Dimensions", [])},
            "statistic": properties["Statistic"],
            "period": properties["Period"],
        }
    (only,) = properties["Metrics"]
    stat = only["MetricStat"]
    return {
        "namespace": stat["Metric"]["Namespace"],
        "metric": stat["Metric"]["MetricName"],
        "dimensions": {d["Name"]: d["Value"] for d in stat["Metric"].get("Dimensions", [])},
        "statistic": stat["Stat"],
        "period": stat["Period"],
    }


def _notifies_topic(properties: dict[str, Any], topic_id: str) -> None:
    assert properties.get("ActionsEnabled", True) is True
    assert properties["AlarmActions"] == [{"Ref": topic_id}]
    assert properties["OKActions"] == [{"Ref": topic_id}]


def test_alarm_set_is_exactly_the_documented_one(ops_synth: Synthesized) -> None:
    expected = {P + name for name in (*SINGLE_METRIC_ALARMS, *MATH_ALARMS)}
    assert set(ops_synth.alarms()) == expected


@pytest.mark.parametrize("name", sorted(SINGLE_METRIC_ALARMS))
def test_single_metric_alarm(ops_synth: Synthesized, name: str) -> None:
    (namespace, metric, dimensions, statistic, period, threshold, comparison, missing,
     periods, datapoints) = SINGLE_METRIC_ALARMS[name]  # fmt: skip
    properties = ops_synth.alarms()[P + name]["Properties"]
    watched = _metric_stat(properties)
    assert watched["namespace"] == namespace
    assert watched["metric"] == metric
    assert set(watched["dimensions"]) == set(dimensions)
    for key, value in dimensions.items():
        if value is not None:
            assert watched["dimensions"][key] == value
        else:
            assert "Ref" in watched["dimensions"][key]  # the stack's own resource
    assert watched["statistic"] == statistic
    assert watched["period"] == period
    assert properties["Threshold"] == threshold
    assert properties["ComparisonOperator"] == comparison
    assert properties["TreatMissingData"] == missing
    assert properties["EvaluationPeriods"] == periods
    assert properties["DatapointsToAlarm"] == datapoints
    _notifies_topic(properties, ops_synth.logical_id(ops_synth.monitoring.alarm_topic))


@pytest.mark.parametrize("name", sorted(MATH_ALARMS))
def test_metric_math_alarm(ops_synth: Synthesized, name: str) -> None:
    fragments, metrics, period, threshold, comparison, missing, periods = MATH_ALARMS[name]
    properties = ops_synth.alarms()[P + name]["Properties"]
    expressions = [entry for entry in properties["Metrics"] if "Expression" in entry]
    (expression,) = expressions
    assert expression["ReturnData"] is True
    for fragment in fragments:
        assert fragment in expression["Expression"]
    inputs = [entry["MetricStat"] for entry in properties["Metrics"] if "MetricStat" in entry]
    assert {stat["Metric"]["MetricName"] for stat in inputs} == metrics
    assert {stat["Period"] for stat in inputs} == {period}
    assert {stat["Stat"] for stat in inputs} == {"Sum"}
    assert properties["Threshold"] == threshold
    assert properties["ComparisonOperator"] == comparison
    assert properties["TreatMissingData"] == missing
    assert properties["EvaluationPeriods"] == periods
    _notifies_topic(properties, ops_synth.logical_id(ops_synth.monitoring.alarm_topic))


def test_monitor_runs_every_five_minutes_with_least_privilege(ops_synth: Synthesized) -> None:
    template = ops_synth.template
    monitor = ops_synth.monitoring.snowflake_monitor
    assert monitor is not None
    function_id = ops_synth.logical_id(monitor.function)
    rules = template.find_resources("AWS::Events::Rule")
    (rule,) = [
        r
        for r in rules.values()
        if r["Properties"]["Targets"][0]["Arn"]["Fn::GetAtt"][0] == function_id
    ]
    assert rule["Properties"]["ScheduleExpression"] == "rate(5 minutes)"
    environment = template.find_resources("AWS::Lambda::Function")[function_id]["Properties"][
        "Environment"
    ]["Variables"]
    assert environment["SNOWFLAKE_ROLE"] == "POS_MONITOR"
    assert environment["SNOWFLAKE_SECRET_ARN"] == MONITOR_SECRET
    statements = [
        statement
        for policy in template.find_resources("AWS::IAM::Policy").values()
        if any(
            role.get("Ref") == ops_synth.logical_id(monitor.function.role)  # type: ignore[arg-type]
            for role in policy["Properties"]["Roles"]
        )
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    by_action = {str(s["Action"]): s for s in statements}
    assert by_action["secretsmanager:GetSecretValue"]["Resource"] == MONITOR_SECRET
    put = by_action["cloudwatch:PutMetricData"]
    assert put["Condition"] == {
        "StringEquals": {"cloudwatch:namespace": "RetailPosPipeline/Snowflake"}
    }


def test_one_operations_dashboard_with_a_row_per_hop(ops_synth: Synthesized) -> None:
    dashboards = ops_synth.template.find_resources("AWS::CloudWatch::Dashboard")
    assert len(dashboards) == 1
    body = str(next(iter(dashboards.values()))["Properties"]["DashboardBody"])
    for row in ("Ingest", "Transform", "Delivery", "Snowflake tasks", "Quality"):
        assert f"## {row}" in body


def test_the_monitor_interval_is_a_setting_and_every_snowflake_period_follows_it(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    synthesized = synthesize({**SETTINGS, "monitor_interval_minutes": "15"}, tmp_path_factory)
    monitor = synthesized.monitoring.snowflake_monitor
    assert monitor is not None
    function_id = synthesized.logical_id(monitor.function)
    function = synthesized.template.find_resources("AWS::Lambda::Function")[function_id]
    assert function["Properties"]["Environment"]["Variables"]["MONITOR_WINDOW_MINUTES"] == "15"
    rules = synthesized.template.find_resources("AWS::Events::Rule")
    assert [r["Properties"]["ScheduleExpression"] for r in rules.values()] == ["rate(15 minutes)"]
    alarms = synthesized.alarms()
    assert (
        _metric_stat(alarms[P + "SnowflakeProcessRawPosTaskBacklog"]["Properties"])["period"] == 900
    )
    assert (
        _metric_stat(alarms[P + "SnowflakeProcessRawPosTaskFailed"]["Properties"])["period"] == 900
    )
    heartbeat = alarms[P + "SnowflakeMonitor-Usage-Count-Critical"]["Properties"]
    assert _metric_stat(heartbeat)["period"] == 3 * 900
