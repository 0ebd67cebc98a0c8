"""The one way pages read the warehouse: a named ``.sql`` file, bound parameters, cached by TTL.

Query text comes only from ``dashboards/queries/<name>.sql``; user choices travel as qmark
parameters (``?``), which ``st.connection("snowflake")`` always uses. Results are cached for
``REFRESH_SECONDS``, the same interval the pages' fragments rerun on.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboards.settings import REFRESH_SECONDS

QUERIES_DIR = Path(__file__).parent / "queries"
CONNECTION_NAME = "snowflake"

_QUERY_NAME = re.compile(r"[a-z][a-z0-9_]*")

Param = str | int | float | Decimal | date | datetime | bool | None


@cache
def query_text(name: str) -> str:
    """The text of ``queries/<name>.sql``; names are plain identifiers, never paths."""
    if not _QUERY_NAME.fullmatch(name):
        raise ValueError(f"invalid query name {name!r}")
    return (QUERIES_DIR / f"{name}.sql").read_text(encoding="utf-8").strip().rstrip(";")


def fetch(name: str, params: Sequence[Param] = ()) -> pd.DataFrame:
    """Run ``queries/<name>.sql`` with ``params`` bound to its ``?`` placeholders, in order."""
    connection = st.connection(CONNECTION_NAME)
    frame = connection.query(
        query_text(name),
        params=list(params) if params else None,
        ttl=REFRESH_SECONDS,
        show_spinner=False,
    )
    # Snowflake returns unquoted aliases upper-cased; normalise so pages never depend on it.
    frame.columns = [str(column).upper() for column in frame.columns]
    return frame
