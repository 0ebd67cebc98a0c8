"""Every page explains a missing or unreachable warehouse instead of showing a traceback.

Three ways a newcomer meets it: no connection configured at all, a configured warehouse that does
not answer, and a warehouse without the pipeline's tables. The first two run AppTest in a fresh
interpreter whose home and working folders are empty (no secrets.toml, no Snowflake
connections.toml anywhere), so nothing configured elsewhere can leak in.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local.resources import snowflake_scripts
from local.warehouse import LocalWarehouse
from tests.dashboards.conftest import VIEWS, PageRunner, ServedWarehouse, page_runner

PAGES = ("daily_sales", "inventory", "pipeline_health")
FIXES = ("make demo", ".streamlit/secrets.toml.example", ".streamlit/secrets.toml")

RUN_PAGES = """
import json, sys
from streamlit.testing.v1 import AppTest
found = {}
for page in sys.argv[2:]:
    app = AppTest.from_file(f"{sys.argv[1]}/{page}.py", default_timeout=60)
    app.run()
    found[page] = {
        "exceptions": [item.value for item in app.exception],
        "errors": [item.value for item in app.error],
        "markdown": [item.value for item in app.markdown],
        "metrics": len(app.metric),
        "dataframes": len(app.dataframe),
    }
print(json.dumps(found))
"""


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again when the probe is


def run_pages_isolated(folder: Path) -> dict[str, dict[str, Any]]:
    """AppTest of every page in a fresh interpreter whose HOME and working folder are ``folder``."""
    home = folder / "home"
    home.mkdir(exist_ok=True)
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith("SNOWFLAKE")},
        "HOME": str(home),
        "SNOWFLAKE_HOME": str(home / ".snowflake"),
    }
    completed = subprocess.run(
        [sys.executable, "-c", RUN_PAGES, str(VIEWS), *PAGES],
        cwd=folder,
        env=env,
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr.decode()[-3000:]
    found: dict[str, dict[str, Any]] = json.loads(completed.stdout.decode().splitlines()[-1])
    return found


def assert_explained(page: dict[str, Any], what: str) -> None:
    assert page["exceptions"] == [], page["exceptions"]
    assert len(page["errors"]) == 1, page["errors"]
    assert "cannot read a warehouse" in page["errors"][0]
    assert what in page["errors"][0]
    assert "Traceback" not in page["errors"][0]
    fixes = " ".join(page["markdown"])
    assert all(fix in fixes for fix in FIXES), fixes
    # Nothing else was drawn: no figures, no tables.
    assert page["metrics"] == 0 and page["dataframes"] == 0


@pytest.mark.slow
def test_every_page_explains_that_no_connection_is_configured(tmp_path: Path) -> None:
    found = run_pages_isolated(tmp_path)
    assert set(found) == set(PAGES)
    for page in PAGES:
        assert_explained(found[page], "No Snowflake connection is configured")


@pytest.mark.slow
def test_every_page_explains_a_warehouse_that_does_not_answer(tmp_path: Path) -> None:
    port = closed_port()
    secrets = tmp_path / ".streamlit" / "secrets.toml"
    secrets.parent.mkdir()
    secrets.write_text(
        "[connections.snowflake]\n"
        'account = "local"\nuser = "u"\npassword = "p"\nhost = "127.0.0.1"\n'
        f'port = {port}\nprotocol = "http"\nlogin_timeout = 5\n',
        encoding="utf-8",
    )
    found = run_pages_isolated(tmp_path)
    for page in PAGES:
        assert_explained(found[page], f"127.0.0.1:{port}")
        assert "could not be reached or refused the login" in found[page]["errors"][0]
        assert '"p"' not in found[page]["errors"][0]  # no credential in the message


@pytest.fixture(scope="module")
def bare_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedWarehouse]:
    """A served warehouse on which no migration was applied: only the admin bootstrap ran (the
    dashboards' service user exists, the pipeline's tables do not)."""
    work_dir = tmp_path_factory.mktemp("bare")
    warehouse = LocalWarehouse(work_dir / "warehouse")
    warehouse.bootstrap(snowflake_scripts())
    host, port = warehouse.serve()
    yield ServedWarehouse(warehouse, host, port, work_dir)
    warehouse.close()


@pytest.mark.parametrize("page", PAGES)
def test_every_page_explains_a_warehouse_without_the_pipeline_tables(
    bare_warehouse: ServedWarehouse, page: str
) -> None:
    run: PageRunner = page_runner(bare_warehouse)
    app = run(page)
    assert [item.value for item in app.exception] == []
    errors = [item.value for item in app.error]
    assert len(errors) == 1 and "not with the pipeline's tables" in errors[0], errors
    assert "pos migrate apply" in errors[0]
    assert all(fix in " ".join(item.value for item in app.markdown) for fix in FIXES)
