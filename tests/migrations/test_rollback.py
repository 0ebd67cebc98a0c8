"""An update rollback runs the previous release's code with the previous properties: it must apply
nothing when the account already holds a newer release, and say so.

CloudFormation reverts the migrations function's code before it sends the custom resource the
rollback Update, so the scripts fingerprint in the request matches the scripts the (old) code
carries; only the history table shows the account is ahead. These tests run the real handler
against the local warehouse (the project's own snowflake/ scripts, streams, tasks and procedures)
with the key pair in moto's Secrets Manager, and play the "old code" by pointing it at a copy of
the scripts without the newer release.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from lambdas.snowflake_migrations import handler
from lambdas.snowflake_migrations.apply import AccountAheadError
from lambdas.snowflake_migrations.scripts import SqlVariables, scripts_fingerprint
from local.warehouse import LocalWarehouse
from stacks.requirements import REPO_ROOT
from tests.migrations.conftest import REGION, FakeLambdaContext, private_key_body

CONTEXT = FakeLambdaContext()
BACKLOG_VIEW = "R__ops_view_stream_backlog.sql"
NEWER_VERSION = "V900__ops_release_note.sql"


@pytest.fixture(scope="session")
def migrated_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse with today's snowflake/ applied once (the release already deployed)."""
    directory = tmp_path_factory.mktemp("warehouse-released")
    with LocalWarehouse(directory) as warehouse:
        warehouse.apply_migrations(REPO_ROOT / "snowflake")
    return directory


@dataclass
class Release:
    """A scripts directory, and the custom resource properties a template made from it sends."""

    scripts: Path
    secret_arn: str

    def properties(self) -> dict[str, Any]:
        return {
            "ServiceToken": "arn:aws:lambda:eu-west-1:123456789012:function:provider",
            "AccountUrl": "https://myorg-pos.snowflakecomputing.com",
            "SecretArn": self.secret_arn,
            "Role": "POS_DEPLOY",
            "SqlVariables": SqlVariables().as_dict(),
            "ScriptsFingerprint": scripts_fingerprint(self.scripts),
        }


@dataclass
class Account:
    warehouse: LocalWarehouse
    old: Release
    new: Release
    warnings: list[tuple[str, dict[str, Any]]]
    monkeypatch: pytest.MonkeyPatch

    def run(self, request_type: str, code: Release, old_properties: Release | None = None) -> Any:
        """Invoke the handler as ``code``'s release (the function carries its scripts)."""
        self.monkeypatch.setenv("MIGRATIONS_SCRIPTS_DIR", str(code.scripts))
        event: dict[str, Any] = {
            "RequestType": request_type,
            "ResourceType": "Custom::SnowflakeMigrations",
            "LogicalResourceId": "SnowflakeMigrations",
            "StackId": "arn:aws:cloudformation:eu-west-1:123456789012:stack/pos/1",
            "RequestId": "request-1",
            "ResourceProperties": code.properties(),
        }
        if request_type != "Create":
            event["PhysicalResourceId"] = "snowflake-migrations:POS_DB"
        if old_properties is not None:
            event["OldResourceProperties"] = old_properties.properties()
        return handler.on_event(event, CONTEXT)

    def history(self) -> list[tuple[str, str]]:
        connection = self.warehouse.connect_as(self.warehouse.principals.admin)
        try:
            cursor = connection.cursor()
            cursor.execute(
                "SELECT SCRIPT, CHECKSUM FROM POS_DB.OPS.SCHEMA_CHANGE_HISTORY ORDER BY 1, 2"
            )
            return [(str(r[0]), str(r[1])) for r in cursor.fetchall()]
        finally:
            connection.close()

    def backlog_columns(self) -> list[str]:
        connection = self.warehouse.connect_as(self.warehouse.principals.admin)
        try:
            cursor = connection.cursor()
            cursor.execute("SELECT * FROM POS_DB.OPS.STREAM_BACKLOG LIMIT 0")
            return [str(column[0]).upper() for column in cursor.description]
        finally:
            connection.close()


