"""The scheduled canary (off by default; ``canary_enabled``): ``lambdas.pipeline_verify.handler``
on an EventBridge schedule every ``canary_interval_minutes``, putting ``canary_sales`` synthetic
sales and 2 bad records to the stream and waiting for them in Bronze, Silver, REJECTED and Gold
(docs/verify.md). It reuses ``pos verify``'s canary code.

It logs in to Snowflake as the monitor user (its secret, the read-only monitor role). Its role
may put records to the stream only (``kinesis:PutRecords``, and ``kms:GenerateDataKey`` on the
stream's key through Kinesis: "Your Kinesis stream producers must have the kms:GenerateDataKey
permission", https://docs.aws.amazon.com/streams/latest/dev/permissions-user-key-KMS.html), read
that secret, read the windows' metrics and publish to the canary's own namespace.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesis as kinesis
from constructs import Construct

from lambdas.pipeline_verify.metrics import NAMESPACE
from stacks.bundling import BundleSpec
from stacks.config import PipelineConfig
from stacks.functions import FunctionSettings, PythonFunction, python_function
from stacks.requirements import SNOWFLAKE_CLIENT_PACKAGES, bundle_requirements

CANARY_BUNDLE = BundleSpec(
    sources=(
        "lambdas/__init__.py",
        "lambdas/snowflake_migrations",
        "lambdas/pipeline_verify",
        # budget.py reads the processor buffer interval from the transform's limits.
        "lambdas/transform/__init__.py",
        "lambdas/transform/limits.py",
    ),
    requirements=tuple(bundle_requirements(SNOWFLAKE_CLIENT_PACKAGES)),
)
DEADLINE = cdk.Duration.minutes(5)


class ScheduledCanary(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: PipelineConfig,
        secret_arn: str,
        stream: kinesis.Stream,
        delivery_stream_name: str,
    ) -> None:
        super().__init__(scope, construct_id)
        budget = (
            f"cloud:{config.processor_buffer_interval_seconds},"
            f"{config.destination_buffer_interval_seconds}"
        )
        handler: PythonFunction = python_function(
            self,
            "CanaryFunction",
            FunctionSettings(
                handler="lambdas.pipeline_verify.handler.lambda_handler",
                bundle=CANARY_BUNDLE,
                description="Canary: synthetic sales through Kinesis to Gold, timed hop by hop",
                # Login, puts, then polling until the deadline.
                timeout=DEADLINE.plus(cdk.Duration.minutes(2)),
                memory_size=512,
                log_retention_days=config.log_retention_days,
                environment={
                    "POWERTOOLS_SERVICE_NAME": "pos-canary",
                    "SNOWFLAKE_ACCOUNT_URL": config.snowflake_account_url,
                    "SNOWFLAKE_SECRET_ARN": secret_arn,
                    "SNOWFLAKE_ROLE": config.monitor_role,
                    "SNOWFLAKE_WAREHOUSE": config.warehouse,
                    "SNOWFLAKE_DATABASE": config.database,
                    "STREAM_NAME": stream.stream_name,
                    "CANARY_SALES": str(config.canary_sales),
                    "CANARY_DEADLINE_SECONDS": str(int(DEADLINE.to_seconds())),
                    "CANARY_BUDGET": budget,
                    "METRICS_NAMESPACE": NAMESPACE,
                    "DELIVERY_STREAM_NAME": delivery_stream_name,
                    "WINDOW_MINUTES": str(config.canary_interval_minutes),
                },
                other_unscoped_actions=" cloudwatch:PutMetricData and "
                "cloudwatch:GetMetricStatistics have no resource-level permissions either; "
                "PutMetricData is limited to the canary's namespace by the cloudwatch:namespace "
                "condition.",
            ),
        )
        self.function = handler.function
        role = handler.role
        role.add_to_policy(
            iam.PolicyStatement(actions=["kinesis:PutRecords"], resources=[stream.stream_arn])
        )
        if stream.encryption_key is not None:
            role.add_to_policy(
                iam.PolicyStatement(
                    actions=["kms:GenerateDataKey"],
                    resources=[stream.encryption_key.key_arn],
                    conditions={
                        "StringEquals": {
                            "kms:ViaService": f"kinesis.{cdk.Stack.of(self).region}.amazonaws.com"
                        }
                    },
                )
            )
        role.add_to_policy(
            iam.PolicyStatement(actions=["secretsmanager:GetSecretValue"], resources=[secret_arn])
        )
        if config.secrets_kms_key_arn:
            role.add_to_policy(
                iam.PolicyStatement(
                    actions=["kms:Decrypt"],
                    resources=[config.secrets_kms_key_arn],
                    conditions={
                        "StringEquals": {
                            "kms:ViaService": f"secretsmanager.{cdk.Stack.of(self).region}"
                            ".amazonaws.com"
                        }
                    },
                )
            )
        # The windows' IncomingRecords and DeliveryToS3.Records; GetMetricStatistics has no
        # resource-level permissions ("Resource types: none", Service Authorization Reference).
        role.add_to_policy(
            iam.PolicyStatement(actions=["cloudwatch:GetMetricStatistics"], resources=["*"])
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                conditions={"StringEquals": {"cloudwatch:namespace": NAMESPACE}},
            )
        )
        self.rule = events.Rule(
            self,
            "Schedule",
            description="Runs the pipeline canary",
            schedule=events.Schedule.rate(cdk.Duration.minutes(config.canary_interval_minutes)),
            # No retry: a retry would be a second canary run; the next run measures again.
            targets=[targets.LambdaFunction(self.function, retry_attempts=0)],
        )
