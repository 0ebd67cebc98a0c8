"""Statements that are accepted and ignored locally: access control and compute sizing.

One process owns the local database, so roles, grants, users and warehouses have nothing to
act on; the SQL files still carry them for Snowflake. Each rule is named so a test can show
which statements it covers and which it leaves alone.
"""

from __future__ import annotations

import re

_NAME = r"[A-Za-z0-9_$.\"]+"
NOOP_RULES: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern, re.IGNORECASE | re.DOTALL)
    for name, pattern in {
        "create_role": r"CREATE\s+(OR\s+REPLACE\s+)?(DATABASE\s+)?ROLE\b",
        "create_user": r"CREATE\s+(OR\s+REPLACE\s+)?USER\b",
        "create_warehouse": r"CREATE\s+(OR\s+REPLACE\s+)?WAREHOUSE\b",
        "alter_warehouse": r"ALTER\s+WAREHOUSE\b",
        "alter_user": r"ALTER\s+USER\b",
        "grant": r"GRANT\b",
        "revoke": r"REVOKE\b",
        "use_role": r"USE\s+(SECONDARY\s+)?ROLES?\b",
        "use_warehouse": r"USE\s+WAREHOUSE\b",
        "alter_account_or_session_parameters": r"ALTER\s+(ACCOUNT|SESSION)\s+(SET|UNSET)\b",
        # Parameters right after the object name (DATA_RETENTION_TIME_IN_DAYS, CHANGE_TRACKING,
        # COMMENT, ...); ALTER TABLE ... ADD/ALTER COLUMN still reaches fakesnow.
        "alter_object_parameters": (
            rf"ALTER\s+(DATABASE|SCHEMA|TABLE|STREAM|PROCEDURE)\s+(IF\s+EXISTS\s+)?{_NAME}"
            rf"(\s*\([^)]*\))?\s+(SET|UNSET)\s+(?!DATA\s+TYPE\b)"
        ),
    }.items()
}
_LEADING_COMMENTS = re.compile(r"^\s*(?:(?:--|//)[^\n]*(?:\n|$)\s*|/\*.*?\*/\s*)*", re.DOTALL)


def without_leading_comments(sql: str) -> str:
    return sql[_LEADING_COMMENTS.match(sql).end() :]  # type: ignore[union-attr]


def noop_rule(sql: str) -> str | None:
    """The name of the no-op rule this statement falls under, if any."""
    text = without_leading_comments(sql)
    for name, pattern in NOOP_RULES.items():
        if pattern.match(text):
            return name
    return None
