"""The runner's own SQL (DuckDB dialect, in ``sql/``), rendered with validated identifiers only.

These statements maintain the registry that emulates Snowflake objects fakesnow lacks; they run
directly on the DuckDB cursor of the connection whose transaction they belong to. Values are
always bound (``?``); only identifiers are rendered, and each is validated first.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jinja2

from lambdas.snowflake_migrations.scripts import split, validate_identifier

SQL_DIR = Path(__file__).parent / "sql"

_JINJA = jinja2.Environment(
    undefined=jinja2.StrictUndefined,
    autoescape=False,  # noqa: S701 - renders SQL, not HTML; inputs are validated identifiers
    keep_trailing_newline=True,
)


@cache
def _template(name: str) -> jinja2.Template:
    return _JINJA.from_string((SQL_DIR / f"{name}.sql").read_text(encoding="utf-8"))


def qualified(name: str) -> str:
    """Validate a ``DB.SCHEMA.OBJECT`` name part by part and return it."""
    parts = name.split(".")
    if len(parts) != 3:
        raise ValueError(f"{name!r} is not a fully qualified DB.SCHEMA.OBJECT name")
    for part in parts:
        validate_identifier("object name", part)
    return name


def render(
    name: str, *, database: str | None = None, staging: str | None = None, **tables: str
) -> str:
    """Render ``sql/<name>.sql``; ``database`` and ``staging`` are plain identifiers, the other
    names fully qualified tables."""
    identifiers: dict[str, str] = {key: qualified(value) for key, value in tables.items()}
    if database is not None:
        identifiers["database"] = validate_identifier("database", database)
    if staging is not None:
        identifiers["staging"] = validate_identifier("staging", staging)
    return _template(name).render(**identifiers)


def statements(name: str, *, database: str) -> list[str]:
    return split(render(name, database=database))
