"""The local warehouse silences exactly the known library noise, and nothing else."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import pytest

from local.warehouse import LocalWarehouse, quiet

COMMENTED_TABLE = """
CREATE TABLE NOTES (
    ID NUMBER(38, 0) COMMENT 'the note',
    BODY VARCHAR COMMENT 'what it says'
) CLUSTER BY (ID) DATA_RETENTION_TIME_IN_DAYS = 0 COMMENT = 'notes'
"""


def test_known_noise_is_silenced_while_other_warnings_stay_visible(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    with LocalWarehouse(tmp_path / "db") as warehouse, warnings.catch_warnings(record=True) as seen:
        quiet.install()  # again, inside this block's fresh filter list
        cursor = warehouse.connect_as(warehouse.principals.admin).cursor()
        cursor.execute(f"CREATE DATABASE IF NOT EXISTS {warehouse.variables.database}")
        cursor.execute(f"USE DATABASE {warehouse.variables.database}")
        cursor.execute(f"CREATE WAREHOUSE IF NOT EXISTS {warehouse.variables.warehouse}")
        cursor.execute(f"USE WAREHOUSE {warehouse.variables.warehouse}")
        cursor.execute("CREATE SCHEMA IF NOT EXISTS NOTES_SCHEMA")
        cursor.execute("USE SCHEMA NOTES_SCHEMA")
        cursor.execute(COMMENTED_TABLE)
        cursor.execute("SELECT ID, BODY FROM NOTES")
        assert cursor.fetchall() == []
        # The same words from anywhere else, and this project's own warnings, still show.
        warnings.warn(
            "Arrow output on a DB-API result makes an extra copy (ours)", UserWarning, stacklevel=1
        )
        warnings.warn("a warning of this project", UserWarning, stacklevel=1)
        # verify's SHOW TASKS, which the local warehouse answers itself: silenced.
        logging.getLogger("sqlglot").warning(
            "'SHOW TASKS IN DATABASE POS_DB' contains unsupported syntax. Falling back to parsing"
            " as a 'Command'."
        )
        logging.getLogger("sqlglot").warning("Unsupported property somethingnew")
    messages = [str(warning.message) for warning in seen]
    assert messages == [
        "Arrow output on a DB-API result makes an extra copy (ours)",
        "a warning of this project",
    ]
    logged = [record.getMessage() for record in caplog.records if record.name == "sqlglot"]
    assert logged == ["Unsupported property somethingnew"]


def test_the_silenced_messages_are_ones_the_project_sql_triggers() -> None:
    # If a fakesnow or sqlglot upgrade changes the wording, the filter would silently filter
    # nothing; the end-to-end run test then sees the noise (tests/pos/test_local_run.py).
    assert set(quiet.DROPPED_CLAUSES) == {
        "CommentColumnConstraint unsupported",
        "Unsupported property schemacommentproperty",
        "Unsupported property clusterproperty",
        "Unsupported property transientproperty",
        "Unsupported property property",
        "Unsupported property copygrantsproperty",
    }
