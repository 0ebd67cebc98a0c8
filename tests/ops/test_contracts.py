"""The monitor's names and SQL agree with the Snowflake scripts they read."""

from __future__ import annotations

import re

import pytest
import sqlglot
from sqlfluff.core import FluffConfig, Linter

from lambdas.snowflake_migrations.scripts import SqlVariables, render
from lambdas.snowflake_monitor.hops import AUXILIARY_TASKS, HOPS
from lambdas.snowflake_monitor.queries import SQL_DIR
from stacks.requirements import REPO_ROOT

TASK = re.compile(r"CREATE OR REPLACE TASK \{\{ database \}\}\.(\S+)")
WHEN = re.compile(r"SYSTEM\$STREAM_HAS_DATA\('\{\{ database \}\}\.([^']+)'\)")
CALL = re.compile(r"CALL \{\{ database \}\}\.([A-Z_.]+)\(")
BIND = re.compile(r"%\((\w+)\)s")
SAMPLE_TIME = "'2026-11-30T12:00:00+00:00'"


def _task_scripts() -> dict[str, tuple[str, str]]:
    found = {}
    for path in sorted((REPO_ROOT / "snowflake").glob("R__task_*.sql")):
        text = path.read_text(encoding="utf-8")
        task, stream, procedure = TASK.search(text), WHEN.search(text), CALL.search(text)
        assert task and stream and procedure, path.name
        found[task[1]] = (stream[1], procedure[1])
    return found


def test_every_task_is_a_monitored_hop_with_its_stream_and_procedure() -> None:
    scripts = _task_scripts()
    hops = {hop.task: (hop.stream, hop.procedure) for hop in HOPS}
    assert not set(hops) & set(AUXILIARY_TASKS)
    assert hops | AUXILIARY_TASKS == scripts


@pytest.mark.parametrize("path", sorted(SQL_DIR.glob("*.sql")), ids=lambda p: p.name)
def test_monitor_sql_parses_as_snowflake(path: object) -> None:
    text = render(path.read_text(encoding="utf-8"), SqlVariables())  # type: ignore[attr-defined]
    bound = BIND.sub(SAMPLE_TIME, text)
    parsed = Linter(
        config=FluffConfig(overrides={"dialect": "snowflake", "templater": "raw"})
    ).parse_string(bound)
    assert parsed.tree is not None
    assert not parsed.violations, [str(v) for v in parsed.violations]


def _output_columns(name: str) -> list[str]:
    text = BIND.sub(SAMPLE_TIME, render((SQL_DIR / name).read_text(), SqlVariables()))
    select = sqlglot.parse_one(text, read="snowflake")
    return [column.alias_or_name.upper() for column in select.selects]


def test_every_backlog_query_has_the_same_shape() -> None:
    shapes = {hop.backlog_query: _output_columns(f"{hop.backlog_query}.sql") for hop in HOPS}
    assert set(map(tuple, shapes.values())) == {("ROWS_WAITING", "OLDEST_WAITING_AT")}
