"""The custom resource that applies ``snowflake/`` to the account on every deploy that changes it.

A ``custom_resources.Provider`` runs ``lambdas.snowflake_migrations.handler.on_event``. The
resource's properties carry the Snowflake settings, a fingerprint of the SQL files and one of the
handler's bundle, so editing any script, a name or the handler's code makes CloudFormation send an
Update and the scripts are applied again.
The handler logs in as the deploy user whose key pair is in its own secret: the Firehose user only
holds the ingest role and must not be able to change schemas.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import custom_resources as cr
from constructs import Construct

from lambdas.snowflake_migrations.scripts import scripts_fingerprint
from stacks.bundling import BundleSpec, Platform, bundle_fingerprint
from stacks.config import PipelineConfig
from stacks.functions import (
    FunctionSettings,
    cfn_element,
    grant_log_writes,
    python_function,
    retained_log_group,
)
from stacks.nag import acknowledge
from stacks.requirements import REPO_ROOT, SNOWFLAKE_CLIENT_PACKAGES, bundle_requirements

SCRIPTS_DIR = REPO_ROOT / "snowflake"
MIGRATIONS_BUNDLE = BundleSpec(
    sources=("lambdas/__init__.py", "lambdas/snowflake_migrations", "snowflake"),
    requirements=tuple(bundle_requirements(SNOWFLAKE_CLIENT_PACKAGES)),
)
# The Provider framework's own functions stop at 15 minutes; stay below.
HANDLER_TIMEOUT = cdk.Duration.minutes(14)
# CloudFormation's wait for an answer (default 1 hour) shortened so a lost response fails fast.
SERVICE_TIMEOUT = cdk.Duration.minutes(20)


class SnowflakeMigrations(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: PipelineConfig) -> None:
        super().__init__(scope, construct_id)
        handler = python_function(
            self,
            "MigrationsFunction",
            FunctionSettings(
                handler="lambdas.snowflake_migrations.handler.on_event",
                bundle=MIGRATIONS_BUNDLE,
                description="Applies snowflake/ change scripts (CloudFormation custom resource)",
                timeout=HANDLER_TIMEOUT,
                memory_size=512,
                log_retention_days=config.log_retention_days,
                environment={"POWERTOOLS_SERVICE_NAME": "pos-snowflake-migrations"},
            ),
        )
        self.function = handler.function
        handler.role.add_to_policy(
            iam.PolicyStatement(
                actions=["secretsmanager:GetSecretValue"],
                resources=[config.migrations_secret_arn],
            )
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
        provider_logs = retained_log_group(self, "ProviderLogs", config.log_retention_days)
        # Our own role for the framework function, so it does not get the account-wide
        # AWSLambdaBasicExecutionRole managed policy.
        framework_role = iam.Role(
            self,
            "ProviderRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Runs the custom resource provider framework for Snowflake migrations",
        )
        grant_log_writes(provider_logs, framework_role)
        self.provider = cr.Provider(
            self,
            "Provider",
            on_event_handler=self.function,
            log_group=provider_logs,
            framework_on_event_role=framework_role,
        )
        stack = cdk.Stack.of(self)
        acknowledge(
            framework_role,
            "AwsSolutions-IAM5",
            f"Resource::<{stack.get_logical_id(cfn_element(self.function))}.Arn>:*",
            reason="The Provider framework grants invoke on the migrations function and its "
            "versions (ARN:*); it is this one function.",
        )
        self.resource = cdk.CustomResource(
            self,
            "Resource",
            service_token=self.provider.service_token,
            resource_type="Custom::SnowflakeMigrations",
            service_timeout=SERVICE_TIMEOUT,
            properties={
                "AccountUrl": config.snowflake_account_url,
                "SecretArn": config.migrations_secret_arn,
                "Role": config.deploy_role,
                "SqlVariables": config.sql_variables.as_dict(),
                "ScriptsFingerprint": scripts_fingerprint(SCRIPTS_DIR),
                # The handler's own code too: CloudFormation sends an Update only when a property
                # changes, so a fixed migrations engine must change one to run again.
                "CodeFingerprint": bundle_fingerprint(MIGRATIONS_BUNDLE, Platform.lambda_arm64()),
            },
        )
