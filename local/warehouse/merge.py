"""MERGE through DuckDB's native ``MERGE INTO`` instead of fakesnow's emulation.

fakesnow splits a MERGE into several statements with a temporary table in its global database,
which cannot run inside a transaction (and its COMMIT then silently discards the work). DuckDB
has MERGE INTO itself; after fakesnow's other transforms the statement needs two named rewrites:

- ``merge_update_set_unqualified``: DuckDB rejects ``UPDATE SET tgt.col = ...`` (qualified
  target columns); Snowflake allows it. The qualifier can only name the target, so drop it.
- ``merge_returning_action``: add ``RETURNING merge_action`` so the runner can report Snowflake's
  per-operation counts ("number of rows inserted", ...).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from fakesnow.transforms.merge import operations
from sqlglot import exp

# DuckDB's merge_action values, by the operation name Snowflake puts in its result columns.
_ACTIONS = {"inserted": "INSERT", "updated": "UPDATE", "deleted": "DELETE"}


def merge_update_set_unqualified(merge: exp.Merge) -> exp.Merge:
    for when in merge.args["whens"].expressions:
        then = when.args.get("then")
        if isinstance(then, exp.Update):
            for assignment in then.expressions:
                target = assignment.this
                if isinstance(target, exp.Column) and target.table:
                    target.set("table", None)
    return merge


def merge_returning_action(merge: exp.Merge) -> exp.Merge:
    merge.set("returning", exp.Returning(expressions=[exp.column("merge_action")]))
    return merge


def operation_names(merge: exp.Merge) -> tuple[str, ...]:
    """The kinds of WHEN clause the statement has ("inserted", "updated", "deleted"), in
    Snowflake's result column order."""
    return tuple(operation for operation, clauses in operations(merge).items() if clauses)


def counts(operation_names: Iterable[str], actions: Iterable[str]) -> list[tuple[str, int]]:
    """Snowflake's MERGE result from DuckDB's merge_action of each row: one count column per
    kind of WHEN clause the statement has."""
    counted = Counter(actions)
    return [(f"number of rows {name}", counted[_ACTIONS[name]]) for name in operation_names]


def result_columns(merge: exp.Merge, actions: Iterable[str]) -> list[tuple[str, int]]:
    """Snowflake's MERGE result: one count column per kind of WHEN clause the statement has."""
    return counts(operation_names(merge), actions)
