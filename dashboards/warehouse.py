"""The one way pages read the warehouse: a named ``.sql`` file, bound parameters, cached by TTL.

Query text comes only from ``dashboards/queries/<name>.sql``; user choices travel as qmark
parameters (``?``), which ``st.connection("snowflake")`` always uses. Results are cached for
``REFRESH_SECONDS``, the same interval the pages' fragments rerun on.

When there is no warehouse to read (no connection configured, a warehouse that does not answer or
refuses the login, or one without the pipeline's tables), the page says what is missing and the
two ways to fix it, and stops: never a traceback. Every page calls ``require_warehouse`` first, so
the explanation is the page's main content; a warehouse lost later is explained where the next
query was.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, NoReturn

import pandas as pd
import snowflake.connector
import streamlit as st
from streamlit.errors import StreamlitAPIException

from dashboards.settings import REFRESH_SECONDS

QUERIES_DIR = Path(__file__).parent / "queries"
CONNECTION_NAME = "snowflake"
# Snowflake's "Object does not exist or not authorized" (SQL compilation error 002003).
OBJECT_DOES_NOT_EXIST = 2003

_QUERY_NAME = re.compile(r"[a-z][a-z0-9_]*")

Param = str | int | float | Decimal | date | datetime | bool | None

FIXES = """**Two ways to fix it:**

1. **Local demo**: run `make demo` in the repository. It runs the whole pipeline on this machine
   and starts these dashboards on its warehouse (after a `pos local run`, `pos local dashboards`
   does the second half).
2. **Your Snowflake account**: copy `.streamlit/secrets.toml.example` to
   `.streamlit/secrets.toml`, fill in `[connections.snowflake]` (account, user, key file, the
   dashboard role, warehouse, database) and restart the dashboards. See `docs/dashboards.md`."""


@cache
def query_text(name: str) -> str:
    """The text of ``queries/<name>.sql``; names are plain identifiers, never paths."""
    if not _QUERY_NAME.fullmatch(name):
        raise ValueError(f"invalid query name {name!r}")
    return (QUERIES_DIR / f"{name}.sql").read_text(encoding="utf-8").strip().rstrip(";")


def explain_unavailable(what: str) -> NoReturn:
    """Show why there is no data and how to get some, then stop this run of the page."""
    st.error(f"**The dashboards cannot read a warehouse.** {what}", icon=":material/link_off:")
    st.markdown(FIXES)
    st.stop()


def _configured_target() -> str:
    """Where the secrets point (host or account only: never a credential)."""
    try:
        settings = st.secrets["connections"][CONNECTION_NAME]
    except (KeyError, FileNotFoundError, StreamlitAPIException):
        return "the configured warehouse"
    if "host" in settings:
        return f"`{settings['host']}:{settings.get('port', 443)}`"
    return f"account `{settings.get('account', '?')}`"


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _connection() -> Any:
    try:
        return st.connection(CONNECTION_NAME)
    except StreamlitAPIException as error:
        if "Missing Snowflake connection configuration" not in str(error):
            raise
        explain_unavailable(
            "No Snowflake connection is configured: there is no `[connections.snowflake]` in"
            " `.streamlit/secrets.toml` (nor a default connection in"
            " `~/.snowflake/connections.toml`)."
        )
    except snowflake.connector.errors.Error as error:
        explain_unavailable(
            f"The warehouse at {_configured_target()} could not be reached or refused the"
            f" login: {_first_line(error)}"
        )


def require_warehouse() -> None:
    """Connect now, so a page without a warehouse explains itself before drawing anything."""
    _connection()


def fetch(name: str, params: Sequence[Param] = ()) -> pd.DataFrame:
    """Run ``queries/<name>.sql`` with ``params`` bound to its ``?`` placeholders, in order."""
    connection = _connection()
    try:
        frame = connection.query(
            query_text(name),
            params=list(params) if params else None,
            ttl=REFRESH_SECONDS,
            show_spinner=False,
        )
    except snowflake.connector.errors.ProgrammingError as error:
        if error.errno != OBJECT_DOES_NOT_EXIST:
            raise
        explain_unavailable(
            f"The warehouse at {_configured_target()} answered, but not with the pipeline's"
            f" tables: {_first_line(error)}. Apply the migrations (`make demo` does it locally;"
            " `pos migrate apply` on an account) and grant the dashboard role."
        )
    except (
        snowflake.connector.errors.OperationalError,
        snowflake.connector.errors.InterfaceError,
    ) as error:
        explain_unavailable(
            f"The warehouse at {_configured_target()} stopped answering: {_first_line(error)}"
        )
    # Snowflake returns unquoted aliases upper-cased; normalise so pages never depend on it.
    frame.columns = [str(column).upper() for column in frame.columns]
    return frame
