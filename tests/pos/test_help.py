"""``pos --help`` at every level names the commands and shows at least one runnable example."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from pos.app import COMMAND_GROUPS, app

POS = Path(sys.executable).with_name("pos")


def command_paths() -> list[list[str]]:
    """Every command and group below the root, as the words a user types."""
    root = typer.main.get_command(app)
    paths: list[list[str]] = []

    def walk(command: Any, path: list[str]) -> None:
        paths.append(path)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, name])

    walk(root, [])
    return paths


def test_every_group_module_registers_a_command() -> None:
    names = {path[0] for path in command_paths() if path}
    assert {"local", "produce", "migrate", "verify", "redrive", "invoke-transform"} <= names
    assert len(COMMAND_GROUPS) == 6


@pytest.mark.parametrize("path", command_paths(), ids=lambda path: " ".join(["pos", *path]))
def test_help_shows_an_example_of_this_command(path: list[str]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "Example" in result.output
    # The example shows this very command (a group's examples show its subcommands).
    example = " ".join(["pos", *path]) if path else "pos "
    assert any(line.strip().startswith(example) for line in result.output.splitlines()), (
        result.output
    )


def test_the_installed_console_script_answers_from_any_folder(tmp_path: Path) -> None:
    completed = subprocess.run(
        [str(POS), "--help"], cwd=tmp_path, capture_output=True, timeout=60, check=False
    )
    assert completed.returncode == 0, completed.stderr.decode()
    output = completed.stdout.decode()
    for group in ("local", "produce", "migrate", "verify", "invoke-transform"):
        assert group in output
    module = subprocess.run(
        [sys.executable, "-m", "pos", "local", "--help"],
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert module.returncode == 0 and "dashboards" in module.stdout.decode()