def _newer_release(old: Path, new: Path) -> None:
    """A release that adds a versioned script and changes a repeatable one that relies on it."""
    shutil.copytree(old, new)
    (new / NEWER_VERSION).write_text(
        "CREATE TABLE IF NOT EXISTS {{ database }}.OPS.RELEASE_NOTE (RELEASE VARCHAR);\n"
    )
    view = new / BACKLOG_VIEW
    text = view.read_text()
    marker = "        C.LAST_CONSUMED_AT\n"
    assert marker in text
    view.write_text(
        text.replace(
            marker,
            "        C.LAST_CONSUMED_AT,\n"
            "        (SELECT COUNT(*) FROM {{ database }}.OPS.RELEASE_NOTE) AS RELEASE_NOTES\n",
        )
    )


@pytest.fixture
def account(
    migrated_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Account]:
    directory = tmp_path / "warehouse"
    shutil.copytree(migrated_dir, directory)
    old, new = tmp_path / "release-old", tmp_path / "release-new"
    shutil.copytree(REPO_ROOT / "snowflake", old)
    _newer_release(old, new)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    warnings: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(
        handler.logger, "warning", lambda message, **kw: warnings.append((message, kw))
    )
    with mock_aws(), LocalWarehouse(directory) as warehouse:
        secret = boto3.client("secretsmanager", region_name=REGION).create_secret(
            Name="pos/deploy",
            SecretString=json.dumps({"user": "POS_DEPLOY", "private_key": private_key_body()}),
        )
        # The handler logs in as the secret's user with the deploy role, as on Snowflake.
        monkeypatch.setattr(
            handler,
            "connect",
            lambda **kw: warehouse.connect(user=kw["key_pair"].user, role=kw["role"]),
        )
        yield Account(
            warehouse=warehouse,
            old=Release(old, secret["ARN"]),
            new=Release(new, secret["ARN"]),
            warnings=warnings,
            monkeypatch=monkeypatch,
        )


def test_an_update_rollback_over_a_newer_schema_applies_nothing_and_says_so(
    account: Account,
) -> None:
    forward = account.run("Update", account.new, old_properties=account.old)
    assert NEWER_VERSION in forward["Data"]["AppliedScripts"]
    assert BACKLOG_VIEW in forward["Data"]["AppliedScripts"]
    assert "RELEASE_NOTES" in account.backlog_columns()
    history = account.history()

    # The stack update failed later on; CloudFormation reverts the function code, then sends
    # the previous properties (and the failed ones as OldResourceProperties).
    rollback = account.run("Update", account.old, old_properties=account.new)

    assert rollback["Data"]["Applied"] == "0"
    assert rollback["Data"]["Skipped"] == f"account is ahead: {NEWER_VERSION}"
    assert account.history() == history, "nothing may be applied, not even A__ scripts"
    assert "RELEASE_NOTES" in account.backlog_columns(), "the newer view must stay"
    ((message, extra),) = account.warnings
    assert "nothing applied" in message
    assert extra["extra"]["newer_scripts"] == [NEWER_VERSION]


def test_older_scripts_refuse_to_create_over_a_newer_account(account: Account) -> None:
    account.run("Update", account.new, old_properties=account.old)
    with pytest.raises(AccountAheadError, match=NEWER_VERSION):
        account.run("Create", account.old)


def test_a_rollback_of_a_repeatable_only_release_restores_the_previous_repeatable(
    account: Account,
) -> None:
    """Without a newer versioned script the schema is the one the previous scripts were written
    for, so rolling back re-applies them: the account returns to the previous template."""
    (account.new.scripts / NEWER_VERSION).unlink()
    view = account.new.scripts / BACKLOG_VIEW
    view.write_text(
        view.read_text().replace("(SELECT COUNT(*) FROM {{ database }}.OPS.RELEASE_NOTE)", "0")
    )
    account.run("Update", account.new, old_properties=account.old)
    assert "RELEASE_NOTES" in account.backlog_columns()

    rollback = account.run("Update", account.old, old_properties=account.new)

    assert BACKLOG_VIEW in rollback["Data"]["AppliedScripts"]
    assert "RELEASE_NOTES" not in account.backlog_columns()
