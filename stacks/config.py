"""Typed deployment settings for the CDK app, read from CDK context and the environment.

Each setting has one name. It is looked up, in order, as CDK context (``cdk.json`` or
``cdk deploy -c name=value``), then as the environment variable ``POS_<NAME>`` (upper case), then
falls back to the default below. Snowflake names are validated with the same identifier check the
migration scripts use, so a name that would be unsafe in SQL fails at synth, not at deploy.
"""

from __future__ import annotations

import os
import re
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from lambdas.snowflake_migrations.scripts import SqlVariables, validate_identifier
from lambdas.transform.limits import BUFFER_INTERVAL_SECONDS, BUFFER_SIZE_MB

ENV_PREFIX = "POS_"

# Firehose requires ``<account>.snowflakecomputing.com``; https:// is how we store it.
ACCOUNT_URL = re.compile(r"^(?:https://)?(?P<host>[a-z0-9][a-z0-9.-]*\.snowflakecomputing\.com)/?$")
# A complete secret ARN ends with the 6-character suffix Secrets Manager appends; partial ARNs
# make IAM conditions and Firehose's lookup ambiguous.
SECRET_ARN = re.compile(
    r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$"
)
KMS_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+$")
VPCE_SERVICE = re.compile(r"^com\.amazonaws\.vpce\.[a-z0-9-]+\.vpce-svc-[a-z0-9]+$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# How often the Snowflake monitor may run: whole divisors of an hour from 5 minutes, so its
# windows line up with CloudWatch periods (docs/operations.md states what each costs).
MONITOR_INTERVALS_MINUTES = (5, 10, 15, 20, 30, 60)

# The values CloudWatch Logs accepts for a retention period.
LOG_RETENTION_DAYS = frozenset(
    {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
     3288, 3653}
)  # fmt: skip

Identifier = Annotated[str, Field(min_length=1, max_length=255)]


class ConfigError(ValueError):
    """The deployment settings are missing or invalid; the message names each setting."""


# Settings that once existed and did nothing useful: Firehose wrote to the names they held while
# snowflake/ creates BRONZE.JSON_RAW_DATA (RECORD_CONTENT, RECORD_METADATA), so any other value
# sent every record to snowflake-failed/. A deployment that still sets one is told, not ignored.
REMOVED_SETTINGS = {
    name: "Bronze is BRONZE.JSON_RAW_DATA with RECORD_CONTENT and RECORD_METADATA, as "
    "snowflake/V3__bronze_json_raw_data.sql creates it; remove this setting"
    for name in ("bronze_schema", "bronze_table", "content_column", "metadata_column")
}


class PipelineConfig(BaseModel):
    """Everything that differs between deployments of the pipeline."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    stack_name: str = Field(default="RetailPosPipeline", pattern=r"^[A-Za-z][A-Za-z0-9-]{0,127}$")
    # Where the stack deploys. Unset: CDK_DEFAULT_ACCOUNT / CDK_DEFAULT_REGION, which the CDK CLI
    # sets from the AWS profile it runs with (stacks/environment.py, docs/deploy.md section 4).
    account: str | None = Field(default=None, pattern=r"^\d{12}$")
    region: str | None = Field(default=None, pattern=r"^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$")
    # Off by default: on, the CLI enables it before the first create, and after a failed first
    # deploy (ROLLBACK_COMPLETE) the next deploy cannot delete the failed stack. Turn it on once
    # the first deploy has succeeded (docs/deploy.md section 8).
    termination_protection: bool = False

    # Snowflake account and database. Where Firehose writes inside it is fixed by the scripts
    # (BRONZE.JSON_RAW_DATA, stacks/delivery.py); the names below are rendered into them.
    snowflake_account_url: str
    database: Identifier = "POS_DB"
    warehouse: Identifier = "POS_WH"
    task_warehouse: str = "POS_WH"
    ingest_role: Identifier = "POS_INGEST"
    transform_role: Identifier = "POS_TRANSFORM"
    dashboard_role: Identifier = "POS_DASHBOARD"
    firehose_user: Identifier = "POS_FIREHOSE"
    monitor_role: Identifier = "POS_MONITOR"
    # Role the migrations custom resource (and the CLI) uses to apply snowflake/.
    deploy_role: Identifier = "POS_DEPLOY"
    # Search optimization on the dedupe lookups needs Enterprise Edition; false on Standard
    # (docs/snowflake.md, "Cost model").
    search_optimization: bool = True
    # Records PROCESS_RAW_POS takes per run: bounds each run while a backlog drains.
    process_raw_pos_max_records: int = Field(default=10_000, ge=1, le=1_000_000)
    # A dimension row added or changed sends back the rejects it fixes (docs/snowflake.md).
    auto_redrive_dimension_rejects: bool = True

    # Key-pair secrets, JSON {"user", "private_key", "key_passphrase"?}: one per service user.
    firehose_secret_arn: str
    migrations_secret_arn: str
    # The health monitor's service user; unset = no Snowflake monitor (synth warns).
    monitor_secret_arn: str | None = None
    # Only when the secrets are encrypted with a customer-managed key.
    secrets_kms_key_arn: str | None = None
    snowflake_private_link_vpce_id: str | None = None

    # Firehose -> transform Lambda buffering. The size cannot exceed what
    # lambdas/transform/limits.py proves keeps the Lambda response under 6 MB.
    processor_buffer_size_mb: int = Field(default=BUFFER_SIZE_MB, ge=1, le=BUFFER_SIZE_MB)
    processor_buffer_interval_seconds: int = Field(default=BUFFER_INTERVAL_SECONDS, ge=0, le=900)
    # Firehose -> Snowflake buffering: interval 0 = deliver within seconds.
    destination_buffer_interval_seconds: int = Field(default=0, ge=0, le=900)
    destination_buffer_size_mb: int = Field(default=1, ge=1, le=128)
    # How long Firehose retries retriable Snowflake errors before writing to snowflake-failed/.
    snowflake_retry_seconds: int = Field(default=3600, ge=0, le=7200)

    stream_retention_hours: int = Field(default=168, ge=24, le=8760)
    error_bucket_expiration_days: int = Field(default=365, ge=30)
    log_retention_days: int = 90

    transform_memory_mb: int = Field(default=1024, ge=128, le=10240)
    # Unset by default: Firehose's concurrency follows the shard count; a reservation would
    # only matter if other functions could starve the account's pool (see docs/deploy.md).
    transform_reserved_concurrency: int | None = Field(default=None, ge=1)

    # The scheduled canary (docs/verify.md): synthetic sales through every hop, timed. Off by
    # default (each run bills a Snowflake login and a few queries); needs monitor_secret_arn.
    canary_enabled: bool = False
    canary_interval_minutes: int = Field(default=15, ge=5, le=1440)
    canary_sales: int = Field(default=20, ge=1, le=500)

    alarm_email: str | None = None
    # Every run resumes `warehouse` if it is suspended (billed at least 60 s): see the cost table
    # in docs/operations.md before lowering it.
    monitor_interval_minutes: int = 5

    @field_validator("snowflake_account_url")
    @classmethod
    def _account_url(cls, value: str) -> str:
        match = ACCOUNT_URL.fullmatch(value.strip().lower())
        if match is None:
            raise ValueError("must look like https://<orgname>-<account>.snowflakecomputing.com")
        return f"https://{match['host']}"

    @field_validator(
        "database",
        "warehouse",
        "ingest_role",
        "transform_role",
        "dashboard_role",
        "firehose_user",
        "monitor_role",
        "deploy_role",
    )
    @classmethod
    def _identifier(cls, value: str, info: Any) -> str:
        return validate_identifier(info.field_name, value.upper())

    @field_validator("task_warehouse")
    @classmethod
    def _task_warehouse(cls, value: str) -> str:
        # Empty means serverless tasks.
        return "" if value == "" else validate_identifier("task_warehouse", value.upper())

    @field_validator("firehose_secret_arn", "migrations_secret_arn", "monitor_secret_arn")
    @classmethod
    def _secret_arn(cls, value: str | None) -> str | None:
        if value is not None and not SECRET_ARN.fullmatch(value):
            raise ValueError(
                "must be the complete secret ARN, ending in the 6-character suffix "
                "(arn:aws:secretsmanager:<region>:<account>:secret:<name>-AbCdEf)"
            )
        return value

    @field_validator("secrets_kms_key_arn")
    @classmethod
    def _kms_key_arn(cls, value: str | None) -> str | None:
        if value is not None and not KMS_KEY_ARN.fullmatch(value):
            raise ValueError("must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)")
        return value

    @field_validator("snowflake_private_link_vpce_id")
    @classmethod
    def _vpce(cls, value: str | None) -> str | None:
        if value is not None and not VPCE_SERVICE.fullmatch(value):
            raise ValueError("must look like com.amazonaws.vpce.<region>.vpce-svc-<id>")
        return value

    @field_validator("log_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        if value not in LOG_RETENTION_DAYS:
            raise ValueError(f"must be one of {sorted(LOG_RETENTION_DAYS)}")
        return value

    @field_validator("monitor_interval_minutes")
    @classmethod
    def _monitor_interval(cls, value: int) -> int:
        if value not in MONITOR_INTERVALS_MINUTES:
            raise ValueError(f"must be one of {list(MONITOR_INTERVALS_MINUTES)}")
        return value

    @model_validator(mode="after")
    def _canary_needs_monitor(self) -> PipelineConfig:
        if self.canary_enabled and not self.monitor_secret_arn:
            raise ValueError(
                "canary_enabled needs monitor_secret_arn: the canary logs in as the monitor user"
            )
        return self

    @field_validator("alarm_email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not EMAIL.fullmatch(value):
            raise ValueError("must be an e-mail address")
        return value

    @property
    def snowflake_host(self) -> str:
        return self.snowflake_account_url.removeprefix("https://")

    @property
    def sql_variables(self) -> SqlVariables:
        """The scripts' variables; every one of them is a setting of the same name here."""
        return SqlVariables(
            **{name: _sql_value(getattr(self, name)) for name in SqlVariables().as_dict()}
        )


def _sql_value(value: Any) -> str:
    """A setting as the scripts take it: booleans as true/false, numbers as digits."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _lookup(name: str, context: dict[str, Any]) -> Any:
    if context.get(name) is not None:
        return context[name]
    return os.environ.get(ENV_PREFIX + name.upper())


def load_config(context: dict[str, Any]) -> PipelineConfig:
    """Build the config from a context mapping (``node.try_get_context`` per key) and env."""
    removed = [
        f"{name} ({ENV_PREFIX}{name.upper()}): {why}"
        for name, why in REMOVED_SETTINGS.items()
        if _lookup(name, context) is not None
    ]
    if removed:
        raise ConfigError(f"settings no longer supported: {'; '.join(removed)}")
    raw = {
        name: value
        for name in PipelineConfig.model_fields
        if (value := _lookup(name, context)) is not None
    }
    try:
        return PipelineConfig.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, error['loc']))} ({ENV_PREFIX}{str(error['loc'][0]).upper()}): "
            f"{error['msg']}"
            if error["loc"]
            else str(error["msg"])  # a rule across settings (it names them)
            for error in exc.errors()
        )
        raise ConfigError(f"invalid pipeline settings: {problems}") from None
