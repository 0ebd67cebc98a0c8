"""Verifies a deployed pipeline: AWS resources, Snowflake objects and grants, and an end-to-end
canary. Deployed code: ``pos verify`` (the CLI, ``pos/verify.py``) and the scheduled canary
Lambda (``handler.py``) both run it; only endpoints and credentials differ between AWS/Snowflake
and the local twin (docs/verify.md)."""
