"""The admin bootstrap is one file: docs/deploy.md prints it, the CLI renders it with other names,
sqlfluff parses it in both task configurations, and its names are validated."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlfluff.core import FluffConfig, Linter
from typer.testing import CliRunner

from lambdas.snowflake_migrations.bootstrap import AccountNames, render_bootstrap
from lambdas.snowflake_migrations.scripts import SqlVariables
from pos.app import app as pos_app
from tests.paths import SQL_DIR

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCS_BLOCK = re.compile(
    r"<!-- bootstrap:begin[^>]*-->\n```sql\n(?P<sql>.*?)\n```\n<!-- bootstrap:end -->", re.DOTALL
)


def test_deploy_docs_print_the_bootstrap_file_rendered_with_the_defaults() -> None:
    match = DOCS_BLOCK.search((REPO_ROOT / "docs" / "deploy.md").read_text(encoding="utf-8"))
    assert match is not None, "docs/deploy.md lost its bootstrap block"
    assert match["sql"] == render_bootstrap(SQL_DIR, SqlVariables()).strip()


@pytest.mark.parametrize("task_warehouse", ["POS_WH", "POS_TASK_WH", ""])
def test_the_bootstrap_parses_as_snowflake_sql(task_warehouse: str) -> None:
    sql = render_bootstrap(SQL_DIR, SqlVariables(task_warehouse=task_warehouse))
    parsed = Linter(
        config=FluffConfig(overrides={"dialect": "snowflake", "templater": "raw"})
    ).parse_string(sql)
    assert parsed.tree is not None
    assert [str(v) for v in parsed.violations] == []
    assert list(parsed.tree.recursive_crawl("unparsable")) == []


def test_a_separate_task_warehouse_is_created_owned_and_monitored() -> None:
    sql = render_bootstrap(SQL_DIR, SqlVariables(task_warehouse="POS_TASK_WH"))
    assert "CREATE WAREHOUSE IF NOT EXISTS POS_TASK_WH" in sql
    assert "GRANT OWNERSHIP ON WAREHOUSE POS_TASK_WH TO ROLE POS_DEPLOY" in sql
    assert "ALTER WAREHOUSE POS_TASK_WH SET RESOURCE_MONITOR = POS_PIPELINE_MONITOR" in sql
    assert "POS_TASK_WH" not in render_bootstrap(SQL_DIR, SqlVariables(task_warehouse=""))


def test_the_cli_prints_it_with_other_names() -> None:
    result = CliRunner().invoke(
        pos_app,
        ["migrate", "bootstrap-sql", "--database", "SALES", "--var", "deploy_role=SALES_DEPLOY"],
    )
    assert result.exit_code == 0, result.output
    printed = result.stdout
    assert (
        "GRANT OWNERSHIP ON SCHEMA SALES.GOLD TO ROLE SALES_DEPLOY COPY CURRENT GRANTS" in printed
    )
    assert "POS_DB" not in printed


@pytest.mark.parametrize(
    "names",
    [
        {"deploy_role": "POS DEPLOY"},
        {"dashboard_warehouse": "x;DROP"},
        {"pipeline_daily_credits": 0},
    ],
)
def test_names_are_validated(names: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        AccountNames(**names)  # type: ignore[arg-type]


def test_the_bootstrap_is_lint_clean_with_the_project_config() -> None:
    """As `sqlfluff lint snowflake/` checks it (the .sqlfluff context has the bootstrap's names)."""
    import sqlfluff

    config = FluffConfig.from_path(str(REPO_ROOT))
    text = (SQL_DIR / "admin" / "bootstrap.sql").read_text(encoding="utf-8")
    problems = [
        f"{v['start_line_no']} {v['code']} {v['description']}"
        for v in sqlfluff.lint(text, config=config)
    ]
    assert problems == []
