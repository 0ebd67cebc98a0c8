"""One verification: the AWS checks, the Snowflake checks and the canary, in that order, into one
report. The CLI and the tests call :func:`run_verify` with real or local clients alike."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lambdas.pipeline_verify.aws_checks import AwsClients, aws_checks
from lambdas.pipeline_verify.canary import CanaryResult, CanarySettings, run_canary
from lambdas.pipeline_verify.report import Check, Report, failed, info, passed
from lambdas.pipeline_verify.snowflake_checks import snowflake_checks
from lambdas.pipeline_verify.stack import StackView
from lambdas.pipeline_verify.windows import WindowCounts, WindowSettings, window_checks
from lambdas.snowflake_migrations.bootstrap import AccountNames
from lambdas.snowflake_migrations.scripts import SqlVariables

PARTS = ("aws", "snowflake", "canary", "windows")


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
    windows: WindowSettings | None = None,
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
    if "windows" in parts:
        settings = windows or WindowSettings()
        if result is not None and settings.wait_for_canary:
            # Judge the canary's own window too: wait until it has closed and settled.
            time.sleep((settings.width + settings.settle).total_seconds())
        report.extend(_windows(target, settings))
    return report, result


def _windows(target: VerifyTarget, settings: WindowSettings) -> list[Check]:
    """The latest closed windows (windows.py): each record put has a place, or it is reported."""
    try:
        counts = list(
            window_checks(
                target.aws.cloudwatch,
                target.connection,
                target.variables,
                target.stack.output("StreamName"),
                target.stack.output("DeliveryStreamName"),
                settings,
            )
        )
    except Exception as error:
        return [
            failed(
                "windows",
                "windows",
                "the latest closed windows counted",
                str(error),
                "check cloudwatch:GetMetricStatistics and the role's read grants",
            )
        ]
    return [_window_check(window) for window in counts]


def _window_check(window: WindowCounts) -> Check:
    name = f"window {window.start:%H:%M:%S}-{window.end:%H:%M:%S}"
    if window.put == 0 and window.bronze == 0:
        return info("windows", name, "no records put")
    if window.closed:
        return passed("windows", name, window.describe())
    return failed(
        "windows",
        name,
        "every record put is in Silver, REJECTED or the error output (UnaccountedRecords 0)",
        window.describe(),
        "records were silently not loaded or are stuck: compare Firehose's "
        "DeliveryToSnowflake.Records and the SnowflakeDelivery log with Bronze; then the tasks "
        "(SHOW TASKS) and OPS.PIPELINE_RUN_LOG",
    )
