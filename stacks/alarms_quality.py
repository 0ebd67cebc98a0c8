"""Data-quality alarms on the transform's own EMF metrics (namespace and ``service`` dimension
from its environment) and on the Snowflake monitor's metrics. Plain ``cloudwatch.Alarm``s: these
are custom metrics, and the share alarms need metric math with a minimum-volume guard."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from lambdas.snowflake_monitor import metrics as monitor_metrics
from lambdas.snowflake_monitor.hops import DOWNSTREAM_PROCEDURES, HOPS, INTAKE_PROCEDURE
from lambdas.transform.classify import STATUS_METRIC_NAMES as TRANSFORM_STATUS_METRICS
from lambdas.transform.observability import DEFAULT_NAMESPACE, DEFAULT_SERVICE
from stacks import alarm_thresholds as limits
from stacks.alarms_common import AlarmTarget, plain_alarm

Op = cloudwatch.ComparisonOperator
Missing = cloudwatch.TreatMissingData
FIVE_MINUTES = cdk.Duration.minutes(5)


def transform_metric(
    metric_name: str, period: cdk.Duration = FIVE_MINUTES, statistic: str = "Sum"
) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace=DEFAULT_NAMESPACE,
        metric_name=metric_name,
        dimensions_map={"service": DEFAULT_SERVICE},
        statistic=statistic,
        period=period,
    )


def monitor_metric(
    metric_name: str,
    database: str,
    statistic: str,
    extra: dict[str, str] | None = None,
    *,
    period: cdk.Duration,
) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace=monitor_metrics.NAMESPACE,
        metric_name=metric_name,
        dimensions_map={monitor_metrics.DIMENSION_DATABASE: database, **(extra or {})},
        statistic=statistic,
        period=period,
    )


def share_expression(
    bad: dict[str, cloudwatch.IMetric], good: dict[str, cloudwatch.IMetric], min_records: int
) -> str:
    """``bad / (good + bad)``, 0 below ``min_records`` records (FILL: absent = none)."""
    bad_sum = " + ".join(f"FILL({key}, 0)" for key in bad)
    total = " + ".join(f"FILL({key}, 0)" for key in (*good, *bad))
    return f"IF(({total}) >= {min_records}, ({bad_sum}) / ({total}), 0)"


def share_alarm(
    scope: Construct,
    construct_id: str,
    target: AlarmTarget,
    *,
    bad: dict[str, cloudwatch.IMetric],
    good: dict[str, cloudwatch.IMetric],
    min_records: int,
    max_share: float,
    period: cdk.Duration,
    label: str,
    description: str,
) -> cloudwatch.Alarm:
    """Alarm when the bad share of a period's records exceeds ``max_share``, judged only once
    there are ``min_records``; a quiet period is not a breach."""
    return plain_alarm(
        scope,
        construct_id,
        target,
        metric=cloudwatch.MathExpression(
            expression=share_expression(bad, good, min_records),
            using_metrics={**bad, **good},
            label=label,
            period=period,
        ),
        threshold=max_share,
        comparison=Op.GREATER_THAN_THRESHOLD,
        missing=Missing.NOT_BREACHING,
        description=description,
    )


class TransformQualityAlarms(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, target: AlarmTarget) -> None:
        super().__init__(scope, construct_id)
        period = limits.QUALITY_PERIOD
        bad: dict[str, cloudwatch.IMetric] = {
            f"m_{status}": transform_metric(name, period)
            for status, name in TRANSFORM_STATUS_METRICS.items()
            if status != "valid"
        }
        valid = transform_metric(TRANSFORM_STATUS_METRICS["valid"], period)
        good: dict[str, cloudwatch.IMetric] = {"m_valid": valid}
        self.invalid_share = share_alarm(
            self,
            "TransformInvalidShare",
            target,
            bad=bad,
            good=good,
            min_records=limits.INVALID_SHARE_MIN_RECORDS,
            max_share=limits.INVALID_SHARE_MAX,
            period=period,
            label="Share of records the transform tagged as not valid",
            description="Over 5 % of the hour's records (at least 100) failed the pos.v1 checks "
            "or were not JSON objects: a systematic fault upstream.",
        )
        self.processing_failed = plain_alarm(
            self,
            "TransformProcessingFailed",
            target,
            metric=transform_metric("RecordsProcessingFailed"),
            threshold=limits.PROCESSING_FAILED_MAX,
            comparison=Op.GREATER_THAN_THRESHOLD,
            # Emitted on every invocation; no datapoint = no data to transform.
            missing=Missing.NOT_BREACHING,
            description="The transform returned ProcessingFailed (its own fault, never bad "
            "data); those records are in processing-failed/.",
        )
        self.alarms = [self.invalid_share, self.processing_failed]


class SnowflakeAlarms(Construct):
    """Alarms on the metrics the Snowflake monitor publishes (one per task, one per stream)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        database: str,
        interval: cdk.Duration,
        target: AlarmTarget,
    ) -> None:
        super().__init__(scope, construct_id)
        self.alarms: list[cloudwatch.Alarm] = []
        for hop in HOPS:
            task = {monitor_metrics.DIMENSION_TASK: hop.task}
            stream = {monitor_metrics.DIMENSION_STREAM: hop.stream}
            label = hop.task.split(".")[-1].title().replace("_", "")
            self.alarms.append(
                plain_alarm(
                    self,
                    f"Snowflake{label}Failed",
                    target,
                    metric=monitor_metric(
                        monitor_metrics.TASK_RUNS_FAILED, database, "Sum", task, period=interval
                    ),
                    threshold=limits.TASK_FAILED_RUNS_MAX,
                    comparison=Op.GREATER_THAN_THRESHOLD,
                    # The monitor publishes 0 every run; its silence is the heartbeat alarm's.
                    missing=Missing.NOT_BREACHING,
                    description=f"{hop.task} failed (task history or run log); 3 failures in a "
                    "row suspend it.",
                )
            )
            self.alarms.append(
                plain_alarm(
                    self,
                    f"Snowflake{label}Backlog",
                    target,
                    metric=monitor_metric(
                        monitor_metrics.STREAM_OLDEST_WAITING_MINUTES,
                        database,
                        "Maximum",
                        stream,
                        period=interval,
                    ),
                    threshold=limits.STREAM_OLDEST_WAITING_MAX_MINUTES,
                    comparison=Op.GREATER_THAN_THRESHOLD,
                    # Unknown backlog age is treated as stuck: a silent hop must not look healthy;
                    # but 2 of 3 intervals, so one late datapoint is not a page.
                    missing=Missing.BREACHING,
                    evaluation_periods=limits.BACKLOG_PERIODS,
                    datapoints_to_alarm=limits.BACKLOG_DATAPOINTS,
                    description=f"Rows in {hop.stream} have waited over 30 minutes for "
                    f"{hop.task}: the task is stuck or suspended.",
                )
            )
            self.alarms.append(
                plain_alarm(
                    self,
                    f"Snowflake{label}Silent",
                    target,
                    metric=monitor_metric(
                        monitor_metrics.MINUTES_SINCE_TASK_SUCCESS,
                        database,
                        "Minimum",
                        task,
                        period=interval,
                    ),
                    threshold=limits.MINUTES_SINCE_SUCCESS_MAX,
                    comparison=Op.GREATER_THAN_THRESHOLD,
                    # Absent until the task's first successful run (a new deployment).
                    missing=Missing.NOT_BREACHING,
                    description=f"{hop.task} has not completed a run in 24 hours: no sales "
                    "have reached this hop in a day.",
                )
            )
        hour = limits.QUALITY_PERIOD
        rejected = monitor_metric(monitor_metrics.RECORDS_REJECTED, database, "Sum", period=hour)
        accepted = monitor_metric(monitor_metrics.RECORDS_ACCEPTED, database, "Sum", period=hour)
        bad: dict[str, cloudwatch.IMetric] = {"rejected": rejected}
        good: dict[str, cloudwatch.IMetric] = {"accepted": accepted}
        self.rejected_share = share_alarm(
            self,
            "SnowflakeRejectedShare",
            target,
            bad=bad,
            good=good,
            min_records=limits.REJECTED_SHARE_MIN_RECORDS,
            max_share=limits.REJECTED_SHARE_MAX,
            period=hour,
            label="Share of records Silver rejected",
            description="Over 5 % of the hour's records (at least 100) were rejected to "
            "SILVER.RETAIL_POS_REJECTED: see rejects by rule on the dashboard.",
        )
        self.alarms.append(self.rejected_share)
        self.alarms.append(
            plain_alarm(
                self,
                "SnowflakeDeadLetterRedrivable",
                target,
                metric=monitor_metric(
                    monitor_metrics.DEAD_LETTER_REDRIVABLE, database, "Minimum", period=interval
                ),
                threshold=limits.DEAD_LETTER_REDRIVABLE_MAX,
                comparison=Op.GREATER_THAN_THRESHOLD,
                # Published on every monitor run; its silence is the heartbeat alarm's.
                missing=Missing.NOT_BREACHING,
                evaluation_periods=limits.DEAD_LETTER_REDRIVABLE_PERIODS,
                datapoints_to_alarm=limits.DEAD_LETTER_REDRIVABLE_PERIODS,
                description="Rejected records whose dimension rows now exist have waited 30 "
                "minutes: the automatic redrive (SILVER.REDRIVE_FIXED_DIMENSIONS_TASK) is off or "
                "failing; run pos redrive rejected.",
            )
        )
        # Each other kind's rejected share, from its own procedure's counts (its dead letter).
        for hop in HOPS:
            if hop.procedure in (INTAKE_PROCEDURE, *DOWNSTREAM_PROCEDURES):
                continue
            task = {monitor_metrics.DIMENSION_TASK: hop.task}
            kind = hop.procedure.removeprefix("SILVER.PROCESS_RAW_").title().replace("_", "")
            self.alarms.append(
                share_alarm(
                    self,
                    f"Snowflake{kind}RejectedShare",
                    target,
                    bad={
                        "rejected": monitor_metric(
                            monitor_metrics.TASK_RECORDS_REJECTED,
                            database,
                            "Sum",
                            task,
                            period=hour,
                        )
                    },
                    good={
                        "accepted": monitor_metric(
                            monitor_metrics.TASK_RECORDS_ACCEPTED,
                            database,
                            "Sum",
                            task,
                            period=hour,
                        )
                    },
                    min_records=limits.REJECTED_SHARE_MIN_RECORDS,
                    max_share=limits.REJECTED_SHARE_MAX,
                    period=hour,
                    label=f"Share of {hop.procedure}'s records rejected",
                    description=f"Over 5 % of the hour's records (at least 100) taken by "
                    f"{hop.procedure} were rejected to its dead letter: see docs/snowflake.md, "
                    "Event kinds.",
                )
            )
