"""``pos verify``: the command a user runs, end to end against the local twin, and its refusals."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pos.app import app
from tests.paths import REPO_ROOT

REQUIRED = ("snowflake_account_url", "firehose_secret_arn", "migrations_secret_arn")


def test_pos_verify_local_passes_and_prints_the_table(tmp_path: Path) -> None:
    """The README's command, in its own process as a user runs it (moto is global to a process)."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pos",
            "verify",
            "--local",
            "--workdir",
            str(tmp_path),
            "--deadline",
            "120",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "Result: verified"
    for name in (
        "alarm topic policy",
        "schema history",
        "grants of POS_INGEST",
        "sales in Gold",
        "bad records in REJECTED",
        "latency put -> gold",
    ):
        assert any(f"  {name}" in line for line in lines), name
    assert "Traceback" not in result.stderr


def test_missing_settings_are_named_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("POS_"):
            monkeypatch.delenv(name)
    result = CliRunner().invoke(app, ["verify"])
    assert result.exit_code == 2
    message = result.output.strip()
    assert message.startswith("error: invalid pipeline settings:")
    assert len(message.splitlines()) == 1
    for name in REQUIRED:
        assert f"{name} (POS_{name.upper()})" in message


def test_no_aws_credentials_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POS_SNOWFLAKE_ACCOUNT_URL", "https://myorg-pos.snowflakecomputing.com")
    arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:pos/{}-AbCdEf"
    monkeypatch.setenv("POS_FIREHOSE_SECRET_ARN", arn.format("firehose"))
    monkeypatch.setenv("POS_MIGRATIONS_SECRET_ARN", arn.format("deploy"))
    monkeypatch.setenv("POS_REGION", "eu-west-1")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    result = CliRunner().invoke(app, ["verify"])
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: no AWS credentials: set AWS_PROFILE or the usual credential chain"
    )


def test_pos_verify_local_attaches_to_a_running_twin(tmp_path: Path) -> None:
    """`pos local twin` keeps a twin up; `pos verify --local` with its workdir attaches to it."""
    from local.processes import stop_child

    twin = subprocess.Popen(
        [sys.executable, "-m", "pos", "local", "twin", "--workdir", str(tmp_path)],
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        endpoints = tmp_path / "twin" / "endpoints.json"
        deadline = time.monotonic() + 300
        while not endpoints.exists():
            assert twin.poll() is None, "the twin exited"
            assert time.monotonic() < deadline, "the twin did not come up"
            time.sleep(0.5)
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pos",
                "verify",
                "--local",
                "--workdir",
                str(tmp_path),
                "--skip",
                "canary",
                "--skip",
                "windows",
            ],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert f"attached to the local twin of {tmp_path}" in result.stderr
        assert result.stdout.splitlines()[-1] == "Result: verified"
    finally:
        code = stop_child(twin)
    assert code == 128 + 15  # stopped by SIGTERM, cleanly
    assert not (tmp_path / "twin" / "endpoints.json").exists()
