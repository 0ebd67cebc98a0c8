"""Runs the reconciliation's read-only queries (``sql/``) and returns rows as dicts."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Protocol

from lambdas.snowflake_migrations.scripts import SqlVariables, render

SQL_DIR = Path(__file__).parent / "sql"


class Connection(Protocol):
    def cursor(self) -> Any: ...


@cache
def _text(name: str, variables: SqlVariables) -> str:
    return render((SQL_DIR / f"{name}.sql").read_text(encoding="utf-8"), variables)


def query(connection: Connection, name: str, variables: SqlVariables) -> list[dict[str, Any]]:
    cursor = connection.cursor()
    cursor.execute(_text(name, variables))
    columns = [column[0].upper() for column in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def one(connection: Connection, name: str, variables: SqlVariables) -> dict[str, Any]:
    rows = query(connection, name, variables)
    return rows[0] if rows else {}
