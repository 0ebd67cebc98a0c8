"""Run the dashboards against the local warehouse: ``python -m dashboards.local``.

The pages are unchanged: only the ``[connections.snowflake]`` secrets differ. This module writes
a secrets file that points the Snowflake connector at the local warehouse's fakesnow server and
starts ``streamlit run dashboards/app.py`` with it. Either connect to a warehouse the running
local pipeline already serves (``--warehouse 127.0.0.1:PORT``), or serve a warehouse directory
from this process (``--db-dir``; only one process can open its files, so not while the pipeline
runs).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from lambdas.snowflake_migrations.bootstrap import AccountNames

APP = Path(__file__).parent / "app.py"
DEFAULT_SECRETS = Path(".local/dashboards/secrets.toml")
DEFAULT_DATABASE = "POS_DB"


def local_connection(host: str, port: int, database: str = DEFAULT_DATABASE) -> dict[str, Any]:
    """``[connections.snowflake]`` for the local warehouse server: the dashboards' service user,
    as in production, with its default role and warehouse (the local warehouse enforces them).
    Account and password are placeholders: the local warehouse checks no credentials."""
    return {
        "account": "local",
        "user": AccountNames().dashboard_user,
        "password": "local",
        "host": host,
        "port": port,
        "protocol": "http",
        "database": database,
        "login_timeout": 10,
        "network_timeout": 30,
    }


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
        str(APP),
        "--server.address=127.0.0.1",
        f"--server.port={port}",
        # Not headless, Streamlit's first run stops at an interactive e-mail prompt.
        f"--server.headless={str(not open_browser).lower()}",
        "--browser.gatherUsageStats=false",
        "--client.toolbarMode=viewer",
        f"--secrets.files={secrets.resolve()}",
    ]


def _host_port(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {text!r}")
    return host, int(port)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboards.local", description=__doc__)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--warehouse", type=_host_port, help="HOST:PORT of a served warehouse")
    source.add_argument("--db-dir", type=Path, help="serve this local warehouse directory")
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument("--port", type=int, default=8501, help="Streamlit port")
    parser.add_argument("--secrets", type=Path, default=DEFAULT_SECRETS)
    parser.add_argument(
        "--open-browser", action="store_true", help="open a browser tab (default: print the URL)"
    )
    args = parser.parse_args(argv)

    warehouse = None
    if args.db_dir is not None:
        # Imported here: the --warehouse mode needs no local runtime in this process.
        from local.warehouse import LocalWarehouse

        warehouse = LocalWarehouse(args.db_dir)
        host, port = warehouse.serve()
    else:
        host, port = args.warehouse
    secrets = write_secrets(args.secrets, local_connection(host, port, args.database))
    print(f"warehouse at {host}:{port}; dashboards at http://127.0.0.1:{args.port}", flush=True)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    streamlit = subprocess.Popen(streamlit_command(secrets, args.port, args.open_browser), env=env)  # noqa: S603
    try:
        return streamlit.wait()
    except KeyboardInterrupt:
        streamlit.terminate()
        return streamlit.wait()
    finally:
        if warehouse is not None:
            warehouse.close()


if __name__ == "__main__":
    raise SystemExit(main())
