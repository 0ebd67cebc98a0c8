"""Entry point for ``python -m local``."""

from local.cli import app

app(prog_name="python -m local")
