"""One way to define the project's Python Lambdas: bundled code, own log group, own role.

Every function gets the newest Python runtime on arm64, active X-Ray tracing, a log group with
the configured retention and a role that may write only to that log group (instead of the
account-wide AWSLambdaBasicExecutionRole managed policy).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.bundling import LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME, BundleSpec, lambda_code
from stacks.lifecycle import KEEP_ON_DELETE
from stacks.nag import acknowledge


def cfn_element(construct: Construct) -> cdk.CfnElement:
    return cast(cdk.CfnElement, construct.node.default_child)


def retained_log_group(scope: Construct, construct_id: str, retention_days: int) -> logs.LogGroup:
    """A log group kept when the stack is deleted (not when its first create rolls back: see
    stacks/lifecycle.py), expiring entries after ``retention_days``."""
    log_group = logs.LogGroup(scope, construct_id, removal_policy=KEEP_ON_DELETE)
    # The L2 takes an enum of names; the day count is what CloudFormation wants.
    cast(logs.CfnLogGroup, log_group.node.default_child).retention_in_days = retention_days
    return log_group


def grant_log_writes(log_group: logs.LogGroup, role: iam.IRole) -> None:
    """Let ``role`` create and write the streams of ``log_group`` (where Lambda puts its logs).

    ``grant_write`` grants CreateLogStream/PutLogEvents on the group's ``Arn`` attribute, which
    CloudFormation returns with ``:*`` appended (``...:log-group:NAME:*``): that pattern matches
    every stream ARN of the group, ``...:log-group:NAME:log-stream:2026/12/02/[$LATEST]abc``.
    Appending ``:log-stream:*`` to it would give ``NAME:*:log-stream:*``, which matches no stream
    (tests/cdk/test_access.py evaluates the resolved ARNs).
    """
    log_group.grant_write(role)


@dataclass(frozen=True)
class FunctionSettings:
    handler: str
    bundle: BundleSpec
    description: str
    timeout: cdk.Duration
    memory_size: int
    log_retention_days: int
    environment: dict[str, str]
    reserved_concurrent_executions: int | None = None
    # Why any other action the role is granted on "*" needs it (cdk-nag sees one finding per
    # role for all of them, so the one acknowledgement carries every reason).
    other_unscoped_actions: str = ""


@dataclass(frozen=True)
class PythonFunction:
    function: lambda_.Function
    role: iam.Role
    log_group: logs.LogGroup


def python_function(
    scope: Construct, construct_id: str, settings: FunctionSettings
) -> PythonFunction:
    """Create ``<construct_id>`` (the id ``sam local invoke`` takes), its log group and role."""
    log_group = retained_log_group(scope, f"{construct_id}Logs", settings.log_retention_days)
    role = iam.Role(
        scope,
        f"{construct_id}Role",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description=f"Runs {construct_id}",
    )
    grant_log_writes(log_group, role)
    function = lambda_.Function(
        scope,
        construct_id,
        runtime=LAMBDA_RUNTIME,
        architecture=LAMBDA_ARCHITECTURE,
        handler=settings.handler,
        code=lambda_code(settings.bundle),
        description=settings.description,
        timeout=settings.timeout,
        memory_size=settings.memory_size,
        environment=settings.environment,
        role=role,
        log_group=log_group,
        tracing=lambda_.Tracing.ACTIVE,
        reserved_concurrent_executions=settings.reserved_concurrent_executions,
    )
    acknowledge(
        role,
        "AwsSolutions-IAM5",
        "Resource::*",
        reason="X-Ray PutTraceSegments and PutTelemetryRecords have no resource-level "
        "permissions; active tracing needs them on *." + settings.other_unscoped_actions,
    )
    return PythonFunction(function=function, role=role, log_group=log_group)
