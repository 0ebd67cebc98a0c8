"""Deployment settings: what is accepted, what is refused and how the refusal reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from stacks.config import ConfigError, load_config
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
