"""``flatten_index_by_position``: FLATTEN's INDEX is the element's position in the array.

fakesnow 0.12.1 turns ``LATERAL FLATTEN(INPUT => x)`` into its ``_fs_flatten(x)`` table macro
(one per database), which numbers array elements with ``row_number() OVER () - 1``. DuckDB
defines no order for that window, so INDEX varied between runs and with parallelism (a LINE_NUMBER
of ``INDEX + 1`` could name the wrong item). The runner replaces the macro, under the same name,
with ``sql/flatten_macro.sql``: INDEX from the list position, everything else as fakesnow has it.

The macro lives in each database (fakesnow creates it when it attaches or creates one), so
:func:`install` runs after fakesnow did: when the runner first connects to a database and after
a ``CREATE DATABASE``.
"""

from __future__ import annotations

from typing import Any

from local.warehouse import internal_sql

REWRITE_NAME = "flatten_index_by_position"


def install(duck: Any, database: str) -> None:
    """(Re)define ``database._fs_flatten`` with the positional INDEX."""
    duck.execute(internal_sql.render("flatten_macro", database=database))
