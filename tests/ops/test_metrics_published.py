"""What the monitor publishes, read back from (moto's) CloudWatch the way an operator would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from lambdas.snowflake_monitor import metrics as m
from lambdas.snowflake_monitor.handler import MonitorSettings
from lambdas.snowflake_monitor.health import (
    HealthRows,
    HealthWindow,
    compute_health,
    summarize,
)
from lambdas.snowflake_monitor.hops import HOPS
from tests.snowflake.bronze import bronze_rows, sale

REGION = "eu-west-1"


@pytest.fixture
def cloudwatch() -> Any:
    with mock_aws():
        yield boto3.client("cloudwatch", region_name=REGION)


def _value(cloudwatch: Any, name: str, dimensions: dict[str, str], at: datetime) -> list[float]:
    result = cloudwatch.get_metric_data(
        MetricDataQueries=[
            {
                "Id": "q",
                "MetricStat": {
                    "Metric": {
                        "Namespace": m.NAMESPACE,
                        "MetricName": name,
                        "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
                    },
                    "Period": 300,
                    "Stat": "Sum",
                },
            }
        ],
        StartTime=at - timedelta(minutes=10),
        EndTime=at + timedelta(minutes=10),
    )
    return list(result["MetricDataResults"][0]["Values"])


def test_local_warehouse_health_lands_in_cloudwatch(warehouse: Any, cloudwatch: Any) -> None:
    warehouse.load_bronze(bronze_rows([sale("T1"), sale("T2"), b"not json"]))
    with warehouse.fail_statement("GOLD.UPDATE_DAILY_SUMMARY", 1):
        warehouse.run_due_tasks()
    now = datetime.now(UTC)
    connection = warehouse.connect_as(warehouse.principals.monitor)
    try:
        report = compute_health(
            connection,
            window=HealthWindow(now - timedelta(hours=1), now + timedelta(minutes=1)),
            now=now,
        )
    finally:
        connection.close()

    assert m.publish(cloudwatch, m.metric_data(report)) == 1

    database = {m.DIMENSION_DATABASE: "POS_DB"}
    window_start = report.window.start
    gold = database | {m.DIMENSION_TASK: "GOLD.UPDATE_DAILY_SUMMARY_TASK"}
    raw = database | {m.DIMENSION_TASK: "SILVER.PROCESS_RAW_POS_TASK"}
    assert _value(cloudwatch, m.TASK_RUNS_FAILED, gold, window_start) == [1.0]
    assert _value(cloudwatch, m.TASK_RUNS_FAILED, raw, window_start) == [0.0]
    assert _value(cloudwatch, m.RECORDS_ACCEPTED, database, window_start) == [2.0]
    assert _value(cloudwatch, m.RECORDS_REJECTED, database, window_start) == [1.0]
    # Gold failed, so the line items it should have summed are still in its stream.
    gold_stream = database | {m.DIMENSION_STREAM: "SILVER.PROCESSED_FOR_GOLD_STREAM"}
    assert _value(cloudwatch, m.STREAM_ROWS_WAITING, gold_stream, now) == [2.0]

    listed = cloudwatch.list_metrics(Namespace=m.NAMESPACE)["Metrics"]
    names = {metric["MetricName"] for metric in listed}
    assert {
        m.TASK_RUNS_FAILED,
        m.TASK_RUNS_SUCCEEDED,
        m.MINUTES_SINCE_TASK_SUCCESS,
        m.STREAM_ROWS_WAITING,
        m.STREAM_OLDEST_WAITING_MINUTES,
        m.RECORDS_ACCEPTED,
        m.RECORDS_REJECTED,
        m.REJECTED_SHARE,
        m.REJECTED_BY_RULE,
    } <= names
    # Every alarm dimension set exists: one per task, one per stream, all with the database.
    tasks = {
        tuple(sorted((d["Name"], d["Value"]) for d in metric["Dimensions"]))
        for metric in listed
        if metric["MetricName"] == m.TASK_RUNS_FAILED
    }
    assert len(tasks) == len(HOPS) == 8  # POS, inventory, Gold, four other kinds, unclassified


def test_every_hop_is_published_even_when_idle(cloudwatch: Any) -> None:
    """Zeros are published, so a missing datapoint can only mean the monitor did not run."""
    now = datetime(2026, 11, 30, 12, 3, tzinfo=UTC)
    window = HealthWindow.ending_before(now, timedelta(minutes=5))
    empty = HealthRows([], [], [], {}, [], {})
    data = m.metric_data(summarize(empty, database="POS_DB", window=window, as_of=now))
    m.publish(cloudwatch, data)
    for hop_metric in (
        m.TASK_RUNS_FAILED,
        m.STREAM_ROWS_WAITING,
        m.STREAM_OLDEST_WAITING_MINUTES,
        m.TASK_RECORDS_ACCEPTED,
        m.TASK_RECORDS_REJECTED,
    ):
        published = cloudwatch.list_metrics(Namespace=m.NAMESPACE, MetricName=hop_metric)
        assert len(published["Metrics"]) == len(HOPS)
    # Nothing processed yet: no share and no "minutes since success" (not a fake zero).
    assert not cloudwatch.list_metrics(Namespace=m.NAMESPACE, MetricName=m.REJECTED_SHARE)[
        "Metrics"
    ]
    assert not cloudwatch.list_metrics(
        Namespace=m.NAMESPACE, MetricName=m.MINUTES_SINCE_TASK_SUCCESS
    )["Metrics"]


def test_large_reports_are_split_into_allowed_requests() -> None:
    calls: list[int] = []

    class Recorder:
        def put_metric_data(self, **request: Any) -> None:
            calls.append(len(request["MetricData"]))

    datum = {"MetricName": "x", "Value": 1.0, "Unit": "Count"}
    assert m.publish(Recorder(), [datum] * 2500) == 3
    assert calls == [1000, 1000, 500]


def test_the_monitor_counts_the_interval_it_is_scheduled_at() -> None:
    """The stack passes monitor_interval_minutes; each run then counts the last whole interval,
    so a 15-minute schedule neither skips 10 minutes nor counts a run twice."""
    environ = {
        "SNOWFLAKE_ACCOUNT_URL": "https://myorg-pos.snowflakecomputing.com",
        "SNOWFLAKE_SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:m-AbCdEf",
        "SNOWFLAKE_ROLE": "POS_MONITOR",
        "SNOWFLAKE_WAREHOUSE": "POS_WH",
        "SNOWFLAKE_DATABASE": "POS_DB",
    }
    assert MonitorSettings.from_environment(environ).window == timedelta(minutes=5)
    settings = MonitorSettings.from_environment({**environ, "MONITOR_WINDOW_MINUTES": "15"})
    assert settings.window == timedelta(minutes=15)
    window = HealthWindow.ending_before(
        datetime(2026, 12, 2, 9, 14, 7, tzinfo=UTC), settings.window
    )
    assert (window.start, window.end) == (
        datetime(2026, 12, 2, 8, 45, tzinfo=UTC),
        datetime(2026, 12, 2, 9, 0, tzinfo=UTC),
    )
