"""Hypothesis profiles, chosen by ``HYPOTHESIS_PROFILE`` (loaded by ``tests/conftest.py``).

- ``ci`` (the default, what ``make test`` and CI run): derandomized, so every run tries the same
  examples and a failure reproduces; no example database, so nothing a previous run left behind
  changes what runs.
- ``nightly``: random examples and :data:`NIGHTLY_FACTOR` times as many of them, with the example
  database (``.hypothesis/``) so a failure found once is tried first next time. For a long local
  or nightly run: ``HYPOTHESIS_PROFILE=nightly make test`` or ``HYPOTHESIS_PROFILE=nightly
  .venv/bin/pytest tests/snowflake/test_properties.py``.

Each test sets its own example count for the ``ci`` profile through :func:`examples`, which the
nightly profile multiplies.
"""

from __future__ import annotations

import os

from hypothesis import settings

CI, NIGHTLY = "ci", "nightly"
NIGHTLY_FACTOR = 20

settings.register_profile(CI, derandomize=True, database=None, print_blob=True)
settings.register_profile(NIGHTLY, derandomize=False, print_blob=True)

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", CI)
if PROFILE not in (CI, NIGHTLY):
    raise ValueError(f"HYPOTHESIS_PROFILE must be {CI} or {NIGHTLY}, not {PROFILE!r}")


def load() -> None:
    settings.load_profile(PROFILE)


def examples(ci: int) -> int:
    """The example count of a test: ``ci`` on the ci profile, more on the nightly one."""
    return ci * NIGHTLY_FACTOR if PROFILE == NIGHTLY else ci
