"""One local twin per module (synthesizing and provisioning take seconds); each test that breaks
something puts it back. The synthesized template is cached for the session."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from lambdas.pipeline_verify.aws_checks import AwsClients
from lambdas.pipeline_verify.verify import VerifyTarget
from local.twin.provision import client
from local.twin.twin import LocalTwin, TwinOptions
from tests.paths import SQL_DIR


@pytest.fixture(scope="session")
def synth_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("twin-synth")


def twin_workdir(tmp_path_factory: pytest.TempPathFactory, migrated: Path) -> Path:
    workdir = tmp_path_factory.mktemp("twin")
    shutil.copytree(migrated, workdir / "warehouse")
    return workdir


@dataclass
class Twin:
    twin: LocalTwin
    target: VerifyTarget

    @property
    def admin(self) -> Any:
        warehouse = self.twin.warehouse
        return warehouse.connect_as(warehouse.principals.admin).cursor()

    def aws(self, service: str) -> Any:
        return client(service, self.twin.endpoint_url)


@pytest.fixture(scope="module")
def twin(
    tmp_path_factory: pytest.TempPathFactory, migrated_template: Path, synth_cache: Path
) -> Iterator[Twin]:
    options = TwinOptions(
        twin_workdir(tmp_path_factory, migrated_template), synth_cache=synth_cache
    )
    with LocalTwin(options) as running:
        principals = running.warehouse.principals
        connection = running.snowflake_connection(principals.deploy.user, principals.deploy.role)
        grants = running.snowflake_connection(principals.admin.user, "SECURITYADMIN")
        url = running.endpoint_url
        aws = AwsClients(
            *(client(s, url) for s in ("kinesis", "firehose", "lambda", "cloudwatch", "sns"))
        )
        assert running.stack is not None
        target = VerifyTarget(running.stack, aws, connection, grants, SQL_DIR, running.variables)
        try:
            yield Twin(running, target)
        finally:
            connection.close()
            grants.close()
