"""The scheduled canary's core on the twin, as the monitor user (the role it has in production):
it publishes CanarySuccess, CanaryLatencySeconds and UnaccountedRecords to CloudWatch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lambdas.pipeline_verify import metrics
from lambdas.pipeline_verify.handler import CanaryEnvironment, run_scheduled_canary
from tests.verify.conftest import Twin


def _environment(twin: Twin) -> dict[str, str]:
    stack = twin.target.stack
    return {
        "SNOWFLAKE_ACCOUNT_URL": "https://local-twin.snowflakecomputing.com",
        "SNOWFLAKE_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:m-AbCdEf",
        "SNOWFLAKE_ROLE": "POS_MONITOR",
        "SNOWFLAKE_WAREHOUSE": "POS_WH",
        "SNOWFLAKE_DATABASE": "POS_DB",
        "STREAM_NAME": stack.output("StreamName"),
        "DELIVERY_STREAM_NAME": stack.output("DeliveryStreamName"),
        "CANARY_DEADLINE_SECONDS": "60",
        "WINDOW_MINUTES": "5",
    }


def _points(twin: Twin, name: str) -> list[float]:
    answer = twin.aws("cloudwatch").get_metric_statistics(
        Namespace=metrics.NAMESPACE,
        MetricName=name,
        Dimensions=[{"Name": metrics.DIMENSION_DATABASE, "Value": "POS_DB"}],
        StartTime=datetime.now(UTC) - timedelta(hours=1),
        EndTime=datetime.now(UTC) + timedelta(minutes=1),
        Period=60,
        Statistics=["Maximum"],
    )
    return [point["Maximum"] for point in answer["Datapoints"]]


def test_the_scheduled_canary_publishes_its_metrics_as_the_monitor(twin: Twin) -> None:
    settings = CanaryEnvironment.from_environment(_environment(twin))
    principals = twin.twin.warehouse.principals
    monitor = twin.twin.snowflake_connection(principals.monitor.user, principals.monitor.role)
    try:
        report = run_scheduled_canary(
            settings, twin.aws("kinesis"), twin.aws("cloudwatch"), monitor
        )
    finally:
        monitor.close()
    assert report.ok, report.render()
    assert _points(twin, metrics.CANARY_SUCCESS) == [1.0]
    (latency,) = _points(twin, metrics.CANARY_LATENCY)
    assert 0 < latency < 60
    assert _points(twin, metrics.UNACCOUNTED_RECORDS) == [0.0] * len(
        _points(twin, metrics.UNACCOUNTED_RECORDS)
    )
    assert _points(twin, metrics.UNACCOUNTED_RECORDS)  # the windows were published


def test_missing_environment_is_named() -> None:
    with pytest.raises(ValueError, match="STREAM_NAME"):
        CanaryEnvironment.from_environment({"SNOWFLAKE_ACCOUNT_URL": "x"})
