"""Runs the local pipeline end to end and reconciles it.

Processes: moto's server and the producer (ledger first, then ``put_records``) each run in their
own child process by default (``local/kinesis.py``, ``local/pipeline/produce.py``), so they do not
share this interpreter's GIL; here run the Firehose worker and the warehouse's task loop as threads,
one more thread relays the producer's progress, and the caller's thread watches. The workdir lock
(``local/pipeline/lock.py``) is held by this process and the producer until both are gone.

A run is resumable: kill the process at any point and run the same command again. The restart
starts a new moto stream (the old one died with its server process), re-puts exactly the recorded
lines that never reached Bronze or the error output, continues the source where the ledger ends,
and the warehouse absorbs any copies.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import orjson

from lambdas.snowflake_migrations.scripts import SqlVariables
from lambdas.snowflake_monitor.health import HealthReport
from lambdas.transform.limits import BUFFER_INTERVAL_SECONDS, BUFFER_SIZE_MB
from local.firehose.buffer import MIB
from local.firehose.checkpoint import POSITIONS_FILE, CheckpointStore
from local.firehose.error_output import (
    PROCESSING_FAILED_PREFIX,
    SNOWFLAKE_FAILED_PREFIX,
    ErrorOutput,
    read_error_records,
)
from local.firehose.event import DeliveryStream
from local.firehose.invoke import Handler, TransformInvoker
from local.firehose.worker import FirehoseWorker, WorkerConfig
from local.kinesis import LOCAL_REGION, LocalKinesis
from local.pipeline.health import run_health
from local.pipeline.ledger import ProduceLedger, merge_positions, undelivered_lines
from local.pipeline.lock import WorkdirLock
from local.pipeline.produce import ProduceJob, PutProgress, produce, record_generator
from local.pipeline.state import RunState
from local.processes import child_env
from local.reconcile import Expected, KindExpected, Reconciliation, reconcile
from local.reconcile.queries import Connection, query
from local.resources import snowflake_scripts
from producer.generator import DUPLICATE, VALID
from producer.kinds import HANDLED_NOT_REJECTED
from producer.mix import POS_KIND, kind_of_label
from producer.records import ProducedRecord, read_json_lines

STREAM_BASE_NAME = "retail-pos-sales"
DELIVERY_STREAM_NAME = "retail-pos-to-snowflake"
LOCAL_ACCOUNT = "123456789012"
TRANSFORM_FUNCTION = "retail-pos-transform"
BRONZE_STREAM = "BRONZE.JSON_RAW_DATA_STREAM"


class Warehouse(Protocol):
    """What the run needs from ``local.warehouse.LocalWarehouse``."""

    def apply_migrations(self, scripts_dir: Path) -> Any: ...
    # Each reader connects as its principal: the health report as the monitor, the
    # reconciliation (an operator's check across every layer) as the local admin.
    def connect_as(self, principal: Any) -> Any: ...
    @property
    def principals(self) -> Any: ...
    def load_bronze(self, rows: Sequence[tuple[str, str]]) -> int: ...
    def run_until_idle(self) -> Any: ...
    def run_tasks_forever(self, stop_event: threading.Event, interval_s: float) -> Any: ...
    def stream_backlog(self, name: str) -> int: ...
    def close(self) -> None: ...


@dataclass(frozen=True)
class RunOptions:
    workdir: Path
    events: int | None = None
    duration_s: float | None = None
    rate: float | None = None
    bad_rate: float = 0.0
    duplicate_rate: float = 0.0
    seed: int = 0
    # --source-mix, canonical ("pos=60,clickstream=20,..."); None: sales only.
    source_mix: str | None = None
    base_time: datetime | None = None
    from_file: Path | None = None
    shards: int = 4
    buffer_size_bytes: int = BUFFER_SIZE_MB * MIB
    buffer_interval_s: float = BUFFER_INTERVAL_SECONDS
    task_interval_s: float = 0.25
    snowflake_dir: Path = field(default_factory=snowflake_scripts)
    fresh: bool = False
    # Where moto and the producer run (the benchmark compares both; see the module docstring).
    kinesis_in_process: bool = False
    producer_in_process: bool = False

    def params(self) -> dict[str, Any]:
        return {
            "events": self.events,
            "duration_s": self.duration_s,
            "rate": self.rate,
            "bad_rate": self.bad_rate,
            "duplicate_rate": self.duplicate_rate,
            "seed": self.seed,
            "source_mix": self.source_mix,
            "base_time": self.base_time.isoformat() if self.base_time else None,
            "from_file": str(self.from_file.resolve()) if self.from_file else None,
        }


@dataclass
class Progress:
    """What the CLI shows while the run goes (counts since the run began, across restarts)."""

    target: int | None = None
    produced: int = 0
    put: int = 0
    read: int = 0
    delivered: int = 0
    bronze_backlog: int = 0
    phase: str = "starting"


@dataclass
class RunResult:
    reconciliation: Reconciliation
    health: HealthReport
    workdir: Path
    incarnation: int
    timings: dict[str, float] = field(default_factory=dict)

    def report(self) -> dict[str, Any]:
        """What ``--report-json`` writes: the reconciliation, health, timings, incarnation."""
        report = self.reconciliation.as_dict()
        report["health"] = self.health.as_dict()
        report["timings"] = {key: round(value, 3) for key, value in self.timings.items()}
        report["incarnation"] = self.incarnation
        return report


def _expected(
    params: Mapping[str, Any], ledger: ProduceLedger
) -> tuple[Expected, set[str], set[str]] | None:
    """For generated runs: what Silver and REJECTED must hold. What each line was meant to be
    is regenerated from the seed; its bytes are the ledger's (sales stamped on the wall clock
    differ from a regeneration in their times only). One pass, nothing kept but ids."""
    if params["from_file"]:
        return None
    meant = record_generator(params)
    good = bad = duplicates = 0
    good_ids: set[str] = set()
    bad_ids: set[str] = set()
    bad_digests: set[bytes] = set()
    others: dict[str, KindTally] = {}
    for sent in itertools.islice(read_json_lines(ledger.events_path), ledger.recorded):
        label = meant.next_record().kind
        if kind_of_label(label) != POS_KIND:
            others.setdefault(kind_of_label(label), KindTally()).add(label, sent.data)
        elif label == VALID:
            good += 1
            good_ids.add(_transaction_id(sent) or "")
        elif label == DUPLICATE:
            duplicates += 1
        else:
            bad += 1
            bad_ids.add(_transaction_id(sent) or "")
            bad_digests.add(hashlib.sha256(sent.data).digest())
    expected = Expected(
        silver_transactions=good,
        # Identical bad bytes are one rejection; later copies are ignored like any resend.
        rejected_records=len(bad_digests),
        copies=duplicates,
        other_kinds={kind: tally.expected() for kind, tally in sorted(others.items())},
    )
    # A conflicting resend shares its id with an accepted sale: only the good id counts there.
    return expected, good_ids - {""}, bad_ids - {""}


@dataclass
class KindTally:
    """What one non-POS kind's produced records should leave: landed, rejected, copies."""

    landed: int = 0
    copies: int = 0
    bad_digests: set[bytes] = field(default_factory=set)

    def add(self, label: str, data: bytes) -> None:
        outcome = label.partition(":")[2]
        if outcome == VALID or label in HANDLED_NOT_REJECTED:
            self.landed += 1
        elif outcome == DUPLICATE:
            self.copies += 1
        else:
            self.bad_digests.add(hashlib.sha256(data).digest())

    def expected(self) -> KindExpected:
        return KindExpected(self.landed, len(self.bad_digests), self.copies)


