"""docs/verify.md shows the latency budget the canary is compared with (one source, the code)."""

from __future__ import annotations

import re

from lambdas.pipeline_verify.budget import budget_table, cloud_budget
from tests.paths import REPO_ROOT

BLOCK = re.compile(r"<!-- budget:begin[^>]*-->\n(?P<table>.*?)\n<!-- budget:end -->", re.DOTALL)


def test_the_docs_budget_table_is_the_code() -> None:
    match = BLOCK.search((REPO_ROOT / "docs" / "verify.md").read_text(encoding="utf-8"))
    assert match is not None
    assert match["table"] == budget_table(cloud_budget())


def test_the_budget_sums_its_terms_per_hop() -> None:
    budget = cloud_budget()
    assert budget.total_p95 == sum(budget.hop_p95(hop) for hop in ("bronze", "silver", "gold"))
    # Each setting the docs name moves its term.
    assert cloud_budget(processor_buffer_interval_s=0).total_p95 == budget.total_p95 - 30
