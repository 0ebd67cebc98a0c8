"""``pos migrate``: the custom resource's core from a terminal, against an account (fakesnow
stands in for Snowflake, moto for Secrets Manager) or against a local warehouse."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from typer.testing import CliRunner

from pos.app import app
from pos.migrate import PASSPHRASE_ENV
from tests.migrations.conftest import DATABASE, REGION, Deployment

runner = CliRunner()
FIXTURE_SCRIPTS = ["V1__create_sales.sql", "V2__seed_sales.sql", "R__sales_total.sql"]


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


def migrate(*args: str) -> tuple[int, list[str]]:
    result = runner.invoke(app, ["migrate", *args])
    return result.exit_code, result.output.splitlines()


def test_plan_apply_status_with_a_pem_key(
    deployment: Deployment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, "s3cret passphrase")
    account = [
        "--account", "myorg-pos",
        "--user", "POS_DEPLOY",
        "--private-key-file", str(_pem_key_file(tmp_path, b"s3cret passphrase")),
        "--role", "POS_DEPLOY",
        "--database", DATABASE,
        "--scripts-dir", str(deployment.scripts_dir),
    ]  # fmt: skip

    code, lines = migrate("plan", *account)
    assert code == 0
    assert lines == [f"pending  {name}" for name in FIXTURE_SCRIPTS] + ["3 pending"]
    code, lines = migrate("status", *account)
    assert code == 0
    assert lines[0] == f"nothing applied yet in {DATABASE}"
    assert lines[-1] == "0 applied, 0 failed, 3 pending"
    # Read-only: neither plan nor status created the history table.
    assert not deployment.query(
        f"SELECT * FROM {DATABASE}.INFORMATION_SCHEMA.TABLES"
        " WHERE TABLE_NAME = 'SCHEMA_CHANGE_HISTORY'"
    )

    code, lines = migrate("apply", *account)
    assert code == 0 and lines[-1] == "3 applied, 0 unchanged"
    code, lines = migrate("plan", *account)
    assert (code, lines) == (0, ["0 pending"])
    code, lines = migrate("status", *account)
    assert code == 0
    listed = [line.split()[0] for line in lines[1:-1]]
    assert sorted(listed) == sorted(FIXTURE_SCRIPTS)
    assert all(" SUCCESS " in line for line in lines[1:-1])
    assert lines[-1] == "3 applied, 0 failed, 0 pending"


def test_status_with_the_firehose_shaped_secret_shows_a_changed_repeatable_as_pending(
    deployment: Deployment,
) -> None:
    account = [
        "--account", "myorg-pos",
        "--secret-arn", deployment.secret_arn,
        "--region", REGION,
        "--role", "POS_DEPLOY",
        "--database", DATABASE,
        "--scripts-dir", str(deployment.scripts_dir),
    ]  # fmt: skip
    assert migrate("apply", *account)[0] == 0
    (deployment.scripts_dir / "R__sales_total.sql").write_text(
        (deployment.scripts_dir / "R__sales_total.sql").read_text() + "\n-- changed\n"
    )
    code, lines = migrate("status", *account)
    assert code == 0
    assert "pending  R__sales_total.sql" in lines
    assert lines[-1] == "3 applied, 0 failed, 1 pending"


def test_a_bad_identifier_is_refused_before_connecting(
    deployment: Deployment, tmp_path: Path
) -> None:
    key = _pem_key_file(tmp_path, b"pw")
    result = runner.invoke(
        app,
        ["migrate", "apply", "--account", "myorg-pos", "--user", "U", "--private-key-file",
         str(key), "--role", "POS_DEPLOY", "--database", "POS;DROP"],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "not a valid Snowflake identifier" in result.output


def test_a_missing_scripts_folder_is_an_error_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    code, lines = migrate(
        "plan", "--local", "--workdir", str(tmp_path / "run"), "--scripts-dir", str(missing)
    )
    assert code == 1
    assert f"{missing} does not exist" in "\n".join(lines)


@pytest.mark.slow
def test_local_warehouse_apply_then_status(tmp_path: Path) -> None:
    workdir = tmp_path / "run"
    code, lines = migrate("apply", "--local", "--workdir", str(workdir))
    assert code == 0, lines
    applied = int(lines[-1].split()[0])
    assert applied > 20
    code, lines = migrate("status", "--local", "--workdir", str(workdir))
    assert code == 0
    # Versioned and repeatable scripts are applied; always-scripts (A__) run every time.
    summary = lines[-1]
    assert summary.startswith(f"{applied} applied, 0 failed, ")
    assert all(line.startswith("pending  A__") for line in lines if line.startswith("pending"))
