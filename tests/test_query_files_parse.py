"""Every Snowflake query file outside snowflake/ parses as Snowflake SQL, placeholders included.

The dashboards bind ``?`` (Streamlit forces qmark), the migrations core binds ``%(name)s``
(the connector's default pyformat) and several folders are Jinja templates over ``SqlVariables``.
sqlfluff cannot parse a bind marker as SQL, so each file is rendered, its markers are replaced by
sqlfluff's placeholder templater with a sample literal, and the result must parse with no
unparsable section. (snowflake/ has its own check with the ``$$`` bodies; local/warehouse/sql is
the runner's DuckDB dialect and is not Snowflake SQL.)
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlfluff.core import FluffConfig, Linter

from lambdas.snowflake_migrations.scripts import SqlVariables, render

REPO_ROOT = Path(__file__).resolve().parents[1]
QUERY_FOLDERS = {
    "dashboards/queries": "question_mark",
    "lambdas/snowflake_migrations/sql": "pyformat",
    "lambdas/snowflake_monitor/sql": "pyformat",
    "lambdas/pipeline_verify/sql": "pyformat",
    "local/reconcile/sql": "pyformat",
    "pos/sql": "pyformat",
}
# Operational templates that take one more identifier than SqlVariables, with a sample value.
EXTRA_IDENTIFIERS = {"task_suspend.sql": {"task": "POS_DB.SILVER.PROCESS_RAW_POS_TASK"}}
QUERY_FILES = [
    (path, style)
    for folder, style in QUERY_FOLDERS.items()
    for path in sorted((REPO_ROOT / folder).glob("*.sql"))
]


def _config(param_style: str) -> FluffConfig:
    return FluffConfig(
        configs={
            "core": {"dialect": "snowflake", "templater": "placeholder"},
            # Any literal will do: the check is about grammar, not values.
            "templater": {"placeholder": {"param_style": param_style}},
        }
    )


def _unparsable(sql: str, param_style: str) -> list[str]:
    parsed = Linter(config=_config(param_style)).parse_string(sql)
    problems = [str(violation) for violation in parsed.violations]
    if parsed.tree is None:
        return [*problems, "no parse tree"]
    return problems + [
        repr(segment.raw[:120]) for segment in parsed.tree.recursive_crawl("unparsable")
    ]


def test_every_folder_has_queries() -> None:
    for folder in QUERY_FOLDERS:
        assert list((REPO_ROOT / folder).glob("*.sql")), f"{folder} holds no .sql files"


@pytest.mark.parametrize(
    ("path", "param_style"),
    QUERY_FILES,
    ids=[str(p.relative_to(REPO_ROOT)) for p, _ in QUERY_FILES],
)
def test_query_file_parses(path: Path, param_style: str) -> None:
    sql = render(path.read_text(encoding="utf-8"), SqlVariables(), EXTRA_IDENTIFIERS.get(path.name))
    assert _unparsable(sql, param_style) == []


def test_a_broken_query_is_caught() -> None:
    """The check can fail: a misspelt keyword next to a bind marker is reported."""
    assert _unparsable("SELECT a FROM t WHERE a = ? ORDR BY a", "question_mark") != []
