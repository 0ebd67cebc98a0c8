"""Alarms on the scheduled canary's metrics: a run that did not get every record to its place in
time, or no run at all (missing data is breaching), and a run slower than the latency budget's
event -> Gold p95 (docs/verify.md)."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from lambdas.pipeline_verify import metrics as canary_metrics
from lambdas.pipeline_verify.budget import cloud_budget
from stacks.alarms_common import AlarmTarget, plain_alarm
from stacks.config import PipelineConfig


def canary_metric(
    name: str, database: str, statistic: str, period: cdk.Duration
) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace=canary_metrics.NAMESPACE,
        metric_name=name,
        dimensions_map={canary_metrics.DIMENSION_DATABASE: database},
        statistic=statistic,
        period=period,
    )


class CanaryAlarms(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: PipelineConfig, target: AlarmTarget
    ) -> None:
        super().__init__(scope, construct_id)
        period = cdk.Duration.minutes(config.canary_interval_minutes)
        budget = cloud_budget(
            config.processor_buffer_interval_seconds, config.destination_buffer_interval_seconds
        )
        self.success = plain_alarm(
            self,
            "CanaryFailed",
            target,
            metric=canary_metric(canary_metrics.CANARY_SUCCESS, config.database, "Minimum", period),
            threshold=1,
            comparison=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            # No data point: the canary did not run or could not start.
            missing=cloudwatch.TreatMissingData.BREACHING,
            description="A canary run's sales or bad records did not all reach their place in "
            "time (the canary's log has the report), or no canary ran.",
        )
        self.latency = plain_alarm(
            self,
            "CanarySlow",
            target,
            metric=canary_metric(canary_metrics.CANARY_LATENCY, config.database, "Maximum", period),
            threshold=budget.total_p95,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            missing=cloudwatch.TreatMissingData.NOT_BREACHING,
            evaluation_periods=2,
            description=f"Canary sales took longer than the budget's event->Gold p95 "
            f"({budget.total_p95:g} s, docs/verify.md) in two runs in a row.",
        )
        self.unaccounted = plain_alarm(
            self,
            "UnaccountedRecords",
            target,
            metric=canary_metric(
                canary_metrics.UNACCOUNTED_RECORDS, config.database, "Maximum", period
            ),
            threshold=0,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            missing=cloudwatch.TreatMissingData.NOT_BREACHING,
            description="A closed window has records put to Kinesis that are in neither Silver, "
            "REJECTED nor the error output (rows silently not loaded, a stuck task); the "
            "canary's log names the window (docs/verify.md).",
        )
        self.alarms: list[cloudwatch.IAlarm] = [self.success, self.latency, self.unaccounted]
