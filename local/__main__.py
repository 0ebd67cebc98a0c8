"""``python -m local ...``: an alias of ``pos local ...`` (run, serve, dashboards)."""

from pos.local_commands import app

app(prog_name="python -m local")
