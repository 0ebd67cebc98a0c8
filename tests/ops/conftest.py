"""Fixtures for the operations tests: one synthesized app with the Snowflake monitor enabled
(synthesized once per session), and a local warehouse with the project's migrations applied."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from stacks.monitoring import PipelineMonitoring
from stacks.requirements import REPO_ROOT
from tests.cdk.conftest import synth_isolated

MONITOR_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:pos/monitor-MnOpQr"
SETTINGS = {
    "snowflake_account_url": "https://myorg-pos.snowflakecomputing.com",
    "firehose_secret_arn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:pos/fh-AbCdEf",
    "migrations_secret_arn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:pos/dp-GhIjKl",
    "monitor_secret_arn": MONITOR_SECRET,
    "alarm_email": "data-oncall@example.com",
}


class Synthesized:
    def __init__(self, monitoring: PipelineMonitoring, template: Template) -> None:
        self.monitoring = monitoring
        self.template = template

    def alarms(self) -> dict[str, dict[str, Any]]:
        """Alarm resources keyed by AlarmName (every alarm here has a literal name)."""
        found = self.template.find_resources("AWS::CloudWatch::Alarm")
        return {resource["Properties"]["AlarmName"]: resource for resource in found.values()}

    def logical_id(self, construct: Any) -> str:
        stack = cdk.Stack.of(construct)
        return stack.get_logical_id(construct.node.default_child)


def synthesize(settings: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    context = json.loads((REPO_ROOT / "cdk.json").read_text())["context"]
    context.update(settings)
    context["aws:cdk:bundling-stacks"] = []  # assets are not what these tests check
    app = cdk.App(context=context, outdir=str(tmp_path_factory.mktemp("cdk.out")))
    stack = synth_isolated(app)
    app.synth()
    return Synthesized(stack.monitoring, Template.from_stack(stack))


@pytest.fixture(scope="session")
def ops_synth(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize(SETTINGS, tmp_path_factory)


@pytest.fixture(scope="session")
def migrated_warehouse_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse directory with snowflake/ applied once; tests copy it (applying takes ~8 s)."""
    from local.warehouse import LocalWarehouse

    directory = tmp_path_factory.mktemp("warehouse-template")
    with LocalWarehouse(directory) as warehouse:
        warehouse.apply_migrations(REPO_ROOT / "snowflake")
    return directory


@pytest.fixture
def warehouse(migrated_warehouse_dir: Path, tmp_path: Path) -> Iterator[Any]:
    import shutil

    from local.warehouse import LocalWarehouse

    directory = tmp_path / "warehouse"
    shutil.copytree(migrated_warehouse_dir, directory)
    with LocalWarehouse(directory) as local:
        yield local
