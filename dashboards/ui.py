"""Small presentation helpers the pages share: filter choices, number formats, freshness note."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from dashboards.settings import REFRESH_SECONDS

ALL = "All"


def choices(values: Iterable[object]) -> list[str]:
    """``ALL`` followed by the distinct non-null values, sorted: the options of a filter."""
    return [ALL, *sorted({str(value) for value in values if not pd.isna(value)})]


def chosen(choice: str | None) -> str | None:
    """The filter value to bind: ``None`` (the SQL means "no filter") for ``ALL``."""
    return None if choice in (None, ALL) else choice


def money(amount: object, currency: str) -> str:
    return f"{float(amount or 0):,.2f} {currency}"  # type: ignore[arg-type]


def count(value: object) -> str:
    return f"{int(value or 0):,}"  # type: ignore[call-overload]


def percent(share: object) -> str:
    """A share (0..1) as a percentage with one decimal; a dash when there is none."""
    if share is None or pd.isna(share):
        return "-"
    return f"{float(share) * 100:.1f} %"  # type: ignore[arg-type]


def freshness_note() -> None:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    st.caption(f"Read at {now}; refreshes every {REFRESH_SECONDS} s.")
