"""One synthesized app per test session (jsii start-up and synth are the slow part)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from stacks.application import build_app, project_context
from stacks.pipeline import PosPipelineStack

ACCOUNT_URL = "https://myorg-pos.snowflakecomputing.com"
FIREHOSE_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:pos/firehose-AbCdEf"
MIGRATIONS_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:pos/deploy-GhIjKl"
SETTINGS = {
    "snowflake_account_url": ACCOUNT_URL,
    "firehose_secret_arn": FIREHOSE_SECRET,
    "migrations_secret_arn": MIGRATIONS_SECRET,
    "alarm_email": "data-oncall@example.com",
}


@dataclass(frozen=True)
class Synthesized:
    stack: PosPipelineStack
    template: Template
    outdir: Path

    @property
    def template_json(self) -> dict[str, Any]:
        return dict(self.template.to_json())

    def resources(self, resource_type: str) -> dict[str, Any]:
        return dict(self.template.find_resources(resource_type))


def synth_isolated(app: cdk.App) -> PosPipelineStack:
    """build_app without the caller's CDK_DEFAULT_ACCOUNT/REGION (a developer's shell or CLI):
    the stack's environment comes from the settings only, so the template is the same anywhere."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CDK_DEFAULT_")}
    with mock.patch.dict(os.environ, environ, clear=True):
        return build_app(app)


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    context = project_context()
    context.update(SETTINGS)
    # Skip pip bundling: the assets are checked by the slow bundling test.
    context["aws:cdk:bundling-stacks"] = []
    # What the CDK CLI turns on by default (sam local relies on both).
    context["aws:cdk:enable-path-metadata"] = True
    context["aws:cdk:enable-asset-metadata"] = True
    outdir = tmp_path_factory.mktemp("cdk.out")
    app = cdk.App(context=context, outdir=str(outdir))
    stack = synth_isolated(app)
    app.synth()
    return Synthesized(stack=stack, template=Template.from_stack(stack), outdir=outdir)


# The access tests evaluate a deployment with every optional part on (the Snowflake monitor, a
# customer-managed key for the secrets) in a concrete account and region, as `cdk deploy` makes it.
ACCOUNT = "123456789012"
REGION = "eu-west-1"
MONITOR_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:pos/monitor-MnOpQr"
SECRETS_KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
FULL_SETTINGS = {
    **SETTINGS,
    "monitor_secret_arn": MONITOR_SECRET,
    "secrets_kms_key_arn": SECRETS_KEY,
    "canary_enabled": True,
    "account": ACCOUNT,
    "region": REGION,
}


@pytest.fixture(scope="session")
def deployed_synth(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    context = project_context()
    context.update(FULL_SETTINGS)
    context["aws:cdk:bundling-stacks"] = []
    context["aws:cdk:enable-path-metadata"] = True
    outdir = tmp_path_factory.mktemp("cdk.out.deployed")
    app = cdk.App(context=context, outdir=str(outdir))
    stack = synth_isolated(app)
    app.synth()
    return Synthesized(stack=stack, template=Template.from_stack(stack), outdir=outdir)
