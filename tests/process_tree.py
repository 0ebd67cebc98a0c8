"""Which processes a launcher started, and whether any of them is still alive (Linux ``/proc``).

Tests that start servers record the launcher's descendants while it runs, stop it, wait for it,
and then check each recorded process by pid *and* start time (so a recycled pid never passes for
a survivor). A launcher that waits for its children before exiting leaves none: the check needs
no sleep. ``run_as_subreaper`` covers a launcher killed outright (SIGKILL), whose children can
only stop by themselves: it runs the scenario in a helper process that adopts the orphans
(``PR_SET_CHILD_SUBREAPER``, prctl(2)) and waits for each of them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from local.processes import child_pids


@dataclass(frozen=True)
class Process:
    pid: int
    start_ticks: int  # field 22 of /proc/<pid>/stat: unique with the pid
    command: str


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may hold spaces and parentheses: the fields follow the last ')'.
    return text.rsplit(")", 1)[1].split()


def process(pid: int) -> Process | None:
    fields = _stat(pid)
    if fields is None:
        return None
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        command = ""
    return Process(pid, int(fields[19]), command.strip())


def descendants(pid: int) -> list[Process]:
    found, stack = [], child_pids(pid)
    while stack:
        child = stack.pop()
        snapshot = process(child)
        if snapshot is not None:
            found.append(snapshot)
            stack.extend(child_pids(child))
    return found


def alive(recorded: Process) -> bool:
    """Still running (a zombie, exited but not reaped, counts as gone)."""
    fields = _stat(recorded.pid)
    return fields is not None and int(fields[19]) == recorded.start_ticks and fields[0] != "Z"


def wait_for(
    condition: Callable[[], bool], timeout_s: float, what: str, poll_s: float = 0.1
) -> None:
    """Wait until ``condition()`` holds; the timeout only bounds a failure."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(poll_s)


def wait_for_descendants(
    launcher: subprocess.Popen[bytes], markers: Sequence[str], timeout_s: float = 120
) -> list[Process]:
    """The launcher's descendants once one per marker (a command-line fragment) is running."""

    def started() -> bool:
        if launcher.poll() is not None:
            raise RuntimeError(f"the launcher exited with {launcher.returncode}")
        commands = [each.command for each in descendants(launcher.pid)]
        return all(any(marker in command for command in commands) for marker in markers)

    wait_for(started, timeout_s, f"processes {list(markers)}")
    return descendants(launcher.pid)


SUBREAPER_SCENARIO = """
import ctypes, json, os, signal, subprocess, sys, time
sys.path.insert(0, sys.argv[1])
from tests.process_tree import alive, descendants
PR_SET_CHILD_SUBREAPER = 36
assert ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
command, markers, cwd = json.loads(sys.argv[2]), json.loads(sys.argv[3]), sys.argv[4]
launcher = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
deadline = time.monotonic() + 120
while True:
    assert launcher.poll() is None, f"the launcher exited with {launcher.returncode}"
    started = descendants(launcher.pid)
    if all(any(m in p.command for p in started) for m in markers):
        break
    assert time.monotonic() < deadline, "the launcher's processes did not start"
    time.sleep(0.1)
os.kill(launcher.pid, signal.SIGKILL)
launcher.wait()
exited = {}
for orphan in started:
    try:
        # Adopted by this process: it can be waited for. Blocks until the orphan exits by itself.
        _, status = os.waitpid(orphan.pid, 0)
        exited[orphan.command] = os.waitstatus_to_exitcode(status)
    except ChildProcessError:  # a grandchild whose own parent still runs: watch it instead
        while alive(orphan):
            time.sleep(0.1)
        exited[orphan.command] = 0
print(json.dumps(exited))
"""


def run_as_subreaper(
    command: Sequence[str], markers: Sequence[str], cwd: Path, timeout_s: float = 240
) -> dict[str, int]:
    """SIGKILL ``command`` once its processes run, and return how each orphan exited (by command
    line: a negative code is the signal that stopped it). Times out if an orphan lives on."""
    repo = Path(__file__).resolve().parents[1]
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            SUBREAPER_SCENARIO,
            str(repo),
            json.dumps(list(command)),
            json.dumps(list(markers)),
            str(cwd),
        ],
        capture_output=True,
        timeout=timeout_s,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr.decode()[-3000:]
    result: dict[str, int] = json.loads(completed.stdout.decode().splitlines()[-1])
    return result
