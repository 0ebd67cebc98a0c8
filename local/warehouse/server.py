"""Serve the local warehouse over the Snowflake connector protocol (fakesnow's server).

Other processes (the Streamlit dashboards) connect with ``snowflake.connector.connect(host=...,
port=..., protocol="http", ...)`` and read the same live data, because every session the server
opens is a runner connection on this process's DuckDB instance: only one process can open the
database files. fakesnow's server keeps its sessions in module globals, so one warehouse per
process can serve.

fakesnow's Arrow conversion of timestamps loses NULLs; :func:`null_timestamps_as_null` wraps it
(process-wide, like the sessions) when a server is made.

Logins are Snowflake's: the connector's ``user`` (``LOGIN_NAME``), ``role`` (``roleName``) and
``warehouse`` decide the session (``access/session.py``); an unknown user or a role not granted
to the user is refused with Snowflake's login error. Keys and passwords are not checked locally.
"""

from __future__ import annotations

import contextvars
import gzip
import json
import socket
import threading
import time
from typing import Any

import fakesnow.arrow as fakesnow_arrow
import fakesnow.server as fakesnow_server
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from local.warehouse.access.session import LoginError, Session
from local.warehouse.connection import RunnerConnection
from local.warehouse.runtime import WarehouseRuntime

LOGIN_PATH = "/session/v1/login-request"
# The session of the login being handled, for the session factory fakesnow's login calls.
_LOGIN_SESSION: contextvars.ContextVar[Session | None] = contextvars.ContextVar(
    "login_session", default=None
)

HOST = "127.0.0.1"


def null_timestamps_as_null(convert: Any) -> Any:
    """Wrap fakesnow's Arrow timestamp conversion so a NULL timestamp reaches the client as NULL.

    fakesnow 0.12.1 sends timestamps as Snowflake's (epoch, fraction[, timezone]) struct but
    builds the struct without a validity mask, so the connector reads a NULL as 1970-01-01.
    The wrapper keeps fakesnow's struct and adds the column's null mask (null children become 0,
    as the struct's fields are declared non-nullable)."""
    if getattr(convert, "keeps_nulls", False):
        return convert

    def convert_keeping_nulls(timestamps: Any) -> Any:
        struct = convert(timestamps)
        if isinstance(timestamps, pa.ChunkedArray):
            timestamps = timestamps.combine_chunks()
        if timestamps.null_count == 0:
            return struct
        fields = [struct.type.field(index) for index in range(struct.type.num_fields)]
        children = [pc.fill_null(struct.field(index), 0) for index in range(len(fields))]
        return pa.StructArray.from_arrays(children, fields=fields, mask=timestamps.is_null())

    convert_keeping_nulls.keeps_nulls = True  # type: ignore[attr-defined]
    return convert_keeping_nulls


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
        session = _LOGIN_SESSION.get()
        if session is None:
            raise RuntimeError("a warehouse session opened outside a login request")
        return self.runtime.connect(
            database, schema, session=session, autocommit=bool(kwargs.get("autocommit", True))
        )


def login_route(runtime: WarehouseRuntime) -> Route:
    """The login endpoint: Snowflake's login decision, then fakesnow's session set-up."""

    async def login(request: Request) -> Response:
        body = await request.body()  # Starlette keeps it for fakesnow's handler
        if request.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        data = json.loads(body).get("data") or {}
        try:
            session = runtime.login(
                str(data.get("LOGIN_NAME") or ""),
                request.query_params.get("roleName"),
                request.query_params.get("warehouse"),
            )
        except LoginError as error:
            return JSONResponse(
                {
                    "data": None,
                    "code": str(error.code),
                    "message": error.message,
                    "success": False,
                }
            )
        token = _LOGIN_SESSION.set(session)
        try:
            return await fakesnow_server.login_request(request)
        finally:
            _LOGIN_SESSION.reset(token)

    return Route(LOGIN_PATH, login, methods=["POST"])


def application(runtime: WarehouseRuntime) -> Starlette:
    """fakesnow's routes, with the login replaced by :func:`login_route`."""
    routes = [route for route in fakesnow_server.routes if getattr(route, "path", "") != LOGIN_PATH]
    return Starlette(routes=[login_route(runtime), *routes])


class WarehouseServer:
    def __init__(self, runtime: WarehouseRuntime, port: int = 0) -> None:
        fakesnow_server.shared_fs = _SessionFactory(runtime)  # type: ignore[assignment]
        fakesnow_arrow.timestamp_to_sf_struct = null_timestamps_as_null(
            fakesnow_arrow.timestamp_to_sf_struct
        )
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((HOST, port))
        self.port: int = self._socket.getsockname()[1]
        config = uvicorn.Config(application(runtime), log_level="warning", lifespan="off")
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
