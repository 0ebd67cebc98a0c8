"""Serve the local warehouse over the Snowflake connector protocol (fakesnow's server).

Other processes (the Streamlit dashboards) connect with ``snowflake.connector.connect(host=...,
port=..., protocol="http", ...)`` and read the same live data, because every session the server
opens is a runner connection on this process's DuckDB instance: only one process can open the
database files. fakesnow's server keeps its sessions in module globals, so one warehouse per
process can serve.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import fakesnow.server as fakesnow_server
import uvicorn

from local.warehouse.connection import RunnerConnection
from local.warehouse.runtime import WarehouseRuntime

HOST = "127.0.0.1"


class _SessionFactory:
    """Stands in for fakesnow's shared in-memory instance: sessions are runner connections."""

    def __init__(self, runtime: WarehouseRuntime) -> None:
        self.runtime = runtime

    def connect(
        self,
        database: str | None = None,
        schema: str | None = None,
        nop_regexes: list[str] | None = None,
        **kwargs: Any,
    ) -> RunnerConnection:
        return self.runtime.connect(
            database, schema, autocommit=bool(kwargs.get("autocommit", True))
        )


class WarehouseServer:
    def __init__(self, runtime: WarehouseRuntime, port: int = 0) -> None:
        fakesnow_server.shared_fs = _SessionFactory(runtime)  # type: ignore[assignment]
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((HOST, port))
        self.port: int = self._socket.getsockname()[1]
        config = uvicorn.Config(fakesnow_server.app, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name="warehouse server",
            daemon=True,
        )

    def start(self) -> tuple[str, int]:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the local warehouse server did not start")
            time.sleep(0.02)
        return HOST, self.port

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()
        for token, session in list(fakesnow_server.sessions.items()):
            if isinstance(session, RunnerConnection):
                fakesnow_server.sessions.pop(token, None)
