"""Statements that are accepted and ignored locally: session parameters.

Roles, users, grants and warehouses are no longer no-ops: the access model in ``access/`` runs
them. What stays here changes nothing the local warehouse emulates (ALTER SESSION parameters
such as TIMEZONE); each rule is named so a test can show which statements it covers.
"""

from __future__ import annotations

import re

NOOP_RULES: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern, re.IGNORECASE | re.DOTALL)
    for name, pattern in {
        "alter_session_parameters": r"ALTER\s+SESSION\s+(SET|UNSET)\b",
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
