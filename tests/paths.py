"""Where the tests find the project's files: the repository, and the Snowflake scripts under test
(``snowflake/``, or the mutated copy the SQL mutation harness names in ``POS_SNOWFLAKE_DIR``)."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SQL_DIR = Path(os.environ.get("POS_SNOWFLAKE_DIR") or REPO_ROOT / "snowflake")