def _transaction_id(record: ProducedRecord) -> str | None:
    try:
        document = orjson.loads(record.data)
    except orjson.JSONDecodeError:
        return None
    if isinstance(document, dict) and isinstance(document.get("transaction_id"), str):
        return str(document["transaction_id"])
    return None


class LocalPipeline:
    def __init__(
        self,
        options: RunOptions,
        warehouse_factory: Callable[[Path], Warehouse],
        handler: Handler,
        variables: SqlVariables | None = None,
    ) -> None:
        self.options = options
        self.variables = variables or SqlVariables()
        self.progress = Progress()
        self._warehouse_factory = warehouse_factory
        self._handler = handler
        self._producer_error: BaseException | None = None
        self._producer_child: subprocess.Popen[bytes] | None = None
        self._kinesis: LocalKinesis | None = None
        self._lock: WorkdirLock | None = None

    # -- layout -------------------------------------------------------------------------------

    @property
    def workdir(self) -> Path:
        return self.options.workdir

    def _checkpoint_dir(self, stream_name: str) -> Path:
        return self.workdir / "firehose" / "checkpoints" / stream_name

    def _error_root(self) -> Path:
        return self.workdir / "firehose" / "errors"

    # -- run ----------------------------------------------------------------------------------

    def run(self) -> RunResult:
        self.workdir.mkdir(parents=True, exist_ok=True)
        lock = WorkdirLock(self.workdir).acquire()
        try:
            return self._run_locked(lock)
        finally:
            lock.release()

    def _clear_workdir(self, keep: Path) -> None:
        for entry in self.workdir.iterdir():
            if entry == keep:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()

    def _run_locked(self, lock: WorkdirLock) -> RunResult:
        if self.options.fresh:
            self._clear_workdir(keep=lock.path)
        self._lock = lock
        params = self.options.params()
        state = RunState.load_or_create(self.workdir / "run.json", params)
        state.incarnations += 1
        state.save(self.workdir / "run.json")
        stream_name = f"{STREAM_BASE_NAME}-{state.incarnations:03d}"
        timings: dict[str, float] = {}
        warehouse = self._warehouse_factory(self.workdir / "warehouse")
        try:
            step = time.monotonic()
            warehouse.apply_migrations(self.options.snowflake_dir)
            timings["apply_migrations_s"] = time.monotonic() - step
            ledger = ProduceLedger(self.workdir / "producer")
            try:
                self._run_incarnation(state, stream_name, warehouse, ledger, timings)
                # Data-flow time (first put to last task run), summed over restarts.
                elapsed = timings["total_s"] + float(state.extra.get("elapsed_before_s", 0))
                state.finished = True
                state.extra["elapsed_before_s"] = elapsed
                state.save(self.workdir / "run.json")
                self.progress.phase = "reconciling"
                # On the warehouse already open: a second one would contend for its file lock.
                result, health = self._check(state, warehouse, ledger, elapsed, timings)
            finally:
                ledger.close()
        finally:
            warehouse.close()
        return RunResult(result, health, self.workdir, state.incarnations, timings)

    def reconcile_existing(self) -> RunResult:
        """The end-of-run checks on the workdir as it is now: nothing is produced, delivered or
        run (``python -m local reconcile``). The workdir must hold a run."""
        lock = WorkdirLock(self.workdir).acquire()
        try:
            state = RunState.load(self.workdir / "run.json")
            timings: dict[str, float] = {}
            warehouse = self._warehouse_factory(self.workdir / "warehouse")
            try:
                ledger = ProduceLedger(self.workdir / "producer")
                try:
                    elapsed = float(state.extra.get("elapsed_before_s", 0))
                    result, health = self._check(state, warehouse, ledger, elapsed, timings)
                finally:
                    ledger.close()
            finally:
                warehouse.close()
        finally:
            lock.release()
        return RunResult(result, health, self.workdir, state.incarnations, timings)

    def _check(
        self,
        state: RunState,
        warehouse: Warehouse,
        ledger: ProduceLedger,
        elapsed: float,
        timings: dict[str, float],
    ) -> tuple[Reconciliation, HealthReport]:
        step = time.monotonic()
        # The health figures as the monitor sees them: its user and read-only role.
        connection = warehouse.connect_as(warehouse.principals.monitor)
        try:
            health = run_health(connection, self.variables)
        finally:
            connection.close()
        timings["health_s"] = time.monotonic() - step
        step = time.monotonic()
        result = self._reconcile(state, warehouse, ledger, elapsed, health)
        timings["reconcile_s"] = time.monotonic() - step
        return result, health

    def _run_incarnation(
        self,
        state: RunState,
        stream_name: str,
        warehouse: Warehouse,
        ledger: ProduceLedger,
        timings: dict[str, float],
    ) -> None:
        connection = warehouse.connect_as(warehouse.principals.admin)
        resend = undelivered_lines(
            ledger.put_entries(), ledger.recorded, self._delivered_positions(connection)
        )
        self.progress.produced = ledger.recorded
        self.progress.put = ledger.recorded - len(resend)
        self.progress.delivered = self.progress.put
        if state.params["events"] is not None:
            self.progress.target = state.params["events"]
        kinesis = LocalKinesis(
            stream_name,
            self.options.shards,
            in_process=self.options.kinesis_in_process,
            consumed_positions=self._checkpoint_dir(stream_name) / POSITIONS_FILE,
        )
        self._kinesis = kinesis.start()
        job = ProduceJob(
            producer_dir=str(ledger.events_path.parent),
            stream_name=stream_name,
            endpoint_url=kinesis.endpoint_url,
            params=state.params,
            resend=resend,
            source_exhausted=state.source_exhausted,
        )
        try:
            worker = self._worker(kinesis, warehouse, ledger, stream_name)
            worker.open()
            stop_worker, stop_tasks = threading.Event(), threading.Event()
            covered: dict[str, str] = {}

            def drain_targets() -> Mapping[str, str]:
                return covered

            threads = [
                threading.Thread(
                    target=self._guard(lambda: worker.run(stop_worker, drain_targets)),
                    name="firehose",
                    daemon=True,
                ),
                threading.Thread(
                    target=self._guard(
                        lambda: warehouse.run_tasks_forever(
                            stop_tasks, self.options.task_interval_s
                        )
                    ),
                    name="tasks",
                    daemon=True,
                ),
            ]
            producer = threading.Thread(
                target=self._guard(
                    lambda: self._produce(job, kinesis, ledger, covered), on_error=ledger.fail
                ),
                name="producer",
                daemon=True,
            )
            for thread in [*threads, producer]:
                thread.start()
            step = time.monotonic()
            self.progress.phase = "producing"
            while producer.is_alive():
                self._observe(worker, warehouse)
                producer.join(0.25)
                self._raise_if_failed()
            timings["produce_s"] = time.monotonic() - step
            ledger.reload()
            state.source_exhausted = True
            state.save(self.workdir / "run.json")
            self.progress.phase = "delivering"
            stop_worker.set()
            while threads[0].is_alive():
                self._observe(worker, warehouse)
                threads[0].join(0.25)
                self._raise_if_failed()
            self.progress.phase = "processing"
            stop_tasks.set()
            threads[1].join()
            self._raise_if_failed()
            warehouse.run_until_idle()
            self._observe(worker, warehouse)
            timings["total_s"] = time.monotonic() - step
            timings.update(
                {f"firehose_{name}_s": value for name, value in worker.stats.seconds.items()}
            )
            timings["firehose_invocations"] = worker.stats.invocations
        finally:
            self.stop_children()

    def _guard(
        self, body: Callable[[], object], on_error: Callable[[BaseException], None] | None = None
    ) -> Callable[[], None]:
        def run() -> None:
            try:
                body()
            except BaseException as error:
                self._producer_error = self._producer_error or error
                if on_error is not None:
                    on_error(error)

        return run

    def _raise_if_failed(self) -> None:
        if self._producer_error is not None:
            raise RuntimeError("a pipeline thread failed") from self._producer_error

    def _observe(self, worker: FirehoseWorker, warehouse: Warehouse) -> None:
        self.progress.read = worker.stats.read
        self.progress.delivered = max(self.progress.delivered, worker.stats.delivered)
        try:
            self.progress.bronze_backlog = warehouse.stream_backlog(BRONZE_STREAM)
        except Exception:  # progress display only; never let it stop a run
            self.progress.bronze_backlog = -1

    def _worker(
        self, kinesis: LocalKinesis, warehouse: Warehouse, ledger: ProduceLedger, stream_name: str
    ) -> FirehoseWorker:
        lambda_arn = f"arn:aws:lambda:{LOCAL_REGION}:{LOCAL_ACCOUNT}:function:{TRANSFORM_FUNCTION}"
        delivery = DeliveryStream(
            name=DELIVERY_STREAM_NAME,
            arn=f"arn:aws:firehose:{LOCAL_REGION}:{LOCAL_ACCOUNT}:deliverystream/{DELIVERY_STREAM_NAME}",
            source_stream_arn=kinesis.stream_arn,
            region=LOCAL_REGION,
            lambda_arn=lambda_arn,
        )
        return FirehoseWorker(
            kinesis.client(),
            stream_name,
            delivery,
            warehouse,
            ErrorOutput(self._error_root(), DELIVERY_STREAM_NAME, lambda_arn),
            CheckpointStore(self._checkpoint_dir(stream_name)),
            TransformInvoker(self._handler, lambda_arn),
            WorkerConfig(
                buffer_size_bytes=self.options.buffer_size_bytes,
                buffer_interval_s=self.options.buffer_interval_s,
            ),
            delivery_gate=ledger.gate_for(stream_name),
        )

    # -- producing ----------------------------------------------------------------------------

    def _produce(
        self,
        job: ProduceJob,
        kinesis: LocalKinesis,
        ledger: ProduceLedger,
        covered: dict[str, str],
    ) -> None:
        def on_put(progress: PutProgress) -> None:
            for shard_id, sequence in progress.highest.items():
                if int(sequence) > int(covered.get(shard_id, "-1")):
                    covered[shard_id] = sequence
            self.progress.put += progress.put
            self.progress.produced = progress.produced

        if self.options.producer_in_process:
            produce(job, ledger, kinesis.client(), on_put)
            return
        assert self._lock is not None, "run() holds the workdir lock"
        child = subprocess.Popen(
            [sys.executable, "-m", "local.pipeline.produce"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            # The child shares the workdir lock until it is gone (see local/pipeline/lock.py).
            pass_fds=(self._lock.fd,),
            env=child_env(),
        )
        self._producer_child = child
        assert child.stdin is not None and child.stdout is not None
        child.stdin.write(job.to_json() + b"\n")
        child.stdin.flush()
        outcome: dict[str, Any] = {}
        for raw in child.stdout:
            message = orjson.loads(raw)
            if "highest" in message:
                progress = PutProgress(**message)
                # The child fsynced these put-log entries before printing them.
                ledger.note_covered(job.stream_name, progress.highest)
                on_put(progress)
            else:
                outcome.update(message)
        code = child.wait()
        if code != 0 or not outcome.get("done"):
            raise RuntimeError(
                f"the producer process failed (exit code {code}): {outcome.get('error')}"
            )

    def stop_children(self) -> None:
        """Stops the producer and moto's server processes, if running, and waits for them.

        The run's own clean-up, and what the CLI calls when the run is interrupted (SIGINT or
        SIGTERM); safe to call twice, from either thread."""
        self._stop_producer_child()
        kinesis, self._kinesis = self._kinesis, None
        if kinesis is not None:
            kinesis.stop()

    def _stop_producer_child(self) -> None:
        child, self._producer_child = self._producer_child, None
        if child is None:
            return
        if child.poll() is None and child.stdin is not None:
            child.stdin.close()  # its signal to stop at once
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        if child.stdin is not None and not child.stdin.closed:
            child.stdin.close()

    # -- resume and reconcile -----------------------------------------------------------------

    def _delivered_positions(self, connection: Connection) -> dict[tuple[str, str], int]:
        bronze = {
            (row["STREAM_NAME"], row["SHARD_ID"]): int(row["MAX_SEQUENCE"])
            for row in query(connection, "bronze_positions", self.variables)
        }
        checkpoints: dict[tuple[str, str], int] = {}
        root = self.workdir / "firehose" / "checkpoints"
        if root.exists():
            for stream_dir in root.iterdir():
                for shard, sequence in CheckpointStore(stream_dir).load_all().items():
                    checkpoints[(stream_dir.name, shard)] = int(sequence)
        return merge_positions(bronze, checkpoints)

    def _reconcile(
        self,
        state: RunState,
        warehouse: Warehouse,
        ledger: ProduceLedger,
        elapsed_s: float,
        health: HealthReport,
    ) -> Reconciliation:
        connection = warehouse.connect_as(warehouse.principals.admin)
        entries = ledger.put_entries()
        in_bronze = {
            (row["STREAM_NAME"], row["SHARD_ID"], str(row["SEQUENCE_NUMBER"]))
            for row in query(connection, "bronze_records", self.variables)
        }
        error_root = self._error_root()
        failed_raw = {
            record["rawData"] for record in read_error_records(error_root, PROCESSING_FAILED_PREFIX)
        }
        snowflake_failed = sum(1 for _ in read_error_records(error_root, SNOWFLAKE_FAILED_PREFIX))
        traced = {
            entry.line
            for entry in entries
            if (entry.stream, entry.shard_id, entry.sequence_number) in in_bronze
        }
        if failed_raw:
            for line, record in enumerate(ledger.records()):
                if base64.b64encode(record.data).decode() in failed_raw:
                    traced.add(line)
        if snowflake_failed:
            positions = self._delivered_positions(connection)
            traced |= {
                entry.line
                for entry in entries
                if int(entry.sequence_number) <= positions.get((entry.stream, entry.shard_id), -1)
            }
        expectations = _expected(state.params, ledger)
        # What Kinesis holds (the twin's IncomingRecords): every put to the live stream, and the
        # puts to an earlier stream that were delivered before its server process died; the
        # others died with that process and were put again to a later stream.
        live_stream = f"{STREAM_BASE_NAME}-{state.incarnations:03d}"
        delivered = self._delivered_positions(connection)
        kinesis_records = sum(
            1
            for entry in entries
            if entry.stream == live_stream
            or int(entry.sequence_number) <= delivered.get((entry.stream, entry.shard_id), -1)
        )
        return reconcile(
            connection,
            self.variables,
            produced=ledger.recorded,
            put_to_kinesis=len(entries),
            kinesis_records=kinesis_records,
            lost_lines=ledger.recorded - len(traced),
            error_records={
                PROCESSING_FAILED_PREFIX: sum(
                    1 for _ in read_error_records(error_root, PROCESSING_FAILED_PREFIX)
                ),
                SNOWFLAKE_FAILED_PREFIX: snowflake_failed,
            },
            health=health,
            elapsed_s=elapsed_s,
            expected=expectations[0] if expectations else None,
            generated_transactions=(expectations[1], expectations[2]) if expectations else None,
        )


def quiet_transform_logs() -> None:
    """The handler logs a line and an EMF blob per invocation; keep the CLI readable locally."""
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
