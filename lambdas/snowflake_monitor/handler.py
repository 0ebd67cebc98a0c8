"""Scheduled Snowflake health monitor (EventBridge -> this Lambda -> CloudWatch metrics).

Every run logs in with the monitor user's key pair (Secrets Manager) and the read-only monitor
role, computes the health report for the last whole window and publishes it as CloudWatch
metrics (:mod:`lambdas.snowflake_monitor.metrics`). Any failure raises, so the run counts as a
Lambda error: the monitor's own alarm then says the Snowflake figures are not being measured.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.snowflake_migrations.connect import KeyPair, connect
from lambdas.snowflake_migrations.scripts import SqlVariables
from lambdas.snowflake_monitor.health import (
    DEFAULT_WINDOW,
    HealthReport,
    HealthWindow,
    compute_health,
)
from lambdas.snowflake_monitor.metrics import NAMESPACE, metric_data, publish

APPLICATION = "retail-pos-pipeline-monitor"
logger = Logger(service="pos-snowflake-monitor")


@dataclass(frozen=True)
class MonitorSettings:
    """From the function's environment (set by the stack)."""

    account_url: str
    secret_arn: str
    role: str
    warehouse: str
    database: str
    namespace: str
    # The schedule's interval: each run counts the last whole window of this length.
    window: timedelta = DEFAULT_WINDOW

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> MonitorSettings:
        env = dict(os.environ if environ is None else environ)
        names = {
            "account_url": "SNOWFLAKE_ACCOUNT_URL",
            "secret_arn": "SNOWFLAKE_SECRET_ARN",
            "role": "SNOWFLAKE_ROLE",
            "warehouse": "SNOWFLAKE_WAREHOUSE",
            "database": "SNOWFLAKE_DATABASE",
        }
        missing = sorted(variable for variable in names.values() if not env.get(variable))
        if missing:
            raise ValueError(f"environment variables missing: {missing}")
        window_minutes = env.get("MONITOR_WINDOW_MINUTES")
        return cls(
            **{field: env[variable] for field, variable in names.items()},
            namespace=env.get("METRICS_NAMESPACE") or NAMESPACE,
            window=timedelta(minutes=int(window_minutes)) if window_minutes else DEFAULT_WINDOW,
        )


def _session(settings: MonitorSettings) -> Any:
    secret = boto3.client("secretsmanager").get_secret_value(SecretId=settings.secret_arn)
    return connect(
        account=settings.account_url,
        key_pair=KeyPair.from_secret_string(secret["SecretString"]),
        role=settings.role,
        warehouse=settings.warehouse,
        database=settings.database,
        application=APPLICATION,
    )


def run_monitor(
    connection: Any, cloudwatch: Any, settings: MonitorSettings, now: datetime
) -> HealthReport:
    """Compute the report on ``connection`` and publish it to ``cloudwatch``."""
    report = compute_health(
        connection,
        SqlVariables(database=settings.database),
        HealthWindow.ending_before(now, settings.window),
        now=now,
    )
    publish(cloudwatch, metric_data(report), settings.namespace)
    return report


@logger.inject_lambda_context(log_event=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = MonitorSettings.from_environment()
    connection = _session(settings)
    try:
        report = run_monitor(connection, boto3.client("cloudwatch"), settings, datetime.now(UTC))
    finally:
        connection.close()
    summary = {
        "window_start": report.window.start.isoformat(),
        "failed_runs": report.failed_runs,
        "rows_waiting": report.rows_waiting,
        "records_rejected": report.intake.records_rejected,
        "rejected_share": report.intake.rejected_share,
    }
    if report.failed_runs:
        logger.warning(
            "Snowflake task runs failed",
            extra={
                "failures": {h.task: h.last_error for h in report.hops if h.runs_failed},
                **summary,
            },
        )
    else:
        logger.info("Snowflake health published", extra=summary)
    return summary
