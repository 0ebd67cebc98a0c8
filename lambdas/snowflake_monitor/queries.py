"""Runs the monitor's read-only queries (``sql/``): one file per figure, rendered with the
validated SQL variables, window bounds bound as parameters (never formatted into the text)."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from lambdas.snowflake_migrations.scripts import SqlVariables, render

SQL_DIR = Path(__file__).parent / "sql"


class Connection(Protocol):
    def cursor(self) -> Any: ...


@cache
def query_text(name: str, variables: SqlVariables) -> str:
    return render((SQL_DIR / f"{name}.sql").read_text(encoding="utf-8"), variables)


def window_params(start: datetime, end: datetime) -> dict[str, str]:
    """Window bounds as ISO-8601 text with offset; the SQL casts them to TIMESTAMP_TZ."""
    return {"window_start": start.isoformat(), "window_end": end.isoformat()}


def rows(
    connection: Connection,
    name: str,
    variables: SqlVariables,
    params: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """``sql/<name>.sql`` as a list of dicts keyed by upper-case column name."""
    cursor = connection.cursor()
    try:
        text = query_text(name, variables)
        if params:
            cursor.execute(text, params)
        else:
            cursor.execute(text)
        columns = [str(column[0]).upper() for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    finally:
        cursor.close()
