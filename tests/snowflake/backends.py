"""Where the Snowflake tests run: the local warehouse (default), or a real account.

The real-account tier (``make test-snowflake``) runs the same scenario, atomicity and grants tests
against Snowflake when these are set (otherwise every test of the tier is skipped, saying so):

- ``POS_TEST_SNOWFLAKE_ACCOUNT``: ``orgname-account`` (or the account URL);
- ``POS_TEST_SNOWFLAKE_USER``: a user holding ACCOUNTADMIN, who logs in with a key pair;
- ``POS_TEST_SNOWFLAKE_PRIVATE_KEY_FILE``: its PKCS#8 PEM key (passphrase, if any, in
  ``SNOWFLAKE_PRIVATE_KEY_FILE_PWD``).

Each run deploys into throwaway objects: a database, warehouses, roles, users and resource
monitors whose names carry a random run id, created by the admin bootstrap rendered with those
names, the migrations applied as the run's deploy user (key pairs generated for the run), and
all dropped at the end. Tests start from a clean state (``reset``): tasks suspended, tables
emptied, streams drained, inventory seeded again. Tasks are run with EXECUTE TASK, in dependency
order, waiting for each run in INFORMATION_SCHEMA.TASK_HISTORY.
"""

from __future__ import annotations

import base64
import os
import secrets
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from lambdas.snowflake_migrations.apply import apply_migrations
from lambdas.snowflake_migrations.bootstrap import AccountNames, bootstrap_statements
from lambdas.snowflake_migrations.connect import KeyPair, connect
from lambdas.snowflake_migrations.grants import require_executed
from lambdas.snowflake_migrations.scripts import ScriptKind, SqlVariables, discover
from local.warehouse import LocalWarehouse
from local.warehouse.access.principals import LocalPrincipals, Principal

SQL_DIR = Path(__file__).resolve().parents[2] / "snowflake"
BACKEND_VARIABLE = "POS_TEST_BACKEND"
SETTINGS = ("POS_TEST_SNOWFLAKE_ACCOUNT", "POS_TEST_SNOWFLAKE_USER",
            "POS_TEST_SNOWFLAKE_PRIVATE_KEY_FILE")  # fmt: skip
# Tasks in dependency order, with the streams each one's trigger watches (schema-qualified; the
# task runs when any has data).
TASKS = (
    ("SILVER.PROCESS_RAW_CDC_TASK", ("BRONZE.JSON_RAW_DATA_CDC_STREAM",)),
    ("SILVER.PROCESS_RAW_CLICKSTREAM_TASK", ("BRONZE.JSON_RAW_DATA_CLICKSTREAM_STREAM",)),
    ("SILVER.PROCESS_RAW_IOT_TASK", ("BRONZE.JSON_RAW_DATA_IOT_STREAM",)),
    ("SILVER.PROCESS_RAW_APP_LOG_TASK", ("BRONZE.JSON_RAW_DATA_APP_LOG_STREAM",)),
    ("SILVER.PROCESS_RAW_UNCLASSIFIED_TASK", ("BRONZE.JSON_RAW_DATA_UNCLASSIFIED_STREAM",)),
    ("SILVER.PROCESS_RAW_POS_TASK",
     ("BRONZE.JSON_RAW_DATA_STREAM", "SILVER.PROCESS_RAW_POS_CONTINUATION_STREAM")),
    ("SILVER.UPDATE_INVENTORY_TASK", ("SILVER.PROCESSED_FOR_INVENTORY_STREAM",)),
    ("GOLD.UPDATE_DAILY_SUMMARY_TASK", ("SILVER.PROCESSED_FOR_GOLD_STREAM",)),
)  # fmt: skip
TASK_RUN_TIMEOUT_S = 600


@dataclass(frozen=True)
class Run:
    name: str
    state: str
    error: str | None = None


def real_account_requested() -> bool:
    return os.environ.get(BACKEND_VARIABLE) == "snowflake"


def skip_without_credentials() -> None:
    missing = [name for name in SETTINGS if not os.environ.get(name)]
    if missing:
        pytest.skip(
            "real-account tier: set " + ", ".join(missing) + " (a key-pair user holding "
            "ACCOUNTADMIN) to run these tests against Snowflake; see tests/snowflake/backends.py"
        )


