"""Each role holds exactly the privilege matrix (snowflake/admin/privileges.toml), can do what it
lists and is refused everything else, with Snowflake's errors.

The warehouse is deployed the production way (bootstrap as ACCOUNTADMIN, migrations as the deploy
user); every probe logs in as the role's own service user (the transform role has none: tasks run
as it, so a probe user is granted it).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from snowflake.connector.errors import Error, ProgrammingError

from lambdas.snowflake_migrations.privileges import (
    ExpectedGrant,
    PrivilegeMatrix,
    future_from_show,
    grants_from_show,
    load_matrix,
    roles_from_show,
)
from local.warehouse import LocalWarehouse
from local.warehouse.access.principals import Principal
from tests.access.conftest import SQL_DIR
from tests.snowflake.backends import local_only
from tests.snowflake.bronze import bronze_rows, sale

# Outcomes of a probe: past access control (the statement ran, or stopped only for want of a
# warehouse, which is not a privilege), or refused by it.
ALLOWED, REFUSED = "allowed", "refused"
NO_WAREHOUSE = 606
TRANSFORM_PROBE = "TRANSFORM_PROBE"


@pytest.fixture
def matrix(deployed: Any) -> PrivilegeMatrix:
    return load_matrix(SQL_DIR, deployed.variables, deployed.names)


PROBE_ARGUMENTS = {"REDRIVE_REJECTED": "'UNKNOWN_PRODUCT', NULL, 'NO-SUCH-TRANSACTION'"}


def outcome(warehouse: Any, principal: Principal, sql: str) -> tuple[str, str]:
    connection = warehouse.connect_as(principal)
    try:
        connection.cursor().execute(sql)
        return ALLOWED, ""
    except ProgrammingError as error:
        if error.errno == NO_WAREHOUSE:
            return ALLOWED, "no warehouse"
        if error.errno in (2003, 3001):
            return REFUSED, str(error.msg)
        raise
    finally:
        connection.close()


def effective(matrix: PrivilegeMatrix, role_key: str) -> set[ExpectedGrant]:
    """The role's grants and those of every role granted to it (USAGE ON ROLE)."""
    by_name = {entry.role: entry for entry in matrix.roles.values()}
    grants: set[ExpectedGrant] = set()
    pending = [matrix.role(role_key).role]
    while pending:
        entry = by_name.get(pending.pop())
        if entry is None:
            continue
        for grant in entry.grants:
            if grant not in grants:
                grants.add(grant)
                if grant.kind == "ROLE" and grant.privilege == "USAGE":
                    pending.append(grant.name)
    return grants


def holds(grants: set[ExpectedGrant], privilege: str, kind: str, name: str) -> bool:
    return bool(
        {ExpectedGrant(privilege, kind, name), ExpectedGrant("OWNERSHIP", kind, name)} & grants
    )


def sees(grants: set[ExpectedGrant], kind: str, name: str) -> bool:
    return any(grant.kind == kind and grant.name == name for grant in grants)


def in_containers(grants: set[ExpectedGrant], name: str) -> bool:
    database, schema, _ = name.split(".")
    return sees(grants, "DATABASE", database) and sees(grants, "SCHEMA", f"{database}.{schema}")


@dataclass(frozen=True)
class Probe:
    action: str
    sql: str
    expected: bool


