"""The command-line applier: same core as the custom resource, PEM key file, passphrase from env."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from lambdas.snowflake_migrations import cli
from tests.migrations.conftest import DATABASE, Deployment


def _pem_key_file(tmp_path: Path, passphrase: bytes) -> Path:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path / "deploy_key.p8"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(passphrase),
        )
    )
    return path


def test_apply_then_plan_shows_nothing_pending(
    deployment: Deployment,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(cli.PASSPHRASE_ENV, "s3cret passphrase")
    common = [
        "--account", "myorg-pos",
        "--user", "POS_DEPLOY",
        "--private-key-file", str(_pem_key_file(tmp_path, b"s3cret passphrase")),
        "--role", "POS_DEPLOY",
        "--database", DATABASE,
        "--scripts-dir", str(deployment.scripts_dir),
    ]  # fmt: skip

    assert cli.main(["plan", *common]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "pending  V1__create_sales.sql",
        "pending  V2__seed_sales.sql",
        "pending  R__sales_total.sql",
    ]
    assert cli.main(["apply", *common]) == 0
    assert "3 applied, 0 unchanged" in capsys.readouterr().out
    assert cli.main(["plan", *common]) == 0
    assert capsys.readouterr().out == ""


def test_a_bad_identifier_is_refused_before_connecting(
    deployment: Deployment, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = _pem_key_file(tmp_path, b"pw")
    code = cli.main(
        ["apply", "--account", "myorg-pos", "--user", "U", "--private-key-file", str(key),
         "--role", "POS_DEPLOY", "--database", "POS;DROP"]
    )  # fmt: skip
    assert code == 1
    assert "not a valid Snowflake identifier" in capsys.readouterr().err