def local_only(reason: str) -> None:
    if real_account_requested():
        pytest.skip(f"local warehouse only: {reason}")


class LocalBackend:
    """The local warehouse, inspected as its local admin."""

    def __init__(self, warehouse: LocalWarehouse) -> None:
        self.warehouse = warehouse
        self.principals = warehouse.principals
        self.variables = warehouse.variables

    def connect_as(self, principal: Principal) -> Any:
        return self.warehouse.connect_as(principal)

    def load_bronze(self, rows: Sequence[tuple[str, str]]) -> None:
        self.warehouse.load_bronze(rows)

    def run_until_idle(self) -> list[Run]:
        return [Run(r.name, r.state, r.error) for r in self.warehouse.run_until_idle()]

    def stream_backlog(self, stream: str) -> int:
        return self.warehouse.stream_backlog(stream)

    @contextmanager
    def fail_statement(self, procedure: str, statement: int) -> Iterator[None]:
        with self.warehouse.fail_statement(procedure, statement):
            yield

    def close(self) -> None:
        self.warehouse.close()


@dataclass
class AccountSettings:
    account: str
    user: str
    key_file: Path
    passphrase: str | None = field(default=None, repr=False)

    @classmethod
    def from_environment(cls) -> AccountSettings:
        return cls(
            os.environ["POS_TEST_SNOWFLAKE_ACCOUNT"],
            os.environ["POS_TEST_SNOWFLAKE_USER"],
            Path(os.environ["POS_TEST_SNOWFLAKE_PRIVATE_KEY_FILE"]),
            os.environ.get("SNOWFLAKE_PRIVATE_KEY_FILE_PWD"),
        )


