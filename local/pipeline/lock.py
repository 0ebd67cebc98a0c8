"""An exclusive lock on a run's workdir, held by the run and by its producer process.

A killed run can leave its producer child alive for a moment (it exits when its stdin pipe from
the dead parent reaches end-of-file). The lock is an ``flock`` on ``<workdir>/run.lock`` whose
file descriptor the producer inherits, so the kernel releases it only once both are gone: a
restart waits here and never reads or appends to the ledger while an old writer still runs.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from local.pipeline.state import RunConflictError

LOCK_WAIT_S = 30.0


class WorkdirLock:
    def __init__(self, workdir: Path) -> None:
        self.path = workdir / "run.lock"
        self._fd: int | None = None

    @property
    def fd(self) -> int:
        """The locked descriptor (pass it to a child with ``pass_fds`` to share the lock)."""
        if self._fd is None:
            raise RuntimeError("the workdir lock is not held")
        return self._fd

    def acquire(self, wait_s: float = LOCK_WAIT_S) -> WorkdirLock:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() > deadline:
                    os.close(fd)
                    raise RunConflictError(
                        f"{self.path.parent} is in use by another run (or its producer)"
                    ) from None
                time.sleep(0.05)
                continue
            self._fd = fd
            return self

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