def probes(warehouse: Any, matrix: PrivilegeMatrix, role_key: str) -> Iterator[Probe]:
    grants = effective(matrix, role_key)
    owned = matrix.role("deploy").grants | matrix.role("transform").grants
    objects = sorted(g for g in owned if g.privilege == "OWNERSHIP")
    admin = warehouse.connect_as(warehouse.principals.admin).cursor()
    for grant in objects:
        kind, name = grant.kind, grant.name
        if kind == "TABLE":
            admin.execute(f"SELECT * FROM {name} LIMIT 0")
            column = admin.description[0][0]
            ok = in_containers(grants, name)
            yield Probe(
                f"SELECT {name}",
                f"SELECT COUNT(*) FROM {name}",
                ok and holds(grants, "SELECT", kind, name),
            )
            yield Probe(
                f"INSERT {name}",
                f"INSERT INTO {name} ({column}) SELECT NULL WHERE 1 = 0",
                ok and holds(grants, "INSERT", kind, name),
            )
            yield Probe(
                f"UPDATE {name}",
                f"UPDATE {name} SET {column} = NULL WHERE 1 = 0",
                ok and holds(grants, "UPDATE", kind, name),
            )
            yield Probe(
                f"DELETE {name}",
                f"DELETE FROM {name} WHERE 1 = 0",
                ok and holds(grants, "DELETE", kind, name),
            )
        elif kind in ("VIEW", "STREAM"):
            expected = in_containers(grants, name) and holds(grants, "SELECT", kind, name)
            if kind == "STREAM":  # querying a stream also needs SELECT on its source table
                source = {
                    "JSON_RAW_DATA_STREAM": "BRONZE.JSON_RAW_DATA",
                    "PROCESSED_FOR_INVENTORY_STREAM": "SILVER.RETAIL_POS_PROCESSED",
                    "PROCESSED_FOR_GOLD_STREAM": "SILVER.RETAIL_POS_PROCESSED",
                    "PROCESS_RAW_POS_CONTINUATION_STREAM": "SILVER.PROCESS_RAW_POS_CONTINUATION",
                    "RETAIL_POS_REDRIVE_STREAM": "SILVER.RETAIL_POS_REDRIVE",
                    "DIM_STORE_REDRIVE_STREAM": "SILVER.DIM_STORE",
                    "DIM_PRODUCT_REDRIVE_STREAM": "SILVER.DIM_PRODUCT",
                    "DIM_PAYMENT_METHOD_REDRIVE_STREAM": "SILVER.DIM_PAYMENT_METHOD",
                    # The other kinds' streams on Bronze.
                    **{
                        f"JSON_RAW_DATA_{kind}_STREAM": "BRONZE.JSON_RAW_DATA"
                        for kind in ("CLICKSTREAM", "IOT", "APP_LOG", "CDC", "UNCLASSIFIED")
                    },
                }[name.rsplit(".", 1)[1]]
                database = name.split(".")[0]
                expected = expected and holds(grants, "SELECT", "TABLE", f"{database}.{source}")
            yield Probe(f"SELECT {name}", f"SELECT COUNT(*) FROM {name}", expected)
        elif kind == "PROCEDURE":
            yield Probe(
                f"CALL {name}",
                # A procedure that takes arguments gets ones that select nothing to change.
                f"CALL {name}({PROBE_ARGUMENTS.get(name.rsplit('.', 1)[1], '')})",
                in_containers(grants, name) and holds(grants, "USAGE", kind, name),
            )
        elif kind == "TASK":
            yield Probe(
                f"EXECUTE TASK {name}",
                f"EXECUTE TASK {name}",
                in_containers(grants, name) and holds(grants, "OPERATE", kind, name),
            )
        elif kind == "SCHEMA":
            yield Probe(
                f"CREATE TABLE in {name}",
                f"CREATE TABLE {name}.PROBE_{role_key.upper()} (A INT)",
                sees(grants, "DATABASE", name.split(".")[0])
                and holds(grants, "CREATE TABLE", kind, name),
            )
    # Named after the deployment's database: a real account's run drops what carries its prefix.
    probe = f"{warehouse.variables.database}_PROBE_{role_key.upper()}"
    for privilege, sql in (
        ("CREATE ROLE", f"CREATE ROLE {probe}_ROLE"),
        ("CREATE USER", f"CREATE USER {probe}_USER"),
        ("CREATE DATABASE", f"CREATE DATABASE {probe}_DB"),
        ("CREATE WAREHOUSE", f"CREATE WAREHOUSE {probe}_WH"),
    ):
        yield Probe(privilege, sql, ExpectedGrant(privilege, "ACCOUNT", "") in grants)


def principal_for(warehouse: Any, matrix: PrivilegeMatrix, role_key: str) -> Principal:
    principals = warehouse.principals
    if role_key == "transform":
        return transform_probe(warehouse, matrix)
    return {
        "deploy": principals.deploy,
        "ingest": principals.firehose,
        "dashboard": principals.dashboard,
        "monitor": principals.monitor,
    }[role_key]


def transform_probe(warehouse: Any, matrix: PrivilegeMatrix) -> Principal:
    """A user holding the transform role (it has none of its own: tasks run as it)."""
    role = matrix.role("transform").role
    if not isinstance(warehouse, LocalWarehouse):
        return warehouse.add_user(TRANSFORM_PROBE, role)  # type: ignore[no-any-return]
    admin = warehouse.connect_as(warehouse.principals.admin).cursor()
    admin.execute(f"CREATE USER {TRANSFORM_PROBE} TYPE = SERVICE DEFAULT_ROLE = {role}")
    admin.execute(f"GRANT ROLE {role} TO USER {TRANSFORM_PROBE}")
    return Principal(TRANSFORM_PROBE, None, warehouse.variables.warehouse)


def test_the_deployed_grants_are_the_matrix(deployed: Any, matrix: PrivilegeMatrix) -> None:
    """SHOW GRANTS TO ROLE / TO USER / FUTURE GRANTS answer exactly the matrix, as `pos verify`
    compares a deployed account with it."""
    admin = deployed.connect_as(deployed.principals.admin).cursor()
    for entry in matrix.roles.values():
        admin.execute(f"SHOW GRANTS TO ROLE {entry.role}")
        shown = grants_from_show(admin.fetchall())
        assert sorted(map(str, shown - entry.grants)) == [], f"{entry.role}: not in the matrix"
        assert sorted(map(str, entry.grants - shown)) == [], f"{entry.role}: missing"
        for user in entry.users:
            admin.execute(f"SHOW GRANTS TO USER {user}")
            assert roles_from_show(admin.fetchall()) == {entry.role}, user
    future = set()
    for schema in ("BRONZE", "SILVER", "GOLD", "OPS"):
        admin.execute(f"SHOW FUTURE GRANTS IN SCHEMA {deployed.variables.database}.{schema}")
        future |= future_from_show(admin.fetchall())
    assert future == matrix.future


