"""How a client process reaches a served local warehouse: the Snowflake connector's arguments.

Apart from ``local/warehouse/server.py`` so that clients (the dashboards launcher, tests, the
verify command) need not import fakesnow and DuckDB to connect.
"""

from __future__ import annotations

from typing import Any


def connection_args(host: str, port: int, user: str, database: str = "POS_DB") -> dict[str, Any]:
    """``snowflake.connector.connect`` arguments for a served local warehouse, as ``user``.

    Account and password are placeholders: the local warehouse checks no credentials
    (docs/local_warehouse.md); the user's default role and warehouse apply, as on Snowflake."""
    return {
        "account": "local",
        "user": user,
        "password": "local",
        "host": host,
        "port": port,
        "protocol": "http",
        "database": database,
        "login_timeout": 10,
        "network_timeout": 30,
    }
