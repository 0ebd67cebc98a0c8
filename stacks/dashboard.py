"""The operations dashboard: alarm status on top, then one row per hop (ingest, transform,
delivery, Snowflake tasks, quality), graphing the same metrics the alarms watch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from lambdas.snowflake_monitor import metrics as monitor_metrics
from lambdas.snowflake_monitor.hops import HOPS
from lambdas.transform.classify import STATUS_METRIC_NAMES as TRANSFORM_STATUS_METRICS
from stacks.alarms_delivery import firehose_metric
from stacks.alarms_quality import monitor_metric, transform_metric

WIDTH = 24
HEIGHT = 6
FIVE_MINUTES = cdk.Duration.minutes(5)


@dataclass(frozen=True)
class DashboardSources:
    stream: kinesis.IStream
    delivery_stream_name: str
    transform: lambda_.IFunction
    database: str
    snowflake_monitored: bool
    monitor_interval: cdk.Duration
    # The scheduled canary's interval, None when it is off.
    canary_interval: cdk.Duration | None = None


def _graph(
    title: str,
    left: Sequence[cloudwatch.IMetric],
    right: Sequence[cloudwatch.IMetric] = (),
    width: int = WIDTH // 3,
) -> cloudwatch.GraphWidget:
    return cloudwatch.GraphWidget(
        title=title, left=list(left), right=list(right), width=width, height=HEIGHT
    )


def _row_title(text: str) -> cloudwatch.TextWidget:
    return cloudwatch.TextWidget(markdown=f"## {text}", width=WIDTH, height=1)


class OperationsDashboard(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        sources: DashboardSources,
        alarms: Sequence[cloudwatch.IAlarm],
    ) -> None:
        super().__init__(scope, construct_id)
        self.dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            dashboard_name=f"{cdk.Stack.of(self).stack_name}-operations",
            default_interval=cdk.Duration.hours(6),
        )
        self.dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(
                title="Alarms", alarms=list(alarms), width=WIDTH, height=HEIGHT
            )
        )
        for title, widgets in self._rows(sources):
            self.dashboard.add_widgets(_row_title(title))
            self.dashboard.add_widgets(*widgets)

    def _rows(self, sources: DashboardSources) -> list[tuple[str, list[cloudwatch.IWidget]]]:
        stream = sources.stream
        firehose = sources.delivery_stream_name
        rows: list[tuple[str, list[cloudwatch.IWidget]]] = [
            (
                "Ingest: Kinesis sales stream",
                [
                    _graph(
                        "Records in / read by Firehose",
                        [stream.metric_incoming_records(statistic="Sum", period=FIVE_MINUTES)],
                        [firehose_metric(firehose, "DataReadFromKinesisStream.Records", "Sum")],
                    ),
                    _graph(
                        "Iterator age (ms, max)",
                        [stream.metric_get_records_iterator_age_milliseconds(statistic="Maximum")],
                    ),
                    _graph(
                        "Throttled reads / writes (avg)",
                        [
                            stream.metric_read_provisioned_throughput_exceeded(statistic="Average"),
                            stream.metric_write_provisioned_throughput_exceeded(
                                statistic="Average"
                            ),
                        ],
                    ),
                ],
            ),
            (
                "Transform: Lambda and record statuses",
                [
                    _graph(
                        "Invocations / errors / throttles",
                        [sources.transform.metric_invocations(statistic="Sum")],
                        [
                            sources.transform.metric_errors(statistic="Sum"),
                            sources.transform.metric_throttles(statistic="Sum"),
                        ],
                    ),
                    _graph(
                        "Duration (ms, max)",
                        [sources.transform.metric_duration(statistic="Maximum")],
                    ),
                    _graph(
                        "Records by status",
                        [transform_metric(name) for name in TRANSFORM_STATUS_METRICS.values()]
                        + [transform_metric("RecordsProcessingFailed")],
                    ),
                ],
            ),
            (
                "Delivery: Firehose to Snowflake",
                [
                    _graph(
                        "Data freshness (s, max) / behind Kinesis (ms, max)",
                        [firehose_metric(firehose, "DeliveryToSnowflake.DataFreshness", "Maximum")],
                        [firehose_metric(firehose, "KinesisMillisBehindLatest", "Maximum")],
                    ),
                    _graph(
                        "Snowflake inserts / records delivered",
                        [firehose_metric(firehose, "DeliveryToSnowflake.Success", "Sum")],
                        [firehose_metric(firehose, "DeliveryToSnowflake.Records", "Sum")],
                    ),
                    _graph(
                        "Transform invoke success / records to S3 backup",
                        [firehose_metric(firehose, "ExecuteProcessing.Success", "Average")],
                        [firehose_metric(firehose, "DeliveryToS3.Records", "Sum")],
                    ),
                ],
            ),
        ]
        if sources.canary_interval is not None:
            rows.append(self._canary_row(sources.database, sources.canary_interval))
        if not sources.snowflake_monitored:
            return rows
        database = sources.database
        interval = sources.monitor_interval

        def monitored(
            name: str, statistic: str, extra: dict[str, str] | None = None
        ) -> cloudwatch.Metric:
            return monitor_metric(name, database, statistic, extra, period=interval)

        def per_task(name: str, statistic: str) -> list[cloudwatch.IMetric]:
            return [
                monitored(name, statistic, {monitor_metrics.DIMENSION_TASK: h.task}) for h in HOPS
            ]

        def per_stream(name: str) -> list[cloudwatch.IMetric]:
            dimension = monitor_metrics.DIMENSION_STREAM
            return [monitored(name, "Maximum", {dimension: h.stream}) for h in HOPS]

        rows.append(
            (
                f"Snowflake tasks (published every {int(interval.to_minutes())} minutes by the "
                "monitor)",
                [
                    _graph(
                        "Task runs failed / succeeded",
                        per_task(monitor_metrics.TASK_RUNS_FAILED, "Sum"),
                        per_task(monitor_metrics.TASK_RUNS_SUCCEEDED, "Sum"),
                    ),
                    _graph(
                        "Rows waiting in streams",
                        per_stream(monitor_metrics.STREAM_ROWS_WAITING),
                    ),
                    _graph(
                        "Oldest waiting row (min) / since last success (min)",
                        per_stream(monitor_metrics.STREAM_OLDEST_WAITING_MINUTES),
                        per_task(monitor_metrics.MINUTES_SINCE_TASK_SUCCESS, "Minimum"),
                    ),
                ],
            )
        )
        m = monitor_metrics
        search = (
            f"{{{m.NAMESPACE},{m.DIMENSION_DATABASE},{m.DIMENSION_RULE}}} "
            f'MetricName="{m.REJECTED_BY_RULE}" {m.DIMENSION_DATABASE}="{database}"'
        )
        rejects_by_rule = cloudwatch.MathExpression(
            expression=f"SEARCH('{search}', 'Sum', {int(interval.to_seconds())})",
            label="Rejected by rule",
            period=interval,
        )
        rows.append(
            (
                "Quality",
                [
                    _graph(
                        "Records accepted / rejected in Silver",
                        [
                            monitored(monitor_metrics.RECORDS_ACCEPTED, "Sum"),
                            monitored(monitor_metrics.RECORDS_REJECTED, "Sum"),
                            monitored(monitor_metrics.DUPLICATES_IGNORED, "Sum"),
                        ],
                    ),
                    _graph("Rejected records by rule", [rejects_by_rule]),
                    _graph(
                        "Rejected share / Kinesis to Silver p95 (s)",
                        [monitored(monitor_metrics.REJECTED_SHARE, "Maximum")],
                        [monitored(monitor_metrics.KINESIS_TO_SILVER_P95, "Maximum")],
                    ),
                ],
            )
        )
        return rows

    @staticmethod
    def _canary_row(database: str, interval: cdk.Duration) -> tuple[str, list[cloudwatch.IWidget]]:
        from lambdas.pipeline_verify import metrics as canary_metrics
        from stacks.alarms_canary import canary_metric

        return (
            f"Canary (synthetic sales every {int(interval.to_minutes())} minutes, docs/verify.md)",
            [
                _graph(
                    "Canary success (1 = every record in place)",
                    [canary_metric(canary_metrics.CANARY_SUCCESS, database, "Minimum", interval)],
                    width=WIDTH // 2,
                ),
                _graph(
                    "Canary put -> Gold (s)",
                    [canary_metric(canary_metrics.CANARY_LATENCY, database, "Maximum", interval)],
                    width=WIDTH // 2,
                ),
            ],
        )
