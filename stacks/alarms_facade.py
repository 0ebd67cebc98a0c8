"""Alarms built with cdk-monitoring-constructs, for the metrics it covers: the Kinesis stream
(iterator age, read/write throughput exceeded, failed puts) and the Lambda functions (errors,
throttles, duration against the timeout, the monitor's invocations as a heartbeat)."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_lambda as lambda_
from cdk_monitoring_constructs import (
    AlarmFactoryDefaults,
    DefaultDashboardFactory,
    ErrorCountThreshold,
    LatencyTimeoutPercentageThreshold,
    MaxIteratorAgeThreshold,
    MinUsageCountThreshold,
    MonitoringFacade,
    RecordsFailedThreshold,
    RecordsThrottledThreshold,
    SnsAlarmActionStrategy,
)
from constructs import Construct

from stacks import alarm_thresholds as limits
from stacks.alarms_common import AlarmTarget

CRITICAL = "Critical"
Missing = cloudwatch.TreatMissingData
ONE_MINUTE = cdk.Duration.minutes(1)
FIVE_MINUTES = cdk.Duration.minutes(5)


def facade(scope: Construct, construct_id: str, target: AlarmTarget) -> MonitoringFacade:
    return MonitoringFacade(
        scope,
        construct_id,
        alarm_factory_defaults=AlarmFactoryDefaults(
            actions_enabled=True,
            alarm_name_prefix=target.name_prefix,
            action=SnsAlarmActionStrategy(on_alarm_topic=target.topic, on_ok_topic=target.topic),
            # Each threshold below sets its own; this is only the fallback.
            evaluation_periods=1,
            datapoints_to_alarm=1,
        ),
        # The operations dashboard (stacks/dashboard.py) is the one dashboard; no facade copies.
        dashboard_factory=DefaultDashboardFactory(
            scope,
            f"{construct_id}Dashboards",
            dashboard_name_prefix=target.name_prefix,
            create_dashboard=False,
            create_summary_dashboard=False,
            create_alarm_dashboard=False,
        ),
    )


def monitor_stream(monitoring: MonitoringFacade, stream: kinesis.IStream) -> None:
    monitoring.monitor_kinesis_data_stream(
        stream_name=stream.stream_name,
        alarm_friendly_name="SalesStream",
        add_iterator_max_age_alarm={
            CRITICAL: MaxIteratorAgeThreshold(
                max_age_in_millis=limits.ITERATOR_AGE_MAX_MS,
                period=ONE_MINUTE,
                evaluation_periods=limits.ITERATOR_AGE_PERIODS,
                datapoints_to_alarm=limits.ITERATOR_AGE_DATAPOINTS,
                # Firehose calls GetRecords all the time, even on an idle stream: no datapoint
                # means nobody is reading (AWS Solutions treats missing data as breaching too).
                treat_missing_data_override=Missing.BREACHING,
            )
        },
        add_read_provisioned_throughput_exceeded_alarm={CRITICAL: _throughput_exceeded()},
        add_write_provisioned_throughput_exceeded_alarm={CRITICAL: _throughput_exceeded()},
        add_put_records_failed_alarm={
            CRITICAL: RecordsFailedThreshold(
                max_records_failed_threshold=limits.PUT_RECORDS_FAILED_MAX,
                period=FIVE_MINUTES,
                # Emitted only when producers call PutRecords.
                treat_missing_data_override=Missing.NOT_BREACHING,
            )
        },
    )


def _throughput_exceeded() -> RecordsThrottledThreshold:
    """Read and write throughput exceeded share one threshold (AWS Solutions' average >= 0.01)."""
    return RecordsThrottledThreshold(
        max_records_throttled_threshold=limits.THROUGHPUT_EXCEEDED_AVERAGE,
        period=ONE_MINUTE,
        evaluation_periods=limits.THROUGHPUT_EXCEEDED_PERIODS,
        datapoints_to_alarm=limits.THROUGHPUT_EXCEEDED_PERIODS,
        comparison_operator_override=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treat_missing_data_override=Missing.NOT_BREACHING,
    )


def monitor_function(
    monitoring: MonitoringFacade,
    function: lambda_.IFunction,
    name: str,
    *,
    duration_alarm: bool,
    heartbeat: cdk.Duration | None = None,
) -> None:
    """Errors and throttles (any), duration near the timeout, and for a scheduled function an
    invocation heartbeat (missing = not running = breaching)."""
    quiet = Missing.NOT_BREACHING  # emitted only when the function is invoked
    heartbeat_alarm = (
        {
            CRITICAL: MinUsageCountThreshold(
                min_count=1, period=heartbeat, treat_missing_data_override=Missing.BREACHING
            )
        }
        if heartbeat
        else None
    )
    monitoring.monitor_lambda_function(
        lambda_function=function,
        alarm_friendly_name=name,
        add_fault_count_alarm={
            CRITICAL: ErrorCountThreshold(
                max_error_count=limits.LAMBDA_ERRORS_MAX,
                period=FIVE_MINUTES,
                treat_missing_data_override=quiet,
            )
        },
        add_throttles_count_alarm={
            CRITICAL: ErrorCountThreshold(
                max_error_count=limits.LAMBDA_THROTTLES_MAX,
                period=FIVE_MINUTES,
                treat_missing_data_override=quiet,
            )
        },
        add_max_latency_alarm=(
            {
                CRITICAL: LatencyTimeoutPercentageThreshold(
                    max_latency_percentage_of_timeout=limits.DURATION_PERCENT_OF_TIMEOUT,
                    period=FIVE_MINUTES,
                    treat_missing_data_override=quiet,
                )
            }
            if duration_alarm
            else None
        ),
        add_min_invocations_count_alarm=heartbeat_alarm,
    )
