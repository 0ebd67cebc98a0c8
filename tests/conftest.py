"""Session-wide test settings, set before any test module imports the transform handler, and the
deployed warehouse the Snowflake and access suites share.

Powertools reads its service name and metrics namespace when the handler module is first imported,
and several suites import it (transform, Snowflake scenarios, local pipeline, dashboards), so the
values cannot depend on which suite happens to run first.

``migrated_template``: a warehouse deployed the production way (admin bootstrap as ACCOUNTADMIN,
then the migrations as the deploy user), built once per session; tests copy it. With ``make
test-snowflake``, ``real_account`` is the run's throwaway deployment in a real account
(tests/snowflake/backends.py), also once per session.
"""

from __future__ import annotations

import os

os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "pos-transform-test")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "RetailPosPipelineTest")
os.environ["POWERTOOLS_TRACE_DISABLED"] = "true"

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import profiles
from tests.paths import SQL_DIR

profiles.load()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from local.warehouse import LocalWarehouse

    template = tmp_path_factory.mktemp("migrated-warehouse")
    with LocalWarehouse(template) as warehouse:
        warehouse.apply_migrations(SQL_DIR)
    return template


@pytest.fixture(scope="session")
def real_account() -> Iterator[object]:
    from tests.snowflake.backends import (
        AccountSettings,
        SnowflakeAccountBackend,
        skip_without_credentials,
    )

    skip_without_credentials()
    backend = SnowflakeAccountBackend(AccountSettings.from_environment())
    try:
        backend.deploy()
        yield backend
    finally:
        backend.close()
