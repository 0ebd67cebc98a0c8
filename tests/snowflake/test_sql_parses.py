"""Every script in snowflake/, and every ``$$`` body inside it, parses as Snowflake SQL.

sqlfluff sees a procedure or task body as a string literal, so the bodies are extracted and parsed
on their own. Rendered for both task configurations (warehouse and serverless) and without search
optimization (Standard Edition), since those Jinja branches produce different SQL.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlfluff
from sqlfluff.core import FluffConfig, Linter

from lambdas.snowflake_migrations.scripts import SqlVariables, discover, render
from tests.paths import SQL_DIR

REPO_ROOT = Path(__file__).resolve().parents[2]
SQLFLUFF_CONFIG = REPO_ROOT / ".sqlfluff"
DOLLAR_BODY = re.compile(r"\$\$(.*?)\$\$", re.DOTALL)

VARIABLE_SETS = {
    "warehouse_tasks": SqlVariables(task_warehouse="POS_WH"),
    "serverless_tasks": SqlVariables(task_warehouse=""),
    "standard_edition": SqlVariables(search_optimization="false"),
}
SCRIPT_PATHS = sorted(SQL_DIR.glob("*.sql"))


def _parse_config() -> FluffConfig:
    # Rendered SQL goes in, so no templating is needed for the parse check.
    return FluffConfig(overrides={"dialect": "snowflake", "templater": "raw"})


def _unparsable_sections(sql: str) -> list[str]:
    parsed = Linter(config=_parse_config()).parse_string(sql)
    problems = [str(error) for error in parsed.violations]
    if parsed.tree is None:
        return [*problems, "no parse tree"]
    problems += [
        f"line {segment.pos_marker.line_no if segment.pos_marker else '?'}: {segment.raw[:120]!r}"
        for segment in parsed.tree.recursive_crawl("unparsable")
    ]
    return problems


def test_scripts_exist() -> None:
    assert SCRIPT_PATHS, "snowflake/ holds no scripts"
    assert discover(SQL_DIR, SqlVariables())  # names follow V/R/A conventions, versions unique


@pytest.mark.parametrize("variables_name", sorted(VARIABLE_SETS))
@pytest.mark.parametrize("path", SCRIPT_PATHS, ids=lambda path: path.name)
def test_script_and_bodies_parse(path: Path, variables_name: str) -> None:
    rendered = render(path.read_text(encoding="utf-8"), VARIABLE_SETS[variables_name])
    assert _unparsable_sections(rendered) == []
    for body in DOLLAR_BODY.findall(rendered):
        assert _unparsable_sections(body) == [], f"$$ body in {path.name}"


def test_bodies_were_found() -> None:
    """The procedure bodies are really checked (a regex that finds nothing would pass)."""
    bodies = [
        body
        for path in SCRIPT_PATHS
        for body in DOLLAR_BODY.findall(render(path.read_text(encoding="utf-8"), SqlVariables()))
    ]
    assert len(bodies) == 8  # POS, inventory, Gold, and the other kinds' four plus unclassified
    assert all("BEGIN TRANSACTION" in body and "ROLLBACK" in body for body in bodies)


def test_lint_clean_with_project_config() -> None:
    """sqlfluff lint with /work/main/.sqlfluff (jinja templater, its variables) reports nothing."""
    config = FluffConfig.from_path(str(REPO_ROOT))
    problems = []
    for path in SCRIPT_PATHS:
        for violation in sqlfluff.lint(path.read_text(encoding="utf-8"), config=config):
            line, code = violation["start_line_no"], violation["code"]
            problems.append(f"{path.name}:{line} {code} {violation['description']}")
    assert problems == []
