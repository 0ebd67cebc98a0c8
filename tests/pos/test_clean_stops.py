"""Every launcher stops what it started: on SIGTERM and SIGINT it stops its children and waits
for them, and when it is killed outright its children stop by themselves (Linux's parent-death
signal). Each test records the processes the launcher started, by pid and start time, and checks
them after the launcher is gone; none may survive."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.process_tree import alive, run_as_subreaper, wait_for_descendants

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc, uses prctl"),
]

POS = str(Path(sys.executable).with_name("pos"))
RUN_CHILDREN = ("local.kinesis", "local.pipeline.produce")


def run_command(workdir: Path) -> list[str]:
    # Long enough to be stopped mid-flight; slow enough to leave the machine to the others.
    return [POS, "local", "run", "--duration", "600", "--rate", "20", "--workdir", str(workdir)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def stop_and_collect(
    launcher: subprocess.Popen[bytes], markers: tuple[str, ...], sig: signal.Signals
) -> tuple[int, list[str]]:
    started = wait_for_descendants(launcher, markers)
    launcher.send_signal(sig)
    code = launcher.wait(timeout=120)
    return code, [each.command for each in started if alive(each)]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=lambda sig: sig.name)
def test_local_run_stops_moto_and_the_producer(tmp_path: Path, sig: signal.Signals) -> None:
    launcher = subprocess.Popen(
        run_command(tmp_path / "run"),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        code, survivors = stop_and_collect(launcher, RUN_CHILDREN, sig)
    finally:
        if launcher.poll() is None:
            launcher.kill()
            launcher.wait()
    assert code == 128 + sig
    assert survivors == []


def test_killed_local_run_leaves_no_process_behind(tmp_path: Path) -> None:
    exited = run_as_subreaper(run_command(tmp_path / "run"), RUN_CHILDREN, tmp_path)
    for marker in RUN_CHILDREN:
        assert any(marker in command for command in exited), exited


@pytest.fixture(scope="module")
def workdir_with_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = tmp_path_factory.mktemp("dashboards") / "run"
    completed = subprocess.run(
        [POS, "migrate", "apply", "--local", "--workdir", str(workdir)],
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr.decode()[-2000:]
    return workdir


def dashboards_command(workdir: Path) -> list[str]:
    return [POS, "local", "dashboards", "--workdir", str(workdir), "--port", str(free_port())]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=lambda sig: sig.name)
def test_dashboards_launcher_stops_streamlit(
    workdir_with_warehouse: Path, sig: signal.Signals
) -> None:
    launcher = subprocess.Popen(
        dashboards_command(workdir_with_warehouse),
        cwd=workdir_with_warehouse,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        code, survivors = stop_and_collect(launcher, ("streamlit",), sig)
    finally:
        if launcher.poll() is None:
            launcher.kill()
            launcher.wait()
    assert code == 128 + sig
    assert survivors == []


def test_killed_dashboards_launcher_leaves_no_streamlit_behind(
    workdir_with_warehouse: Path,
) -> None:
    # Streamlit has no pipe from the launcher: only the parent-death signal can stop it.
    exited = run_as_subreaper(
        dashboards_command(workdir_with_warehouse), ("streamlit",), workdir_with_warehouse
    )
    assert any("streamlit" in command for command in exited), exited
