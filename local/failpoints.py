"""Named fail points for deterministic crash tests; inert unless ``POS_FAILPOINT`` is set.

``POS_FAILPOINT=<name>@<n>``, read once when this module is first imported, makes the process
that reaches the point ``<name>`` for the ``n``-th time write ``failpoint <name>@<n> reached`` to
stderr and SIGKILL itself there and then, as a power cut or the kernel's OOM killer would: no
cleanup, no flush, no ``finally``. Unset (always, outside tests), :func:`reached` returns at once.

Points (``tests/local_pipeline/test_crash_restart.py`` kills a run at each one):

- ``firehose.bronze_loaded``: a batch is committed to Bronze, its checkpoint not yet saved;
- ``firehose.checkpointed``: a batch's checkpoint is saved;
- ``produce.ledger_recorded``: a chunk of records is fsynced to the ledger, not yet put;
- ``procedure.<DB.SCHEMA.NAME>.after_statement_<k>``: statement ``k`` of a procedure's body
  (1-based, main block) has run, inside the procedure's open transaction.
- ``redrive.firehose.batch_recorded``: ``pos redrive firehose-errors`` has sent a batch and
  fsynced it to its manifest (``tests/local_pipeline/test_firehose_redrive.py``).

The producer runs in a child process; there a fail point kills the run (its parent) first, so
the whole run dies at that point, as it would if the machine did.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading

ENV_VAR = "POS_FAILPOINT"


def _parse(value: str | None) -> tuple[str, int] | None:
    if not value:
        return None
    name, _, count = value.rpartition("@")
    if not name or not count.isdigit() or int(count) < 1:
        raise ValueError(f"{ENV_VAR} must be <name>@<n> with n >= 1, not {value!r}")
    return name, int(count)


ARMED = _parse(os.environ.get(ENV_VAR))
_lock = threading.Lock()
_hits = 0
_also_kill: list[int] = []


def also_kill(pid: int) -> None:
    """Kill ``pid`` too when a fail point fires in this process (the producer's parent run)."""
    _also_kill.append(pid)


def reached(name: str) -> None:
    """Count a pass through ``name``; SIGKILL this process on the armed pass."""
    global _hits
    if ARMED is None or name != ARMED[0]:
        return
    with _lock:
        _hits += 1
        if _hits != ARMED[1]:
            return
    os.write(2, f"failpoint {name}@{ARMED[1]} reached\n".encode())
    for pid in _also_kill:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    os.kill(os.getpid(), signal.SIGKILL)
