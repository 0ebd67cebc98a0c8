"""The migrations handler against fakesnow (Snowflake) and moto (Secrets Manager).

fakesnow runs plain tables, views and DML; streams, tasks and procedures are the local runner's
business, so the fixture scripts here are small plain ones of our own.
"""

from __future__ import annotations

import base64
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import fakesnow
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from moto import mock_aws

from lambdas.snowflake_migrations.scripts import SqlVariables, scripts_fingerprint

FIXTURE_SCRIPTS = Path(__file__).parent / "scripts"
DATABASE = "POS_TEST"
REGION = "eu-west-1"


def private_key_body(passphrase: bytes | None = None) -> str:
    """A fresh RSA 2048 key as Firehose wants it: PKCS#8 DER, base64, no header or newlines."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    encryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, encryption
    )
    return base64.b64encode(der).decode("ascii")


@dataclass
class Deployment:
    """What CloudFormation would send, and a way to look at the fake account afterwards."""

    scripts_dir: Path
    secret_arn: str
    db_path: Path

    def event(self, request_type: str, **overrides: Any) -> dict[str, Any]:
        properties = {
            "ServiceToken": "arn:aws:lambda:eu-west-1:123456789012:function:provider",
            "AccountUrl": "https://myorg-pos.snowflakecomputing.com",
            "SecretArn": self.secret_arn,
            "Role": "POS_DEPLOY",
            "SqlVariables": SqlVariables(database=DATABASE).as_dict(),
            "ScriptsFingerprint": scripts_fingerprint(self.scripts_dir),
            **overrides,
        }
        event: dict[str, Any] = {
            "RequestType": request_type,
            "ResourceType": "Custom::SnowflakeMigrations",
            "LogicalResourceId": "SnowflakeMigrations",
            "StackId": "arn:aws:cloudformation:eu-west-1:123456789012:stack/pos/1",
            "RequestId": "request-1",
            "ResourceProperties": properties,
        }
        if request_type != "Create":
            event["PhysicalResourceId"] = f"snowflake-migrations:{DATABASE}"
        return event

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        import snowflake.connector  # patched by fakesnow

        with snowflake.connector.connect(database=DATABASE) as connection:
            return list(connection.cursor().execute(sql).fetchall())

    def history(self) -> list[tuple[str, str]]:
        return [
            (str(row[0]), str(row[1]))
            for row in self.query(
                f"SELECT SCRIPT, STATUS FROM {DATABASE}.OPS.SCHEMA_CHANGE_HISTORY "
                "ORDER BY INSTALLED_ON, SCRIPT"
            )
        ]


@pytest.fixture
def deployment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Deployment]:
    scripts_dir = tmp_path / "snowflake"
    shutil.copytree(FIXTURE_SCRIPTS, scripts_dir)
    monkeypatch.setenv("MIGRATIONS_SCRIPTS_DIR", str(scripts_dir))
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "pos-snowflake-migrations-test")
    db_path = tmp_path / "warehouse"
    db_path.mkdir()
    with mock_aws(), fakesnow.patch(db_path=str(db_path)):
        secret = boto3.client("secretsmanager", region_name=REGION).create_secret(
            Name="pos/deploy",
            SecretString=json.dumps(
                {
                    "user": "POS_DEPLOY",
                    "private_key": private_key_body(b"correct horse"),
                    "key_passphrase": "correct horse",
                }
            ),
        )
        yield Deployment(scripts_dir=scripts_dir, secret_arn=secret["ARN"], db_path=db_path)


class FakeLambdaContext:
    function_name = "MigrationsFunction"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:MigrationsFunction"
    aws_request_id = "request-1"
