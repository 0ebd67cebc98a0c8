"""Packaged resources are found next to the packages, and a missing one names the path."""

from __future__ import annotations

from pathlib import Path

import pytest

from lambdas.snowflake_migrations.scripts import NoScriptsError, SqlVariables, discover
from local import resources

REPO = Path(__file__).resolve().parents[2]


def test_resources_resolve_inside_the_repository_whatever_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert resources.snowflake_scripts() == REPO / "snowflake"
    assert resources.dashboards_app() == REPO / "dashboards" / "app.py"
    assert resources.dashboards_queries() == REPO / "dashboards" / "queries"


def test_a_missing_resource_is_an_error_naming_the_path_looked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(resources, "PACKAGED_SCRIPTS_DIR", tmp_path / "snowflake")
    with pytest.raises(resources.MissingResourceError, match=str(tmp_path / "snowflake")):
        resources.snowflake_scripts()
    (tmp_path / "snowflake").mkdir()
    with pytest.raises(resources.MissingResourceError, match=r"snowflake/\*\.sql"):
        resources.snowflake_scripts()
    monkeypatch.setattr(resources, "DASHBOARDS_DIR", tmp_path)
    with pytest.raises(resources.MissingResourceError, match=str(tmp_path / "app.py")):
        resources.dashboards_app()


def test_migrations_refuse_a_scripts_folder_that_is_missing_or_empty(tmp_path: Path) -> None:
    with pytest.raises(NoScriptsError, match=f"{tmp_path / 'nowhere'} does not exist"):
        discover(tmp_path / "nowhere", SqlVariables())
    with pytest.raises(NoScriptsError, match=r"holds no \.sql scripts"):
        discover(tmp_path, SqlVariables())
