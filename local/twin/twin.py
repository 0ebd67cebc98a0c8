"""A running local twin: moto holding the stack's resources, the local Firehose worker delivering
the twin's stream to the local warehouse, the warehouse served over the Snowflake connector
protocol with its tasks running. ``pos verify --local`` then reaches it only through endpoints:
boto3 with ``endpoint_url`` for AWS, the Snowflake connector with ``host``/``port`` for Snowflake.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import snowflake.connector

from lambdas.pipeline_verify.stack import StackView
from lambdas.snowflake_migrations.scripts import SqlVariables
from local.firehose.checkpoint import CheckpointStore
from local.firehose.error_output import ErrorOutput
from local.firehose.event import DeliveryStream
from local.firehose.invoke import TransformInvoker
from local.firehose.worker import FirehoseWorker, WorkerConfig
from local.kinesis import LOCAL_REGION, _serve
from local.pipeline.lock import WorkdirLock
from local.resources import snowflake_scripts
from local.twin.provision import client, provision
from local.twin.synth import LOCAL_SETTINGS, synthesize

STACK_NAME = "RetailPosPipeline"
ENDPOINTS_FILE = "endpoints.json"
DEFAULT_BUFFER_INTERVAL_S = 1.0
DEFAULT_TASK_INTERVAL_S = 0.5


@dataclass(frozen=True)
class TwinOptions:
    workdir: Path
    buffer_interval_s: float = DEFAULT_BUFFER_INTERVAL_S
    task_interval_s: float = DEFAULT_TASK_INTERVAL_S
    scripts_dir: Path | None = None
    # Where the synthesized template is cached (default: in the workdir).
    synth_cache: Path | None = None


class LocalTwin:
    def __init__(self, options: TwinOptions) -> None:
        self.options = options
        self.variables = SqlVariables()
        self.stack: StackView | None = None
        self.endpoint_url = ""
        self.warehouse_address: tuple[str, int] = ("", 0)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._errors: list[BaseException] = []
        self._warehouse: Any = None
        self._server: Any = None
        self._lock: WorkdirLock | None = None
        self.worker: FirehoseWorker | None = None

    @property
    def twin_dir(self) -> Path:
        return self.options.workdir / "twin"

    def start(self) -> LocalTwin:
        from local.pipeline.runner import quiet_transform_logs

        quiet_transform_logs()  # before the handler's Logger is made
        from lambdas.transform.handler import lambda_handler
        from local.warehouse import LocalWarehouse

        self.options.workdir.mkdir(parents=True, exist_ok=True)
        self._lock = WorkdirLock(self.options.workdir).acquire()
        scripts = self.options.scripts_dir or snowflake_scripts()
        template = synthesize(self.options.synth_cache or self.twin_dir / "synth", LOCAL_SETTINGS)
        self._server, self.endpoint_url = _serve()
        self.stack = provision(template, self.endpoint_url, STACK_NAME)
        self.stack.save(self.twin_dir / "stack.json")
        warehouse = LocalWarehouse(self.options.workdir / "warehouse", self.variables)
        self._warehouse = warehouse
        warehouse.prepare_deploy(scripts)
        warehouse.apply_migrations(scripts)
        self.warehouse_address = warehouse.serve()
        host, port = self.warehouse_address
        # What `pos verify --local` attaches to while this twin runs (removed by stop()).
        (self.twin_dir / ENDPOINTS_FILE).write_text(
            json.dumps({"pid": os.getpid(), "moto": self.endpoint_url, "host": host, "port": port}),
            encoding="utf-8",
        )
        self.worker = self._firehose(warehouse, lambda_handler)
        self.worker.open()
        for name, body in (
            ("twin firehose", lambda: self.worker.run(self._stop) if self.worker else None),
            (
                "twin tasks",
                lambda: warehouse.run_tasks_forever(self._stop, self.options.task_interval_s),
            ),
        ):
            thread = threading.Thread(target=self._guard(body), name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def _guard(self, body: Any) -> Any:
        def run() -> None:
            try:
                body()
            except BaseException as error:  # surfaced by check_alive
                self._errors.append(error)

        return run

    def wait(self, seconds: float) -> None:
        self._stop.wait(seconds)

    def check_alive(self) -> None:
        if self._errors:
            raise RuntimeError("a local twin thread failed") from self._errors[0]

    def _firehose(self, warehouse: Any, handler: Any) -> FirehoseWorker:
        assert self.stack is not None
        stream_name = self.stack.output("StreamName")
        delivery_name = self.stack.output("DeliveryStreamName")
        function = self.stack.output("TransformFunctionName")
        account = "123456789012"
        lambda_arn = f"arn:aws:lambda:{LOCAL_REGION}:{account}:function:{function}"
        firehose_dir = self.twin_dir / "firehose"
        # moto starts empty each time: the previous twin's stream and checkpoints are gone.
        shutil.rmtree(firehose_dir / "checkpoints", ignore_errors=True)
        delivery = DeliveryStream(
            name=delivery_name,
            arn=f"arn:aws:firehose:{LOCAL_REGION}:{account}:deliverystream/{delivery_name}",
            source_stream_arn=f"arn:aws:kinesis:{LOCAL_REGION}:{account}:stream/{stream_name}",
            region=LOCAL_REGION,
            lambda_arn=lambda_arn,
        )
        return FirehoseWorker(
            client("kinesis", self.endpoint_url),
            stream_name,
            delivery,
            warehouse,
            ErrorOutput(firehose_dir / "errors", delivery_name, lambda_arn),
            CheckpointStore(firehose_dir / "checkpoints" / stream_name),
            TransformInvoker(handler, lambda_arn),
            WorkerConfig(buffer_interval_s=self.options.buffer_interval_s),
        )

    def snowflake_connection(self, user: str, role: str) -> Any:
        """A connector session to the served warehouse (keys are not checked locally)."""
        host, port = self.warehouse_address
        return connect_served(host, port, user, role, self.variables)

    @property
    def warehouse(self) -> Any:
        """The warehouse object itself, for tests that break something on purpose."""
        return self._warehouse

    def stop(self) -> None:
        (self.twin_dir / ENDPOINTS_FILE).unlink(missing_ok=True)
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)
        self._threads.clear()
        if self._warehouse is not None:
            self._warehouse.close()
            self._warehouse = None
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
            _reset_moto()
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> LocalTwin:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _reset_moto() -> None:
    """moto's backends are global to the process and outlive its server: a later twin in the same
    process (the tests) must start from nothing, as a new process would."""
    from moto.backends import get_backend
    from moto.core.base_backend import BackendDict

    for service in ("kinesis", "firehose", "lambda", "cloudwatch", "sns", "s3", "kms", "iam"):
        backends: BackendDict[Any] = get_backend(service)
        backends.reset()


def connect_served(host: str, port: int, user: str, role: str, variables: SqlVariables) -> Any:
    """A Snowflake connector session to a served local warehouse (keys are not checked
    locally; the password is a placeholder)."""
    return snowflake.connector.connect(
        account="local",
        user=user,
        role=role,
        password="local",  # noqa: S106 - a placeholder: the local warehouse checks none
        warehouse=variables.warehouse,
        database=variables.database,
        host=host,
        port=port,
        protocol="http",
        login_timeout=10,
        network_timeout=60,
        session_parameters={"CLIENT_OUT_OF_BAND_TELEMETRY_ENABLED": False},
    )


@dataclass(frozen=True)
class RunningTwin:
    """A twin another process runs (``pos local twin``): its endpoints and its stack."""

    pid: int
    endpoint_url: str
    warehouse_address: tuple[str, int]
    stack: StackView


def running_twin(workdir: Path) -> RunningTwin | None:
    """The twin serving ``workdir``, if its process is alive."""
    twin_dir = workdir / "twin"
    try:
        data = json.loads((twin_dir / ENDPOINTS_FILE).read_text(encoding="utf-8"))
        os.kill(int(data["pid"]), 0)  # signal 0: is it alive?
        stack = StackView.load(twin_dir / "stack.json")
    except (OSError, ValueError, KeyError):
        return None
    return RunningTwin(
        int(data["pid"]), str(data["moto"]), (data["host"], int(data["port"])), stack
    )


def serve_twin(options: TwinOptions, on_ready: Any = print) -> int:
    """Run a twin until SIGINT or SIGTERM (``pos local twin``); returns the exit code."""
    from local.processes import exit_code, stop_on_signals

    interrupted = stop_on_signals()
    twin = LocalTwin(options)
    try:
        twin.start()
        host, port = twin.warehouse_address
        on_ready(f"Local twin up: AWS (moto) {twin.endpoint_url}, warehouse {host}:{port}")
        on_ready(f"pos verify --local --workdir {options.workdir} attaches to it (Ctrl-C to stop)")
        while True:
            twin.check_alive()
            twin.wait(1.0)
    except KeyboardInterrupt:
        return exit_code(interrupted)
    finally:
        interrupted.shield()
        twin.stop()
