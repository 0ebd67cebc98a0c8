"""Which AWS account and region the stack deploys to, and the check that its secrets live there.

The explicit ``account``/``region`` settings win. Without them the stack takes
``CDK_DEFAULT_ACCOUNT``/``CDK_DEFAULT_REGION``, which the CDK CLI sets for the app from the AWS
profile it runs with, overriding any value exported in the shell (aws-cdk toolkit-lib
``prepareDefaultEnvironment``; the app is spawned with ``{...process.env, ...defaults}``). So a
shell that exports one region while the profile names another deploys to the profile's region.

Firehose reads its secret in its own region (its ``SecretARN`` must be in the delivery stream's
region), Secrets Manager decrypts with a key in the secret's region, and PrivateLink to Snowflake
needs an endpoint service in the stream's region. When the account and region are known at synth
time, every such ARN is checked against them and a mismatch fails synthesis, naming the setting.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from stacks.config import ENV_PREFIX, ConfigError, PipelineConfig

ACCOUNT_ENV = "CDK_DEFAULT_ACCOUNT"
REGION_ENV = "CDK_DEFAULT_REGION"
ARN_REGION_ACCOUNT = re.compile(r"^arn:[^:]+:[^:]+:(?P<region>[^:]*):(?P<account>\d{12}):")
VPCE_REGION = re.compile(r"^com\.amazonaws\.vpce\.(?P<region>[a-z0-9-]+)\.vpce-svc-")


@dataclass(frozen=True)
class DeploymentTarget:
    account: str | None
    region: str | None
    account_source: str
    region_source: str

    @property
    def concrete(self) -> bool:
        return self.account is not None and self.region is not None


def _source(setting: str, variable: str, from_setting: bool) -> str:
    if from_setting:
        return f"the `{setting}` setting"
    return (
        f"{variable}, which the CDK CLI sets from the AWS profile it runs with, overriding an "
        f"exported {variable}; set `{setting}` (-c {setting}=... or {ENV_PREFIX}{setting.upper()})"
        " to choose it explicitly"
    )


def deployment_target(
    config: PipelineConfig, environ: Mapping[str, str] | None = None
) -> DeploymentTarget:
    env = os.environ if environ is None else environ
    return DeploymentTarget(
        account=config.account or env.get(ACCOUNT_ENV) or None,
        region=config.region or env.get(REGION_ENV) or None,
        account_source=_source("account", ACCOUNT_ENV, config.account is not None),
        region_source=_source("region", REGION_ENV, config.region is not None),
    )


def _located_settings(config: PipelineConfig) -> dict[str, tuple[str | None, str | None]]:
    """Setting name -> (region, account) of each regional resource the settings point at."""
    located: dict[str, tuple[str | None, str | None]] = {}
    for name in (
        "firehose_secret_arn",
        "migrations_secret_arn",
        "monitor_secret_arn",
        "secrets_kms_key_arn",
    ):
        value = getattr(config, name)
        if value and (match := ARN_REGION_ACCOUNT.match(value)):
            located[name] = (match["region"], match["account"])
    vpce = config.snowflake_private_link_vpce_id
    if vpce and (match := VPCE_REGION.match(vpce)):
        located["snowflake_private_link_vpce_id"] = (match["region"], None)
    return located


def check_same_region_and_account(config: PipelineConfig, target: DeploymentTarget) -> None:
    """Raise ConfigError naming every setting whose resource is in another region or account."""
    problems = []
    sources = {}
    for name, (region, account) in _located_settings(config).items():
        setting = f"{name} ({ENV_PREFIX}{name.upper()})"
        if target.region and region and region != target.region:
            problems.append(
                f"{setting} is in region {region}, but the stack deploys to {target.region}"
            )
            sources["region"] = f"The region is {target.region} from {target.region_source}."
        if target.account and account and account != target.account:
            problems.append(
                f"{setting} is in account {account}, but the stack deploys to {target.account}"
            )
            sources["account"] = f"The account is {target.account} from {target.account_source}."
    if problems:
        raise ConfigError(
            "the secrets, their key and the PrivateLink endpoint must be in the stack's account "
            "and region (Firehose reads its secret in its own region): "
            + "; ".join(problems)
            + ". "
            + " ".join(sources.values())
        )
