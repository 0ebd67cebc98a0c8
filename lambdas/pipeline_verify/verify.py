"""One verification: the AWS checks, the Snowflake checks and the canary, in that order, into one
report. The CLI and the tests call :func:`run_verify` with real or local clients alike."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lambdas.pipeline_verify.aws_checks import AwsClients, aws_checks
from lambdas.pipeline_verify.canary import CanaryResult, CanarySettings, run_canary
from lambdas.pipeline_verify.report import Report
from lambdas.pipeline_verify.snowflake_checks import snowflake_checks
from lambdas.pipeline_verify.stack import StackView
from lambdas.snowflake_migrations.bootstrap import AccountNames
from lambdas.snowflake_migrations.scripts import SqlVariables

PARTS = ("aws", "snowflake", "canary")


@dataclass
class VerifyTarget:
    stack: StackView
    aws: AwsClients
    connection: Any  # the deploy role's session
    grants_connection: Any  # a session that may SHOW GRANTS TO every pipeline role
    scripts_dir: Path
    variables: SqlVariables
    names: AccountNames | None = None


def run_verify(
    target: VerifyTarget,
    canary: CanarySettings | None = None,
    parts: tuple[str, ...] = PARTS,
) -> tuple[Report, CanaryResult | None]:
    report = Report()
    if "aws" in parts:
        report.extend(aws_checks(target.aws, target.stack))
    if "snowflake" in parts:
        report.extend(
            snowflake_checks(
                target.connection,
                target.grants_connection,
                target.scripts_dir,
                target.variables,
                target.names,
            )
        )
    result = None
    if "canary" in parts:
        result = run_canary(
            target.aws.kinesis,
            target.stack.output("StreamName"),
            target.connection,
            target.variables,
            canary or CanarySettings(),
        )
        report.extend(result.checks)
    return report, result
