"""What a versioned script must never do (each would break a deployed account for good):

- CREATE OR REPLACE a table or a stream: replacing a table makes every stream on it stale, and
  replacing a stream resets its offset (rows skipped or replayed);
- give Bronze a DEFAULT or IDENTITY/AUTOINCREMENT column: Snowpipe Streaming, Firehose's path
  into Bronze, refuses such a table.
"""

from __future__ import annotations

import re

import pytest

from lambdas.snowflake_migrations.scripts import ScriptKind, SqlVariables, discover
from tests.paths import SQL_DIR

VERSIONED = [s for s in discover(SQL_DIR, SqlVariables()) if s.kind is ScriptKind.VERSIONED]
REPLACED_TABLE_OR_STREAM = re.compile(
    r"\bCREATE\s+OR\s+REPLACE\s+(?:(?:LOCAL|GLOBAL)\s+)?(?:TEMP(?:ORARY)?\s+|TRANSIENT\s+|"
    r"VOLATILE\s+|HYBRID\s+|DYNAMIC\s+|EXTERNAL\s+|ICEBERG\s+)*(?:TABLE|STREAM)\b",
    re.IGNORECASE,
)
BRONZE_TABLE = re.compile(r"\bCREATE\b[^;]*?\bTABLE\b[^;(]*\bBRONZE\.", re.IGNORECASE)
GENERATED_COLUMN = re.compile(r"\b(DEFAULT|IDENTITY|AUTOINCREMENT|AUTO_INCREMENT)\b", re.IGNORECASE)
ALTER_BRONZE = re.compile(
    r"\bALTER\s+TABLE\b[^;]*\bBRONZE\.[^;]*\b(DEFAULT|IDENTITY|AUTOINCREMENT)\b", re.IGNORECASE
)


def test_there_are_versioned_scripts_to_check() -> None:
    assert len(VERSIONED) >= 24


@pytest.mark.parametrize("script", VERSIONED, ids=lambda script: script.name)
def test_no_versioned_script_replaces_a_table_or_a_stream(script: object) -> None:
    for statement in script.statements():  # type: ignore[attr-defined]
        assert not REPLACED_TABLE_OR_STREAM.search(statement), statement.splitlines()[0]


@pytest.mark.parametrize("script", VERSIONED, ids=lambda script: script.name)
def test_bronze_has_no_default_or_identity_column(script: object) -> None:
    for statement in script.statements():  # type: ignore[attr-defined]
        if BRONZE_TABLE.search(statement):
            assert not GENERATED_COLUMN.search(statement), statement.splitlines()[0]
        assert not ALTER_BRONZE.search(statement), statement.splitlines()[0]


@pytest.mark.parametrize(
    ("statement", "rule"),
    [
        ("CREATE OR REPLACE TABLE {{ database }}.SILVER.X (A INT)", REPLACED_TABLE_OR_STREAM),
        ("create or replace transient table s.x (a int)", REPLACED_TABLE_OR_STREAM),
        ("CREATE OR REPLACE STREAM S.X ON TABLE S.T", REPLACED_TABLE_OR_STREAM),
        ("CREATE TABLE IF NOT EXISTS DB.BRONZE.T (A INT DEFAULT 1)", GENERATED_COLUMN),
        ("CREATE TABLE DB.BRONZE.T (ID NUMBER IDENTITY(1, 1), A VARIANT)", GENERATED_COLUMN),
    ],
)
def test_the_rules_catch_what_they_are_for(statement: str, rule: re.Pattern[str]) -> None:
    """The checks above can fail: each forbidden form is recognised."""
    assert rule.search(statement)
    if rule is GENERATED_COLUMN:
        assert BRONZE_TABLE.search(statement)


def test_views_procedures_and_tasks_may_be_replaced() -> None:
    assert not REPLACED_TABLE_OR_STREAM.search("CREATE OR REPLACE VIEW S.V AS SELECT 1")
    assert not REPLACED_TABLE_OR_STREAM.search("CREATE OR REPLACE TASK S.T AS SELECT 1")
