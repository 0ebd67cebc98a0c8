"""Failure injection for tests: make the n-th body statement of a procedure's next CALL raise.

The raised error is an ordinary statement error, so the procedure's own EXCEPTION handler runs
exactly as it would for a real failure (rollback, FAILED run-log row, RAISE).
"""

from __future__ import annotations

import threading

from snowflake.connector.errors import ProgrammingError


class InjectedFailure(ProgrammingError):  # noqa: N818 - reads as what it is in test output
    """Raised in place of a procedure statement by :meth:`FailurePlan.arm`."""


class FailurePlan:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: dict[str, int] = {}

    def arm(self, procedure: str, statement_number: int) -> None:
        if statement_number < 1:
            raise ValueError("statement numbers start at 1")
        with self._lock:
            self._armed[procedure.upper()] = statement_number

    def disarm(self, procedure: str) -> None:
        with self._lock:
            self._armed.pop(procedure.upper(), None)

    def take(self, procedure: str) -> int | None:
        """The statement to fail in this CALL, if armed; a plan applies to one CALL only."""
        with self._lock:
            return self._armed.pop(procedure.upper(), None)
