"""Operations: the alarm topic, every alarm of the pipeline, the Snowflake monitor and the
operations dashboard.

The stack hands this construct every resource worth watching (:class:`MonitoredResources`).
Alarms notify the encrypted SNS topic (with the e-mail subscription when ``alarm_email`` is set)
when they fire and when they recover:

- cdk-monitoring-constructs where it covers the metric (:mod:`stacks.alarms_facade`: Kinesis,
  Lambda);
- plain ``cloudwatch.Alarm`` where it does not (:mod:`stacks.alarms_delivery`: Firehose to
  Snowflake; :mod:`stacks.alarms_quality`: the transform's EMF metrics and the Snowflake
  monitor's metrics, which need metric math).

Thresholds and their reasons: :mod:`stacks.alarm_thresholds`. Runbook: docs/operations.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_kinesisfirehose as firehose
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from stacks import alarm_thresholds as limits
from stacks.alarms_canary import CanaryAlarms
from stacks.alarms_common import AlarmTarget
from stacks.alarms_delivery import DeliveryAlarms
from stacks.alarms_facade import facade, monitor_function, monitor_stream
from stacks.alarms_quality import SnowflakeAlarms, TransformQualityAlarms
from stacks.canary import ScheduledCanary
from stacks.config import PipelineConfig
from stacks.dashboard import DashboardSources, OperationsDashboard
from stacks.snowflake_monitor import SnowflakeMonitor


@dataclass(frozen=True)
class MonitoredResources:
    stream: kinesis.Stream
    delivery_stream: firehose.CfnDeliveryStream
    transform_function: lambda_.Function
    migrations_function: lambda_.Function
    error_bucket: s3.Bucket


class PipelineMonitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        resources: MonitoredResources,
        config: PipelineConfig,
    ) -> None:
        super().__init__(scope, construct_id)
        self.resources = resources
        # CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key. Nothing
        # encrypted with this key outlives the topic (SNS keeps no messages), so it goes with the
        # stack, after KMS's shortest waiting period (and with a failed first create).
        self.topic_key = kms.Key(
            self,
            "AlarmTopicKey",
            description="Encrypts the POS pipeline alarm topic",
            enable_key_rotation=True,
            removal_policy=cdk.RemovalPolicy.DESTROY,
            pending_window=cdk.Duration.days(7),
        )
        self.topic_key.grant(
            iam.ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey*"
        )
        self.alarm_topic = sns.Topic(
            self,
            "AlarmTopic",
            display_name="POS pipeline alarms",
            master_key=self.topic_key,
            enforce_ssl=True,
        )
        self._allow_alarms_to_publish()
        if config.alarm_email:
            self.alarm_topic.add_subscription(subscriptions.EmailSubscription(config.alarm_email))
        cdk.CfnOutput(self, "AlarmTopicArn", value=self.alarm_topic.topic_arn)

        target = AlarmTarget(topic=self.alarm_topic, name_prefix=cdk.Stack.of(self).stack_name)
        delivery_stream_name = resources.delivery_stream.ref
        self.facade = facade(self, "Facade", target)
        monitor_stream(self.facade, resources.stream)
        monitor_function(
            self.facade, resources.transform_function, "Transform", duration_alarm=True
        )
        # Failures are logged by the handler ("Migrations failed", with the statement) and fail
        # the deployment; the alarm makes them visible to whoever watches the topic.
        monitor_function(
            self.facade, resources.migrations_function, "Migrations", duration_alarm=False
        )
        self.delivery_alarms = DeliveryAlarms(
            self, "Delivery", delivery_stream_name=delivery_stream_name, target=target
        )
        self.quality_alarms = TransformQualityAlarms(self, "TransformQuality", target=target)

        self.snowflake_monitor: SnowflakeMonitor | None = None
        self.snowflake_alarms: SnowflakeAlarms | None = None
        interval = cdk.Duration.minutes(config.monitor_interval_minutes)
        if config.monitor_secret_arn:
            self.snowflake_monitor = SnowflakeMonitor(
                self, "SnowflakeMonitor", config=config, secret_arn=config.monitor_secret_arn
            )
            monitor_function(
                self.facade,
                self.snowflake_monitor.function,
                "SnowflakeMonitor",
                duration_alarm=True,
                heartbeat=cdk.Duration.minutes(
                    config.monitor_interval_minutes * limits.MONITOR_HEARTBEAT_SCHEDULES
                ),
            )
            self.snowflake_alarms = SnowflakeAlarms(
                self, "Snowflake", database=config.database, interval=interval, target=target
            )
        else:
            cdk.Annotations.of(self).add_warning_v2(
                "pos:no-snowflake-monitor",
                "monitor_secret_arn is not set: Snowflake task failures, stream backlog and "
                "rejects are not monitored (docs/operations.md).",
            )

        self.canary: ScheduledCanary | None = None
        self.canary_alarms: CanaryAlarms | None = None
        if config.canary_enabled and config.monitor_secret_arn:
            self.canary = ScheduledCanary(
                self,
                "Canary",
                config=config,
                secret_arn=config.monitor_secret_arn,
                stream=resources.stream,
                delivery_stream_name=delivery_stream_name,
            )
            self.canary_alarms = CanaryAlarms(self, "CanaryAlarms", config=config, target=target)

        self.dashboard = OperationsDashboard(
            self,
            "Dashboard",
            sources=DashboardSources(
                stream=resources.stream,
                delivery_stream_name=delivery_stream_name,
                transform=resources.transform_function,
                database=config.database,
                snowflake_monitored=self.snowflake_monitor is not None,
                monitor_interval=interval,
                canary_interval=(
                    cdk.Duration.minutes(config.canary_interval_minutes) if self.canary else None
                ),
            ),
            alarms=self.alarms,
        )

    def _allow_alarms_to_publish(self) -> None:
        """Let this stack's alarms publish to the topic.

        ``enforce_ssl`` makes CDK emit an ``AWS::SNS::TopicPolicy`` holding only the TLS Deny, and
        a topic policy replaces SNS's default policy: without this statement CloudWatch gets
        "not authorized to perform: SNS:Publish" for every alarm action (re:Post,
        knowledge-center/cloudwatch-receive-sns-for-alarm-trigger). The conditions keep other
        accounts' and other stacks' alarms out (confused deputy): CloudWatch publishes with
        ``aws:SourceArn`` = the alarm's ARN, and every alarm here is named ``<stack>-...``.
        """
        stack = cdk.Stack.of(self)
        alarms = stack.format_arn(
            service="cloudwatch",
            resource="alarm",
            resource_name=f"{stack.stack_name}-*",
            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
        )
        self.alarm_topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowThisStacksAlarmsToPublish",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[self.alarm_topic.topic_arn],
                conditions={
                    "ArnLike": {"aws:SourceArn": alarms},
                    "StringEquals": {"aws:SourceAccount": stack.account},
                },
            )
        )

    @property
    def alarms(self) -> list[cloudwatch.IAlarm]:
        """Every alarm this construct created (facade alarms included)."""
        created = [cast(cloudwatch.IAlarm, a.alarm) for a in self.facade.created_alarms()]
        created += self.delivery_alarms.alarms + self.quality_alarms.alarms
        if self.snowflake_alarms is not None:
            created += self.snowflake_alarms.alarms
        if self.canary_alarms is not None:
            created += self.canary_alarms.alarms
        return created
