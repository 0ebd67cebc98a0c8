"""Mutation testing (``make mutation``; not part of ``make test``): mutmut over the Python cores,
a small SQL mutation harness over the procedures in ``snowflake/``. Scores: docs/testing.md."""