def _key_pair(user: str) -> tuple[KeyPair, str]:
    """A fresh RSA 2048 key for a service user: the KeyPair and the public key body to register."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return KeyPair(user, der), base64.b64encode(public).decode("ascii")


class SnowflakeAccountBackend:
    """One throwaway deployment in a real account (see the module docstring)."""

    def __init__(self, settings: AccountSettings) -> None:
        self.settings = settings
        prefix = f"POS_T{secrets.token_hex(3).upper()}_"
        self.prefix = prefix
        self.variables = SqlVariables(
            database=f"{prefix}DB",
            warehouse=f"{prefix}WH",
            task_warehouse=f"{prefix}WH",
            ingest_role=f"{prefix}INGEST",
            transform_role=f"{prefix}TRANSFORM",
            dashboard_role=f"{prefix}DASHBOARD",
            monitor_role=f"{prefix}MONITOR",
            firehose_user=f"{prefix}FIREHOSE",
        )
        self.names = AccountNames(
            deploy_role=f"{prefix}DEPLOY",
            deploy_user=f"{prefix}DEPLOY",
            monitor_user=f"{prefix}MONITOR_SVC",
            dashboard_user=f"{prefix}DASHBOARD_SVC",
            dashboard_warehouse=f"{prefix}DASHBOARD_WH",
            pipeline_monitor=f"{prefix}PIPELINE_MONITOR",
            dashboard_monitor=f"{prefix}DASHBOARD_MONITOR",
            pipeline_daily_credits=2,
            dashboard_daily_credits=1,
        )
        local = LocalPrincipals.of(self.variables, self.names)
        v, n = self.variables, self.names
        self.principals = LocalPrincipals(
            admin=Principal(settings.user, "ACCOUNTADMIN", v.warehouse),
            deploy=local.deploy,
            firehose=Principal(v.firehose_user, v.ingest_role, None),
            dashboard=Principal(n.dashboard_user, v.dashboard_role, n.dashboard_warehouse),
            monitor=Principal(n.monitor_user, v.monitor_role, v.warehouse),
        )
        self._keys: dict[str, KeyPair] = {}
        self._admin_key = KeyPair.from_pem(
            settings.user, settings.key_file.read_bytes(), settings.passphrase
        )

    # deployment -------------------------------------------------------------------------------
    def deploy(self) -> None:
        admin = self._connect(self._admin_key, "ACCOUNTADMIN", None)
        try:
            cursor = admin.cursor()
            for statement in bootstrap_statements(SQL_DIR, self.variables, self.names):
                cursor.execute(statement)
                require_executed(statement, cursor)
            for user in (self.names.deploy_user, self.variables.firehose_user,
                         self.names.dashboard_user, self.names.monitor_user):  # fmt: skip
                self.register_key(cursor, user)
        finally:
            admin.close()
        deploy = self.connect_as(self.principals.deploy)
        try:
            apply_migrations(deploy, SQL_DIR, self.variables)
            self._suspend_tasks(deploy.cursor())
        finally:
            deploy.close()

    def register_key(self, cursor: Any, user: str) -> None:
        key_pair, public = _key_pair(user)
        cursor.execute(f"ALTER USER {user} SET RSA_PUBLIC_KEY = %s", (public,))
        self._keys[user] = key_pair

    def add_user(self, base: str, role: str) -> Principal:
        """A service user of this run holding ``role`` (dropped with the run)."""
        user = f"{self.prefix}{base}"
        admin = self.connect_as(self.principals.admin)
        try:
            cursor = admin.cursor()
            cursor.execute(f"CREATE USER {user} TYPE = SERVICE DEFAULT_ROLE = {role}")
            cursor.execute(f"GRANT ROLE {role} TO USER {user}")
            self.register_key(cursor, user)
        finally:
            admin.close()
        return Principal(user, role, self.variables.warehouse)

    def _suspend_tasks(self, cursor: Any) -> None:
        for task, _ in TASKS:
            cursor.execute(f"ALTER TASK {self.variables.database}.{task} SUSPEND")

    def close(self) -> None:
        """Drop everything named with this run's prefix (the database first: its tasks go with
        it), including what tests created under it."""
        admin = self._connect(self._admin_key, "ACCOUNTADMIN", None)
        try:
            cursor = admin.cursor()
            for kind in ("DATABASES", "USERS", "ROLES", "WAREHOUSES", "RESOURCE MONITORS"):
                cursor.execute(f"SHOW {kind} LIKE '{self.prefix}%'")
                names = [str(row[1]) for row in cursor.fetchall()]
                for name in names:
                    cursor.execute(f"DROP {kind.removesuffix('S')} IF EXISTS {name}")
        finally:
            admin.close()

    # connections ------------------------------------------------------------------------------
    def _connect(self, key_pair: KeyPair, role: str, warehouse: str | None) -> Any:
        return connect(
            account=self.settings.account,
            key_pair=key_pair,
            role=role,
            warehouse=warehouse,
            database=self.variables.database,
            application="retail-pos-pipeline-tests",
        )

    def connect_as(self, principal: Principal) -> Any:
        key_pair = (
            self._admin_key if principal.user == self.settings.user else self._keys[principal.user]
        )
        return self._connect(key_pair, principal.role or "PUBLIC", principal.warehouse)

    # the pipeline -----------------------------------------------------------------------------
    def reset(self) -> None:
        """A clean state for the next test: tables emptied, streams drained, inventory seeded."""
        database = self.variables.database
        deploy = self.connect_as(self.principals.deploy)
        try:
            cursor = deploy.cursor()
            self._suspend_tasks(cursor)
            for table in (
                "BRONZE.JSON_RAW_DATA", "SILVER.RETAIL_POS_PROCESSED", "SILVER.RETAIL_POS_REJECTED",
                "SILVER.INVENTORY", "SILVER.PROCESS_RAW_POS_WORK_RECORD",
                "SILVER.PROCESS_RAW_POS_WORK_LINE", "SILVER.PROCESS_RAW_POS_WORK_FAILURE",
                "SILVER.PROCESS_RAW_POS_WORK_DECISION", "SILVER.RETAIL_POS_TRANSACTION_KEY",
                "SILVER.PROCESS_RAW_POS_QUEUE", "SILVER.PROCESS_RAW_POS_CONTINUATION",
                "GOLD.DAILY_SALES_SUMMARY", "OPS.PIPELINE_RUN_LOG",
            ):  # fmt: skip
                cursor.execute(f"DELETE FROM {database}.{table}")
            for stream in (stream for _, streams in TASKS for stream in streams):
                # A DML reading a stream consumes all of it, even when it selects nothing.
                cursor.execute(
                    f"CREATE OR REPLACE TEMPORARY TABLE {database}.OPS.TEST_DRAIN AS "
                    f"SELECT * FROM {database}.{stream} WHERE 1 = 0"
                )
            for script in discover(SQL_DIR, self.variables):
                if script.kind is ScriptKind.ALWAYS and "seed_inventory" in script.name:
                    for statement in script.statements():
                        cursor.execute(statement)
        finally:
            deploy.close()

    def load_bronze(self, rows: Sequence[tuple[str, str]]) -> None:
        """Firehose writes Bronze through Snowpipe Streaming, which needs no warehouse; a test
        writes with SQL, which does, so it loads as the deploy role (Bronze's owner). The ingest
        role's INSERT is what the grants tests check."""
        if not rows:
            return
        database = self.variables.database
        values = ", ".join("(%s, %s)" for _ in rows)
        deploy = self.connect_as(self.principals.deploy)
        try:
            deploy.cursor().execute(
                f"INSERT INTO {database}.BRONZE.JSON_RAW_DATA (RECORD_CONTENT, RECORD_METADATA) "
                f"SELECT PARSE_JSON(COLUMN1), PARSE_JSON(COLUMN2) FROM VALUES {values}",
                [value for row in rows for value in row],
            )
        finally:
            deploy.close()

    def run_until_idle(self, max_rounds: int = 5) -> list[Run]:
        """EXECUTE TASK for each task whose stream has data, in dependency order, each waited
        for; rounds until none has data."""
        database = self.variables.database
        runs: list[Run] = []
        deploy = self.connect_as(self.principals.deploy)
        try:
            cursor = deploy.cursor()
            for _ in range(max_rounds):
                ran = False
                for task, streams in TASKS:
                    has_data = " OR ".join(
                        f"SYSTEM$STREAM_HAS_DATA('{database}.{stream}')" for stream in streams
                    )
                    cursor.execute(f"SELECT {has_data}")
                    if not cursor.fetchone()[0]:
                        continue
                    started = datetime.now(UTC)
                    cursor.execute(f"EXECUTE TASK {database}.{task}")
                    runs.append(self._wait_for_run(cursor, task, started))
                    ran = True
                if not ran:
                    break
        finally:
            deploy.close()
        return runs

    def _wait_for_run(self, cursor: Any, task: str, started: datetime) -> Run:
        schema, name = task.split(".")
        deadline = time.monotonic() + TASK_RUN_TIMEOUT_S
        while time.monotonic() < deadline:
            cursor.execute(
                f"SELECT STATE, ERROR_MESSAGE FROM TABLE({self.variables.database}."
                "INFORMATION_SCHEMA.TASK_HISTORY(TASK_NAME => %s, "
                "SCHEDULED_TIME_RANGE_START => %s::TIMESTAMP_LTZ)) "
                "WHERE SCHEMA_NAME = %s ORDER BY SCHEDULED_TIME DESC LIMIT 1",
                (name, started.isoformat(), schema),
            )
            row = cursor.fetchone()
            if row is not None and row[0] in ("SUCCEEDED", "FAILED", "CANCELLED", "SKIPPED"):
                return Run(f"{self.variables.database}.{task}", str(row[0]), row[1])
            time.sleep(2)  # polling a remote run's state; the outcome is read, never assumed
        return Run(
            f"{self.variables.database}.{task}", "TIMED_OUT", f"no result in {TASK_RUN_TIMEOUT_S} s"
        )

    def stream_backlog(self, stream: str) -> int:
        """Rows waiting in a stream (a SELECT never consumes it)."""
        admin = self.connect_as(self.principals.admin)
        try:
            cursor = admin.cursor()
            cursor.execute(f"SELECT COUNT(*) FROM {self.variables.database}.{stream}")
            return int(cursor.fetchone()[0])
        finally:
            admin.close()

    @contextmanager
    def fail_statement(self, procedure: str, statement: int) -> Iterator[None]:
        pytest.skip("failure injection at a statement needs the local warehouse")
        yield  # pragma: no cover
