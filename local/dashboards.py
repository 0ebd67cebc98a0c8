"""``pos local dashboards``: the dashboards against the local warehouse.

The pages are unchanged: only the ``[connections.snowflake]`` secrets differ. This module writes
a secrets file that points the Snowflake connector at the local warehouse's fakesnow server and
starts ``streamlit run dashboards/app.py`` with it (the app found next to the ``dashboards``
package, so it works from any folder). Either connect to a warehouse another process already
serves (``--warehouse 127.0.0.1:PORT``, e.g. ``pos local serve``), or serve a warehouse directory
from this process (``--db-dir``; only one process can open its files, so not while a run has it).

It lives in ``local/``, not in ``dashboards/``: the dashboards package also deploys to Streamlit in
Snowflake and must not depend on the emulator.

Stopping: SIGTERM or Ctrl-C stops Streamlit (SIGTERM, then SIGKILL after a grace period), waits
for it, then closes the served warehouse; if this process is killed outright, Linux stops
Streamlit through its parent-death signal (``local/processes.py``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lambdas.snowflake_migrations.bootstrap import AccountNames
from local.processes import (
    child_env,
    exit_code,
    guarded,
    stop_all_children,
    stop_child,
    stop_on_signals,
)
from local.resources import dashboards_app
from local.served_warehouse import connection_args

DEFAULT_DATABASE = "POS_DB"
DEFAULT_PORT = 8501


def local_connection(host: str, port: int, database: str = DEFAULT_DATABASE) -> dict[str, Any]:
    """``[connections.snowflake]`` for the local warehouse server: the dashboards' service user,
    as in production, with its default role and warehouse (the local warehouse enforces them)."""
    return connection_args(host, port, AccountNames().dashboard_user, database)


def write_secrets(path: Path, connection: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Values are strings and integers; a JSON string literal is a valid TOML basic string.
    lines = ["[connections.snowflake]"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in connection.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


def streamlit_command(secrets: Path, port: int, open_browser: bool) -> list[str]:
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(dashboards_app()),
        "--server.address=127.0.0.1",
        f"--server.port={port}",
        # Not headless, Streamlit's first run stops at an interactive e-mail prompt.
        f"--server.headless={str(not open_browser).lower()}",
        "--browser.gatherUsageStats=false",
        "--client.toolbarMode=viewer",
        # .streamlit/config.toml's theme, which Streamlit reads only from the current directory.
        "--theme.base=light",
        f"--secrets.files={secrets.resolve()}",
    ]


def host_port(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"expected HOST:PORT, got {text!r}")
    return host, int(port)


@dataclass(frozen=True)
class DashboardsOptions:
    warehouse: tuple[str, int] | None  # a served warehouse, or None to serve ``db_dir``
    db_dir: Path | None
    secrets: Path
    database: str = DEFAULT_DATABASE
    port: int = DEFAULT_PORT
    open_browser: bool = False


def launch(options: DashboardsOptions) -> int:
    """Serve (or point at) the warehouse, run Streamlit until it exits or this process is asked
    to stop; returns Streamlit's exit code, or 128 + the signal that stopped the launcher."""
    interrupted = stop_on_signals()
    warehouse = None
    streamlit: subprocess.Popen[bytes] | None = None
    try:
        if options.db_dir is not None:
            from local.warehouse import LocalWarehouse

            warehouse = LocalWarehouse(options.db_dir)
            host, port = warehouse.serve()
        elif options.warehouse is not None:
            host, port = options.warehouse
        else:
            raise ValueError("give a served warehouse (HOST:PORT) or a warehouse directory")
        secrets = write_secrets(options.secrets, local_connection(host, port, options.database))
        print(
            f"warehouse at {host}:{port}; dashboards at http://127.0.0.1:{options.port}"
            " (Ctrl-C to stop)",
            flush=True,
        )
        command = streamlit_command(secrets, options.port, options.open_browser)
        env = child_env({"PYTHONUNBUFFERED": "1"})
        streamlit = subprocess.Popen(guarded(command), env=env)  # noqa: S603 - our own command
        return streamlit.wait()
    except KeyboardInterrupt:
        return exit_code(interrupted)
    finally:
        interrupted.shield()
        if streamlit is not None:
            stop_child(streamlit)
        stop_all_children()  # one started just as the signal came, before its handle was kept
        if warehouse is not None:
            warehouse.close()
