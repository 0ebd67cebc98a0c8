"""Child processes that stop with the launcher that started them.

Three pieces, used by every launcher (``pos local run``'s moto server and producer, ``pos local
dashboards``' Streamlit):

- ``stop_on_signals``: in a launcher, SIGTERM (what a supervisor, systemd, a container runtime or
  CI sends) raises ``KeyboardInterrupt`` in the main thread, exactly as Ctrl-C (SIGINT) does, so
  one ``except KeyboardInterrupt`` / ``finally`` path stops what the launcher started.
- ``die_with_parent``: in a child, asks Linux to send it SIGTERM when its parent dies, even by
  SIGKILL (``prctl(PR_SET_PDEATHSIG)``, see prctl(2)). Per prctl(2) the "parent" is the *thread*
  that created the child, so a child must be started by a thread that outlives it. The signal is
  not sent if the parent died before the call, so the child then checks that its parent is still
  the one that started it (``POS_PARENT_PID``). Elsewhere than Linux it does nothing; the pipe
  based exits (a child stops when its stdin pipe from the parent closes) still apply there.
- ``guarded``: a command line that runs a program that is not ours (Streamlit) through this
  module, which calls ``die_with_parent`` and then ``exec``s the program (the setting survives
  ``execve`` for ordinary binaries, per prctl(2)), so the launcher's handle is the program itself.

``stop_child`` terminates a child, waits for it, and kills it if it does not exit in time;
``stop_all_children`` does the same for every child this process still has (Linux), whatever
thread started it and whether or not its handle was kept yet.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import FrameType

PARENT_PID_ENV = "POS_PARENT_PID"
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
STOP_TIMEOUT_S = 20.0


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a child of this process: ours, plus who its parent is."""
    return {**os.environ, **(extra or {}), PARENT_PID_ENV: str(os.getpid())}


def die_with_parent(sig: int = signal.SIGTERM) -> bool:
    """Have the kernel send ``sig`` to this process when its parent dies (Linux); exits at once
    if the parent is already gone. Returns whether the platform supports it."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
        return False
    expected = os.environ.get(PARENT_PID_ENV)
    if expected is not None and expected.isdigit() and os.getppid() != int(expected):
        os._exit(1)  # the parent died before the request took effect
    return True


class Interrupted:
    """The signal handler: the first SIGTERM/SIGINT becomes KeyboardInterrupt, remembered."""

    def __init__(self) -> None:
        self.signal: int | None = None
        self._shielded = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        if self.signal is None:
            self.signal = signum
            if not self._shielded:
                raise KeyboardInterrupt(signal.Signals(signum).name)

    def shield(self) -> None:
        """From now on signals are only remembered: the clean-up in progress must finish."""
        self._shielded = True


def stop_on_signals() -> Interrupted:
    """SIGTERM and SIGINT raise ``KeyboardInterrupt`` in the main thread (once; a second signal
    during the clean-up is ignored so the clean-up finishes). Returns what was received, for the
    exit code (``exit_code``)."""
    interrupted = Interrupted()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, interrupted)
    return interrupted


def exit_code(interrupted: Interrupted, default: int = 130) -> int:
    """128 + the signal number, as a shell reports a process stopped by that signal."""
    return 128 + interrupted.signal if interrupted.signal is not None else default


def stop_child(process: subprocess.Popen[bytes], timeout_s: float = STOP_TIMEOUT_S) -> int:
    """SIGTERM, wait up to ``timeout_s``, then SIGKILL; returns the exit status (reaped)."""
    if process.poll() is None:
        process.terminate()
        try:
            return process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
    return process.wait()


def child_pids(pid: int | None = None) -> list[int]:
    """The children of ``pid`` (default: this process), from every thread's
    ``/proc/<pid>/task/<tid>/children``. Linux only; elsewhere an empty list."""
    pids: list[int] = []
    for task in Path(f"/proc/{'self' if pid is None else pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            pids += [int(child) for child in (task / "children").read_text().split()]
    return pids


def stop_all_children(timeout_s: float = STOP_TIMEOUT_S) -> None:
    """SIGTERM every child of this process, reap each, SIGKILL what outlives ``timeout_s``.

    For an interrupted launcher whose threads may be between starting a child and keeping its
    handle. Linux only (``/proc/<pid>/task/<tid>/children``); elsewhere a no-op."""
    pids = child_pids()
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    for pid in pids:
        while True:
            try:
                reaped, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                break  # already reaped, by its Popen in another thread
            if reaped:
                break
            if time.monotonic() > deadline:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, 0)
                break
            time.sleep(0.05)


def guarded(command: Sequence[str]) -> list[str]:
    """``command`` run through this module, so it dies with this process (see the docstring)."""
    return [sys.executable, "-m", "local.processes", "--", *command]


def _exec_guarded(argv: Sequence[str]) -> None:
    if len(argv) < 2 or argv[0] != "--":
        raise SystemExit("usage: python -m local.processes -- PROGRAM [ARGS...]")
    die_with_parent()
    os.execvp(argv[1], list(argv[1:]))  # noqa: S606 - the launcher's own command line


if __name__ == "__main__":
    _exec_guarded(sys.argv[1:])
