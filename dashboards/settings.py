"""Refresh cadence and fixed windows shared by every page.

``REFRESH_SECONDS`` drives both ``st.fragment(run_every=...)`` and the query cache TTL, so each
automatic rerun fetches fresh rows instead of replaying a cached result.
"""

from __future__ import annotations

import os

REFRESH_ENV_VAR = "POS_DASHBOARD_REFRESH_SECONDS"
DEFAULT_REFRESH_SECONDS = 30


def _refresh_seconds() -> int:
    raw = os.environ.get(REFRESH_ENV_VAR, str(DEFAULT_REFRESH_SECONDS))
    try:
        seconds = int(raw)
    except ValueError:
        raise ValueError(
            f"{REFRESH_ENV_VAR} must be a whole number of seconds, got {raw!r}"
        ) from None
    if not 5 <= seconds <= 3600:
        raise ValueError(f"{REFRESH_ENV_VAR} must be between 5 and 3600 seconds, got {seconds}")
    return seconds


REFRESH_SECONDS = _refresh_seconds()

# Daily sales: how many days the default date range covers, ending at the latest business date.
DEFAULT_SALES_DAYS = 30
TOP_PRODUCTS = 10
# Inventory: days of sales that define the daily run rate behind "days of cover".
RUN_RATE_DAYS = 7
# Online funnel: products shown, most viewed first.
FUNNEL_PRODUCTS = 15
# Store operations: the store-local hours looked back over.
OPERATIONS_LOOKBACK_HOURS = 24
# Pipeline health.
RECENT_RUNS = 50
HEALTH_LOOKBACK_HOURS = 24
REJECT_SAMPLE_ROWS = 20
