"""Scheduled canary (EventBridge -> this Lambda -> CloudWatch): runs the canary part of
``pos verify`` against the deployed stream and warehouse, and publishes ``CanarySuccess`` and
``CanaryLatencySeconds``; then reconciles the latest closed windows (``windows.py``) and
publishes ``UnaccountedRecords`` for each, logging the windows that do not close.

It logs in as the monitor user with the read-only monitor role (the canary only reads Bronze,
Silver, REJECTED and Gold); its puts go to Kinesis with the function's own role. A run that
cannot start (settings, secret, login) raises: the function's error alarm then says the canary
is not measuring, and CanarySuccess gets no data point, which its alarm treats as breaching.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.pipeline_verify.canary import CanarySettings, run_canary
from lambdas.pipeline_verify.metrics import NAMESPACE, canary_data, window_data
from lambdas.pipeline_verify.report import Report
from lambdas.pipeline_verify.windows import WindowSettings, window_checks
from lambdas.snowflake_migrations.connect import KeyPair, connect
from lambdas.snowflake_migrations.scripts import SqlVariables

APPLICATION = "retail-pos-pipeline-canary"
logger = Logger(service="pos-canary")


@dataclass(frozen=True)
class CanaryEnvironment:
    account_url: str
    secret_arn: str
    role: str
    warehouse: str
    database: str
    stream_name: str
    sales: int
    deadline_s: float
    budget: str
    namespace: str
    delivery_stream_name: str = ""
    window_minutes: int = 15

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> CanaryEnvironment:
        env = dict(os.environ if environ is None else environ)
        names = {
            "account_url": "SNOWFLAKE_ACCOUNT_URL",
            "secret_arn": "SNOWFLAKE_SECRET_ARN",
            "role": "SNOWFLAKE_ROLE",
            "warehouse": "SNOWFLAKE_WAREHOUSE",
            "database": "SNOWFLAKE_DATABASE",
            "stream_name": "STREAM_NAME",
        }
        missing = sorted(variable for variable in names.values() if not env.get(variable))
        if missing:
            raise ValueError(f"environment variables missing: {missing}")
        return cls(
            **{field: env[variable] for field, variable in names.items()},
            sales=int(env.get("CANARY_SALES", "20")),
            deadline_s=float(env.get("CANARY_DEADLINE_SECONDS", "300")),
            budget=env.get("CANARY_BUDGET", "cloud"),
            namespace=env.get("METRICS_NAMESPACE") or NAMESPACE,
            delivery_stream_name=env.get("DELIVERY_STREAM_NAME", ""),
            window_minutes=int(env.get("WINDOW_MINUTES", "15")),
        )


def run_scheduled_canary(
    settings: CanaryEnvironment, kinesis: Any, cloudwatch: Any, connection: Any
) -> Report:
    variables = SqlVariables.from_mapping({"database": settings.database})
    result = run_canary(
        kinesis,
        settings.stream_name,
        connection,
        variables,
        CanarySettings(
            sales=settings.sales,
            deadline_s=settings.deadline_s,
            poll_interval_s=5.0,
            budget=settings.budget,
        ),
    )
    data = canary_data(result, settings.database, settings.deadline_s)
    report = Report(result.checks)
    if settings.delivery_stream_name:
        # Windows of the schedule's length, judged once older than the canary's deadline plus a
        # window (nothing of them is still in flight); each run re-judges the last three.
        width = timedelta(minutes=settings.window_minutes)
        window_settings = WindowSettings(
            width=width, settle=width + timedelta(seconds=settings.deadline_s), count=3
        )
        for window in window_checks(
            cloudwatch,
            connection,
            variables,
            settings.stream_name,
            settings.delivery_stream_name,
            window_settings,
        ):
            data.append(window_data(window, settings.database))
            if not window.closed:
                logger.warning("window does not close", extra={"window": window.describe()})
    cloudwatch.put_metric_data(Namespace=settings.namespace, MetricData=data)
    logger.info(
        "canary run", extra={"run_id": result.run_id, "ok": report.ok, "report": report.render()}
    )
    return report


def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = CanaryEnvironment.from_environment()
    secret = boto3.client("secretsmanager").get_secret_value(SecretId=settings.secret_arn)
    connection = connect(
        account=settings.account_url,
        key_pair=KeyPair.from_secret_string(secret["SecretString"]),
        role=settings.role,
        warehouse=settings.warehouse,
        database=settings.database,
        application=APPLICATION,
    )
    try:
        report = run_scheduled_canary(
            settings, boto3.client("kinesis"), boto3.client("cloudwatch"), connection
        )
    finally:
        connection.close()
    return {"ok": report.ok, "failures": [check.name for check in report.failures]}
