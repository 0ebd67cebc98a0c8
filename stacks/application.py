"""Builds the CDK app: settings from context/environment, the pipeline stack, cdk-nag checks.

``app.py`` and the tests both call :func:`build_app`, so the tests check what ``cdk synth``
produces.
"""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk

from stacks.config import REMOVED_SETTINGS, PipelineConfig, load_config
from stacks.environment import check_same_region_and_account, deployment_target
from stacks.nag import enable_nag_checks
from stacks.pipeline import PosPipelineStack
from stacks.requirements import REPO_ROOT


def project_context() -> dict[str, Any]:
    """cdk.json's context (feature flags, settings) for apps not started by the CDK CLI.

    ``python app.py`` then synthesizes the same template as ``npx cdk synth``; under the CLI the
    context it passes (cdk.json plus ``-c``) takes precedence over these defaults.
    """
    context: dict[str, Any] = json.loads((REPO_ROOT / "cdk.json").read_text())["context"]
    return context


def context_settings(app: cdk.App) -> dict[str, object]:
    names = (*PipelineConfig.model_fields, *REMOVED_SETTINGS)
    return {name: app.node.try_get_context(name) for name in names}


def build_app(app: cdk.App) -> PosPipelineStack:
    config = load_config(context_settings(app))
    target = deployment_target(config)
    check_same_region_and_account(config, target)
    stack = PosPipelineStack(
        app,
        config.stack_name,
        config=config,
        description="Retail POS pipeline: Kinesis -> Firehose (transform) -> Snowflake",
        env=cdk.Environment(account=target.account, region=target.region),
        termination_protection=config.termination_protection,
    )
    enable_nag_checks(app)
    return stack
