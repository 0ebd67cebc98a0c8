"""The scheduled Snowflake health monitor: ``lambdas.snowflake_monitor.handler.lambda_handler``
run by an EventBridge schedule every ``monitor_interval_minutes`` (a setting: each run may resume
the warehouse, docs/operations.md states the cost).

It logs in as its own service user (key pair in its own secret) with the read-only monitor role,
and may only read that secret and publish metrics to its own CloudWatch namespace.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from constructs import Construct

from lambdas.snowflake_monitor.metrics import NAMESPACE
from stacks.bundling import BundleSpec
from stacks.config import PipelineConfig
from stacks.functions import FunctionSettings, PythonFunction, python_function
from stacks.requirements import SNOWFLAKE_CLIENT_PACKAGES, bundle_requirements

MONITOR_BUNDLE = BundleSpec(
    # connect.py and scripts.py (key-pair login, SQL rendering) come from the migrations package.
    sources=("lambdas/__init__.py", "lambdas/snowflake_migrations", "lambdas/snowflake_monitor"),
    requirements=tuple(bundle_requirements(SNOWFLAKE_CLIENT_PACKAGES)),
)
# Login plus a handful of small queries; well inside one schedule interval.
TIMEOUT = cdk.Duration.minutes(2)


class SnowflakeMonitor(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: PipelineConfig, secret_arn: str
    ) -> None:
        super().__init__(scope, construct_id)
        handler: PythonFunction = python_function(
            self,
            "MonitorFunction",
            FunctionSettings(
                handler="lambdas.snowflake_monitor.handler.lambda_handler",
                bundle=MONITOR_BUNDLE,
                description="Publishes Snowflake pipeline health (task failures, backlog, "
                "rejects) to CloudWatch",
                timeout=TIMEOUT,
                memory_size=512,
                log_retention_days=config.log_retention_days,
                environment={
                    "POWERTOOLS_SERVICE_NAME": "pos-snowflake-monitor",
                    "SNOWFLAKE_ACCOUNT_URL": config.snowflake_account_url,
                    "SNOWFLAKE_SECRET_ARN": secret_arn,
                    "SNOWFLAKE_ROLE": config.monitor_role,
                    "SNOWFLAKE_WAREHOUSE": config.warehouse,
                    "SNOWFLAKE_DATABASE": config.database,
                    "METRICS_NAMESPACE": NAMESPACE,
                    # Each run counts the last whole interval, so runs never overlap or leave gaps.
                    "MONITOR_WINDOW_MINUTES": str(config.monitor_interval_minutes),
                },
                other_unscoped_actions=" cloudwatch:PutMetricData has no resource-level "
                "permissions either; the grant is limited to the monitor's namespace by the "
                "cloudwatch:namespace condition.",
            ),
        )
        self.function = handler.function
        handler.role.add_to_policy(
            iam.PolicyStatement(actions=["secretsmanager:GetSecretValue"], resources=[secret_arn])
        )
        if config.secrets_kms_key_arn:
            handler.role.add_to_policy(
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
        handler.role.add_to_policy(
            iam.PolicyStatement(
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                conditions={"StringEquals": {"cloudwatch:namespace": NAMESPACE}},
            )
        )
        self.rule = events.Rule(
            self,
            "Schedule",
            description="Runs the Snowflake health monitor",
            schedule=events.Schedule.rate(cdk.Duration.minutes(config.monitor_interval_minutes)),
            # No retry: the next run measures again, and a failed run is a Lambda error alarm.
            targets=[targets.LambdaFunction(self.function, retry_attempts=0)],
        )
