"""Deployment settings: what is accepted, what is refused and how the refusal reads."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
import pytest

from stacks.application import build_app, project_context
from stacks.config import ConfigError, load_config
from stacks.environment import DeploymentTarget, check_same_region_and_account, deployment_target
from stacks.requirements import UnpinnedRequirementError, bundle_requirements
from tests.cdk.conftest import FIREHOSE_SECRET, SETTINGS


def test_context_wins_over_environment_and_names_are_normalised(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("POS_DATABASE", "FROM_ENV")
    monkeypatch.setenv("POS_WAREHOUSE", "env_wh")
    config = load_config(
        {
            **SETTINGS,
            "database": "pos_prod",
            "snowflake_account_url": "MyOrg-POS.snowflakecomputing.com",
        }
    )
    assert config.database == "POS_PROD"
    assert config.warehouse == "ENV_WH"
    assert config.snowflake_account_url == "https://myorg-pos.snowflakecomputing.com"
    assert config.sql_variables.database == "POS_PROD"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("database", "POS_DB; DROP DATABASE X", "not a valid Snowflake identifier"),
        ("ingest_role", "role-with-dash", "not a valid Snowflake identifier"),
        ("firehose_secret_arn", FIREHOSE_SECRET.removesuffix("-AbCdEf"), "complete secret ARN"),
        ("snowflake_account_url", "https://example.com", "snowflakecomputing.com"),
        ("processor_buffer_size_mb", "3", "less than or equal to 1"),
        ("log_retention_days", "10", "must be one of"),
    ],
)  # fmt: skip
def test_invalid_settings_are_refused_with_the_setting_named(
    name: str, value: str, message: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        load_config({**SETTINGS, name: value})
    assert f"{name} (POS_{name.upper()})" in str(refused.value)
    assert message in str(refused.value)


def test_missing_required_settings_are_all_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SNOWFLAKE_ACCOUNT_URL", "FIREHOSE_SECRET_ARN", "MIGRATIONS_SECRET_ARN"):
        monkeypatch.delenv(f"POS_{name}", raising=False)
    with pytest.raises(ConfigError) as refused:
        load_config({})
    for name in ("snowflake_account_url", "firehose_secret_arn", "migrations_secret_arn"):
        assert name in str(refused.value)


def test_bundled_requirements_come_from_the_project_pins() -> None:
    assert bundle_requirements({"pydantic": None, "aws-lambda-powertools": None}) == [
        "aws-lambda-powertools[tracer]==3.37.0",
        "pydantic==2.14.3",
    ]
    # An extra can be dropped (the connector's [pandas] would bloat the migrations bundle).
    assert bundle_requirements({"snowflake-connector-python": frozenset()}) == [
        "snowflake-connector-python==4.8.1"
    ]


def test_unpinned_or_unknown_requirements_are_refused(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "x"\ndependencies = ["orjson>=3"]\n')
    with pytest.raises(UnpinnedRequirementError, match="pinned with =="):
        bundle_requirements({"orjson": None}, pyproject)
    with pytest.raises(UnpinnedRequirementError, match="not a \\[project\\] dependency"):
        bundle_requirements({"requests": None}, pyproject)


# --- where the stack deploys, and the secrets' region and account -------------------------------
US_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:pos/firehose-AbCdEf"


def _check(settings: dict[str, str], environ: dict[str, str]) -> DeploymentTarget:
    config = load_config(settings)
    target = deployment_target(config, environ)
    check_same_region_and_account(config, target)
    return target


def test_the_region_comes_from_the_setting_before_the_cli_profile() -> None:
    target = _check({**SETTINGS, "region": "eu-west-1"}, {"CDK_DEFAULT_REGION": "us-east-1"})
    assert target.region == "eu-west-1"
    target = _check(
        SETTINGS, {"CDK_DEFAULT_REGION": "eu-west-1", "CDK_DEFAULT_ACCOUNT": "123456789012"}
    )
    assert (target.region, target.concrete) == ("eu-west-1", True)


def test_a_secret_in_another_region_fails_synth_naming_the_setting_and_the_region_source() -> None:
    with pytest.raises(ConfigError) as refused:
        _check({**SETTINGS, "firehose_secret_arn": US_SECRET}, {"CDK_DEFAULT_REGION": "eu-west-1"})
    message = str(refused.value)
    assert "firehose_secret_arn (POS_FIREHOSE_SECRET_ARN) is in region us-east-1" in message
    assert "deploys to eu-west-1" in message
    assert "CDK_DEFAULT_REGION, which the CDK CLI sets from the AWS profile" in message
    assert "set `region`" in message
    assert "migrations_secret_arn" not in message


def test_an_explicit_region_is_named_as_the_source() -> None:
    with pytest.raises(ConfigError, match="from the `region` setting"):
        _check({**SETTINGS, "region": "us-east-1"}, {})


def test_every_regional_setting_is_checked_for_region_and_account() -> None:
    settings = {
        **SETTINGS,
        "monitor_secret_arn": "arn:aws:secretsmanager:eu-west-1:999999999999:secret:pos/m-MnOpQr",
        "secrets_kms_key_arn": "arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab",
        "snowflake_private_link_vpce_id": "com.amazonaws.vpce.us-west-2.vpce-svc-0123456789abcdef0",
    }
    with pytest.raises(ConfigError) as refused:
        _check(settings, {"CDK_DEFAULT_REGION": "eu-west-1", "CDK_DEFAULT_ACCOUNT": "123456789012"})
    message = str(refused.value)
    assert "monitor_secret_arn (POS_MONITOR_SECRET_ARN) is in account 999999999999" in message
    assert "secrets_kms_key_arn (POS_SECRETS_KMS_KEY_ARN) is in region eu-central-1" in message
    assert (
        "snowflake_private_link_vpce_id (POS_SNOWFLAKE_PRIVATE_LINK_VPCE_ID) is in region us-west-2"
        in message
    )


def test_without_a_known_region_nothing_is_compared() -> None:
    target = _check({**SETTINGS, "firehose_secret_arn": US_SECRET}, {})
    assert target.concrete is False


def test_synth_refuses_a_secret_from_another_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CDK_DEFAULT_REGION", "eu-west-1")
    context = project_context()
    context.update({**SETTINGS, "firehose_secret_arn": US_SECRET})
    with pytest.raises(ConfigError, match="firehose_secret_arn"):
        build_app(cdk.App(context=context))


@pytest.mark.parametrize(
    "name", ["bronze_schema", "bronze_table", "content_column", "metadata_column"]
)
def test_removed_bronze_settings_are_refused_not_ignored(name: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load_config({**SETTINGS, name: "OTHER"})
    assert f"{name} (POS_{name.upper()})" in str(refused.value)
    assert "BRONZE.JSON_RAW_DATA" in str(refused.value)
