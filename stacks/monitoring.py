"""Operations seam: the alarm topic, and the place the pipeline's alarms and dashboard go.

The stack hands this construct every resource worth watching (:class:`MonitoredResources`). Today
it creates the encrypted SNS topic alarms publish to, with the e-mail subscription when
``alarm_email`` is set; the operations work adds the CloudWatch alarms (Kinesis iterator age,
Firehose freshness/success, Lambda errors, Snowflake task failures) here, publishing to
``self.alarm_topic``.
"""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_kinesisfirehose as firehose
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct


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
        alarm_email: str | None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.resources = resources
        # CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key.
        self.topic_key = kms.Key(
            self,
            "AlarmTopicKey",
            description="Encrypts the POS pipeline alarm topic",
            enable_key_rotation=True,
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
        if alarm_email:
            self.alarm_topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
        cdk.CfnOutput(self, "AlarmTopicArn", value=self.alarm_topic.topic_arn)