@pytest.mark.parametrize("role_key", ["ingest", "transform", "dashboard", "monitor", "deploy"])
def test_each_role_can_do_what_the_matrix_grants_and_nothing_else(
    deployed: Any, matrix: PrivilegeMatrix, role_key: str
) -> None:
    principal = principal_for(deployed, matrix, role_key)
    wrong = []
    checked = 0
    for probe in probes(deployed, matrix, role_key):
        result, detail = outcome(deployed, principal, probe.sql)
        checked += 1
        if (result == ALLOWED) != probe.expected:
            wrong.append(
                f"{probe.action}: {result} ({detail}), expected "
                f"{ALLOWED if probe.expected else REFUSED}"
            )
    assert wrong == []
    assert checked > 60  # every table, stream, view, procedure, task, schema and the account


def test_dashboard_reads_gold_and_may_not_write_it(deployed: Any) -> None:
    dashboard = deployed.connect_as(deployed.principals.dashboard).cursor()
    dashboard.execute("SELECT COUNT(*) FROM GOLD.DAILY_SALES_SUMMARY")
    assert dashboard.fetchone() == (0,)
    with pytest.raises(ProgrammingError) as refused:
        dashboard.execute("DELETE FROM GOLD.DAILY_SALES_SUMMARY")
    assert (refused.value.errno, refused.value.sqlstate) == (3001, "42501")
    assert "Insufficient privileges to operate on table 'DAILY_SALES_SUMMARY'" in refused.value.msg


def test_ingest_loads_bronze_and_may_not_read_silver_or_even_bronze(
    deployed: Any,
) -> None:
    assert deployed.load_bronze(bronze_rows([sale("T1")])) == 1  # as the Firehose user
    firehose = deployed.connect_as(deployed.principals.firehose).cursor()
    with pytest.raises(ProgrammingError) as silver:
        firehose.execute("SELECT * FROM SILVER.RETAIL_POS_PROCESSED")
    assert silver.value.errno == 2003
    database = deployed.variables.database
    assert f"Schema '{database}.SILVER' does not exist or not authorized." in silver.value.msg
    with pytest.raises(ProgrammingError) as bronze:
        firehose.execute("SELECT * FROM BRONZE.JSON_RAW_DATA")
    assert bronze.value.errno == 3001  # it sees the table (INSERT) but may not read it


def test_monitor_reads_health_and_writes_nothing(deployed: Any) -> None:
    monitor = deployed.connect_as(deployed.principals.monitor).cursor()
    monitor.execute("SELECT COUNT(*) FROM BRONZE.JSON_RAW_DATA_STREAM")  # never consumes
    if isinstance(deployed, LocalWarehouse):  # the local INFORMATION_SCHEMA.TASK_HISTORY
        monitor.execute(f"SELECT COUNT(*) FROM {deployed.variables.database}._LOCAL.TASK_HISTORY")
    for sql in (
        "INSERT INTO OPS.PIPELINE_RUN_LOG (RUN_ID) SELECT NULL WHERE 1 = 0",
        "DELETE FROM SILVER.RETAIL_POS_REJECTED WHERE 1 = 0",
        "ALTER TASK SILVER.PROCESS_RAW_POS_TASK SUSPEND",
    ):
        with pytest.raises(ProgrammingError) as refused:
            monitor.execute(sql)
        assert refused.value.errno == 3001, sql


def test_transform_cannot_create_roles_or_grant(deployed: Any, matrix: PrivilegeMatrix) -> None:
    transform = deployed.connect_as(transform_probe(deployed, matrix)).cursor()
    with pytest.raises(ProgrammingError) as refused:
        transform.execute(f"CREATE ROLE {deployed.variables.database}_ANOTHER_ROLE")
    assert (refused.value.errno, refused.value.sqlstate) == (3001, "42501")
    # It owns the tasks, but they are in managed access schemas: only the schema owner grants.
    transform.execute(
        f"GRANT OPERATE ON TASK SILVER.PROCESS_RAW_POS_TASK TO ROLE {matrix.role('dashboard').role}"
    )
    assert transform.fetchone() == ("Grant not executed: Insufficient privileges.",)


def test_logins_are_refused_as_snowflake_refuses_them(deployed: Any) -> None:
    local_only("logs in without a key (keys are not checked locally)")
    with pytest.raises(Error) as unknown:
        deployed.connect(user="NOBODY")
    assert unknown.value.errno == 390100
    with pytest.raises(Error) as not_granted:
        deployed.connect(user=deployed.principals.dashboard.user, role="POS_TRANSFORM")
    assert not_granted.value.errno == 390189
    assert "Role 'POS_TRANSFORM' specified in the connect string is not granted" in str(
        not_granted.value
    )


def test_a_default_role_that_is_missing_leaves_public(tmp_path: Path) -> None:
    """Before V21 grants the ingest role, the Firehose user has nothing: its inserts fail."""
    local_only("builds its own warehouse")
    with LocalWarehouse(tmp_path / "fresh") as warehouse:
        warehouse.bootstrap(SQL_DIR)
        with pytest.raises(Error):
            warehouse.load_bronze(bronze_rows([sale("T1")]))
