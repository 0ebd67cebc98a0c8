"""docs/local_warehouse.md shows the access rules the code checks (one table, one source)."""

from __future__ import annotations

import re
from pathlib import Path

from local.warehouse.access.requirements import RULES

DOCS = Path(__file__).resolve().parents[2] / "docs" / "local_warehouse.md"
TABLE = re.compile(
    r"<!-- access-rules:begin[^>]*-->\n(?P<table>.*?)\n<!-- access-rules:end -->", re.DOTALL
)
ROW = re.compile(
    r"^\| (?P<statement>.+?) \| (?P<privileges>.+?) \| \[[^\]]+\]\((?P<doc>[^)]+)\) \|$"
)


def test_the_docs_table_is_the_rules_the_checker_uses() -> None:
    match = TABLE.search(DOCS.read_text(encoding="utf-8"))
    assert match is not None
    rows = [ROW.match(line) for line in match["table"].splitlines()[2:]]
    assert all(rows), "a row of the table is not '| statement | privileges | [page](url) |'"
    documented = [(r["statement"], r["privileges"], r["doc"]) for r in rows if r]
    assert documented == [(rule.statement, rule.privileges, rule.doc) for rule in RULES.values()]


def test_every_rule_cites_a_snowflake_page() -> None:
    assert all(rule.doc.startswith("https://docs.snowflake.com/en/") for rule in RULES.values())
    every_rule_used = {
        "SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "CREATE TASK", "CALL", "EXECUTE TASK",
        "GRANT <privileges> ON <object>", "GRANT ... ON FUTURE <objects> IN SCHEMA",
    }  # fmt: skip
    assert every_rule_used <= set(RULES)
