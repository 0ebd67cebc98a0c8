"""The access model's rules, each on a small account built for it: the documented behaviour, and
Snowflake's answer when a role may not do something (docs/local_warehouse.md, access table)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from snowflake.connector.errors import ProgrammingError

from local.warehouse import LocalWarehouse
from local.warehouse.access.principals import Principal
from local.warehouse.connection import RunnerCursor

OWNER, READER, OTHER = "OWNER_ROLE", "READER_ROLE", "OTHER_ROLE"


@pytest.fixture
def account(tmp_path: Path) -> Iterator[LocalWarehouse]:
    """DB.STANDARD (a standard schema) and DB.MANAGED (managed access), both owned by OWNER_ROLE,
    which is granted to SYSADMIN; users OWNER_USER, READER_USER, OTHER_USER with one role each."""
    warehouse = LocalWarehouse(tmp_path / "account")
    admin = cursor(warehouse, warehouse.principals.admin)
    for statement in (
        "CREATE WAREHOUSE WH",
        "CREATE DATABASE DB",
        "CREATE SCHEMA DB.STANDARD",
        "CREATE SCHEMA DB.MANAGED WITH MANAGED ACCESS",
        *(f"CREATE ROLE {role}" for role in (OWNER, READER, OTHER)),
        f"GRANT ROLE {OWNER} TO ROLE SYSADMIN",
        *(f"CREATE USER {role.removesuffix('_ROLE')}_USER DEFAULT_ROLE = {role} "
          f"DEFAULT_WAREHOUSE = WH" for role in (OWNER, READER, OTHER)),
        *(f"GRANT ROLE {role} TO USER {role.removesuffix('_ROLE')}_USER"
          for role in (OWNER, READER, OTHER)),
        *(f"GRANT USAGE ON WAREHOUSE WH TO ROLE {role}" for role in (OWNER, READER, OTHER)),
        f"GRANT OWNERSHIP ON DATABASE DB TO ROLE {OWNER} COPY CURRENT GRANTS",
        f"GRANT OWNERSHIP ON SCHEMA DB.STANDARD TO ROLE {OWNER} COPY CURRENT GRANTS",
        f"GRANT OWNERSHIP ON SCHEMA DB.MANAGED TO ROLE {OWNER} COPY CURRENT GRANTS",
    ):  # fmt: skip
        admin.execute(statement)
    owner = cursor(warehouse, user("OWNER"))
    owner.execute("CREATE TABLE DB.STANDARD.T (A INT)")
    owner.execute("INSERT INTO DB.STANDARD.T SELECT 1")
    owner.execute("CREATE TABLE DB.MANAGED.T (A INT)")
    yield warehouse
    warehouse.close()


def user(name: str) -> Principal:
    return Principal(f"{name}_USER")


def cursor(warehouse: LocalWarehouse, principal: Principal) -> RunnerCursor:
    return warehouse.connect_as(principal, "DB").cursor()


def refused(cur: RunnerCursor, sql: str) -> ProgrammingError:
    with pytest.raises(ProgrammingError) as error:
        cur.execute(sql)
    return error.value


def status(cur: RunnerCursor, sql: str) -> str:
    cur.execute(sql)
    return str(cur.fetchone()[0])


# Ownership, hierarchy, the two errors -----------------------------------------------------------
def test_the_creating_role_owns_and_a_role_without_privileges_sees_nothing(
    account: LocalWarehouse,
) -> None:
    reader = cursor(account, user("READER"))
    error = refused(reader, "SELECT * FROM DB.STANDARD.T")
    assert (error.errno, error.sqlstate) == (2003, "02000")
    assert error.msg.endswith("Database 'DB' does not exist or not authorized.")
    owner = cursor(account, user("OWNER"))
    owner.execute("SHOW GRANTS ON TABLE DB.STANDARD.T")
    assert [(row[1], row[5]) for row in owner.fetchall()] == [("OWNERSHIP", OWNER)]


def test_usage_on_the_containers_then_select_then_3001_for_other_actions(
    account: LocalWarehouse,
) -> None:
    owner = cursor(account, user("OWNER"))
    reader = cursor(account, user("READER"))
    owner.execute(f"GRANT USAGE ON DATABASE DB TO ROLE {READER}")
    assert refused(reader, "SELECT * FROM DB.STANDARD.T").msg.endswith(
        "Schema 'DB.STANDARD' does not exist or not authorized."
    )
    owner.execute(f"GRANT USAGE ON SCHEMA DB.STANDARD TO ROLE {READER}")
    assert refused(reader, "SELECT * FROM DB.STANDARD.T").errno == 2003  # no privilege on T
    owner.execute(f"GRANT SELECT ON TABLE DB.STANDARD.T TO ROLE {READER}")
    reader.execute("SELECT A FROM DB.STANDARD.T")
    assert reader.fetchall() == [(1,)]
    error = refused(reader, "INSERT INTO DB.STANDARD.T SELECT 2")
    assert (error.errno, error.sqlstate) == (3001, "42501")
    assert str(error) == (
        "003001 (42501): SQL access control error:\n"
        "Insufficient privileges to operate on table 'T'."
    )


def test_privileges_flow_up_the_role_hierarchy(account: LocalWarehouse) -> None:
    """OWNER_ROLE is granted to SYSADMIN, and SYSADMIN to ACCOUNTADMIN: the admin reads T."""
    admin = cursor(account, account.principals.admin)
    admin.execute("USE WAREHOUSE WH")
    admin.execute("SELECT COUNT(*) FROM DB.STANDARD.T")
    assert admin.fetchone() == (1,)
    other = cursor(account, user("OTHER"))
    assert refused(other, "USE ROLE SYSADMIN").errno == 2003  # not granted to OTHER_USER


def test_a_cached_statement_is_checked_for_each_sessions_role(account: LocalWarehouse) -> None:
    sql = "SELECT COUNT(*) FROM DB.STANDARD.T WHERE A > ?"
    owner = account.connect_as(user("OWNER"), "DB")
    reader = account.connect_as(user("READER"), "DB")
    for _ in range(2):  # the second run comes from the statement cache
        owner_cursor = owner.cursor()
        owner_cursor.execute(sql.replace("?", "0"))
        assert owner_cursor.fetchone() == (1,)
        assert refused(reader.cursor(), sql.replace("?", "0")).errno == 2003


def test_create_or_replace_needs_ownership_of_what_it_replaces(account: LocalWarehouse) -> None:
    owner = cursor(account, user("OWNER"))
    owner.execute(f"GRANT USAGE ON DATABASE DB TO ROLE {OTHER}")
    owner.execute(f"GRANT USAGE, CREATE TABLE ON SCHEMA DB.STANDARD TO ROLE {OTHER}")
    other = cursor(account, user("OTHER"))
    other.execute("CREATE TABLE DB.STANDARD.MINE (A INT)")  # CREATE TABLE is enough for new ones
    # OTHER_ROLE holds no privilege on T: replacing or dropping it is refused as if it did not
    # exist; with a privilege on it, the refusal is 003001.
    assert refused(other, "CREATE OR REPLACE TABLE DB.STANDARD.T (A INT)").errno == 2003
    owner.execute(f"GRANT SELECT ON TABLE DB.STANDARD.T TO ROLE {OTHER}")
    assert refused(other, "CREATE OR REPLACE TABLE DB.STANDARD.T (A INT)").errno == 3001
    assert refused(other, "DROP TABLE DB.STANDARD.T").errno == 3001


# Grants, future grants, managed access -----------------------------------------------------------
def test_a_grant_the_grantor_may_not_make_answers_grant_not_executed(
    account: LocalWarehouse,
) -> None:
    """The GRANT succeeds as a statement and says it did nothing (what the migrations now read)."""
    owner = cursor(account, user("OWNER"))
    assert status(owner, f"GRANT EXECUTE TASK ON ACCOUNT TO ROLE {READER}") == (
        "Grant not executed: Insufficient privileges."
    )
    admin = cursor(account, account.principals.admin)
    assert status(admin, f"GRANT EXECUTE TASK ON ACCOUNT TO ROLE {READER}") == (
        "Statement executed successfully."
    )


def test_future_grants_need_manage_grants_in_a_standard_schema(account: LocalWarehouse) -> None:
    owner = cursor(account, user("OWNER"))
    error = refused(owner, f"GRANT SELECT ON FUTURE TABLES IN SCHEMA DB.STANDARD TO ROLE {READER}")
    assert error.errno == 3001
    assert error.msg.endswith("Insufficient privileges to operate on schema 'STANDARD'.")
    security = cursor(account, account.principals.admin)
    security.execute("USE ROLE SECURITYADMIN")  # holds MANAGE GRANTS
    assert status(
        security, f"GRANT SELECT ON FUTURE TABLES IN SCHEMA DB.STANDARD TO ROLE {READER}"
    ) == ("Statement executed successfully.")


def test_in_a_managed_access_schema_only_its_owner_grants_future_grants_included(
    account: LocalWarehouse,
) -> None:
    owner = cursor(account, user("OWNER"))
    owner.execute(f"GRANT USAGE ON DATABASE DB TO ROLE {READER}")
    owner.execute(f"GRANT USAGE ON SCHEMA DB.MANAGED TO ROLE {READER}")
    owner.execute(f"GRANT SELECT ON FUTURE TABLES IN SCHEMA DB.MANAGED TO ROLE {READER}")
    owner.execute("CREATE TABLE DB.MANAGED.LATER (A INT)")
    reader = cursor(account, user("READER"))
    reader.execute("SELECT COUNT(*) FROM DB.MANAGED.LATER")  # the future grant applied
    # An object owner that is not the schema owner cannot grant on its own object there.
    owner.execute(f"GRANT USAGE ON DATABASE DB TO ROLE {OTHER}")
    owner.execute(f"GRANT USAGE, CREATE TABLE ON SCHEMA DB.MANAGED TO ROLE {OTHER}")
    other = cursor(account, user("OTHER"))
    other.execute("CREATE TABLE DB.MANAGED.OTHERS (A INT)")
    assert status(other, f"GRANT SELECT ON TABLE DB.MANAGED.OTHERS TO ROLE {READER}") == (
        "Grant not executed: Insufficient privileges."
    )
    assert status(owner, f"GRANT SELECT ON TABLE DB.MANAGED.OTHERS TO ROLE {READER}") == (
        "Statement executed successfully."
    )


def test_ownership_moves_with_copy_or_revoke_and_only_below_a_managed_schemas_owner(
    account: LocalWarehouse,
) -> None:
    owner = cursor(account, user("OWNER"))
    owner.execute(f"GRANT USAGE ON DATABASE DB TO ROLE {READER}")
    owner.execute(f"GRANT USAGE ON SCHEMA DB.STANDARD TO ROLE {READER}")
    owner.execute(f"GRANT SELECT ON TABLE DB.STANDARD.T TO ROLE {READER}")
    error = refused(owner, f"GRANT OWNERSHIP ON TABLE DB.STANDARD.T TO ROLE {OTHER}")
    assert "Dependent grant of privilege 'SELECT'" in error.msg  # neither COPY nor REVOKE
    # COPY needs MANAGE GRANTS or the new owner (or a higher role) active: OTHER is not below OWNER.
    copy = f"GRANT OWNERSHIP ON TABLE DB.STANDARD.T TO ROLE {OTHER} COPY CURRENT GRANTS"
    assert refused(owner, copy).errno == 3001
    admin = cursor(account, account.principals.admin)
    admin.execute(f"GRANT ROLE {OTHER} TO ROLE {OWNER}")  # OTHER_ROLE is now below OWNER_ROLE
    owner.execute(copy)
    owner.execute("SHOW GRANTS ON TABLE DB.STANDARD.T")
    assert sorted((row[1], row[5], row[7]) for row in owner.fetchall()) == [
        ("OWNERSHIP", OTHER, OTHER),
        ("SELECT", READER, OTHER),  # copied: the new owner is the grantor
    ]
    owner.execute(f"GRANT OWNERSHIP ON TABLE DB.MANAGED.T TO ROLE {OTHER} REVOKE CURRENT GRANTS")
    # In a managed access schema ownership only goes to a role below the schema owner.
    assert refused(owner, f"GRANT OWNERSHIP ON TABLE DB.MANAGED.T TO ROLE {READER}").errno == 3001


def test_a_view_reads_with_its_owners_privileges(account: LocalWarehouse) -> None:
    owner = cursor(account, user("OWNER"))
    owner.execute("CREATE VIEW DB.STANDARD.V AS SELECT COUNT(*) AS N FROM DB.STANDARD.T")
    for grant in ("USAGE ON DATABASE DB", "USAGE ON SCHEMA DB.STANDARD",
                  "SELECT ON VIEW DB.STANDARD.V"):  # fmt: skip
        owner.execute(f"GRANT {grant} TO ROLE {READER}")
    reader = cursor(account, user("READER"))
    reader.execute("SELECT N FROM DB.STANDARD.V")  # no privilege on T itself
    assert reader.fetchone() == (1,)
    assert refused(reader, "SELECT * FROM DB.STANDARD.T").errno == 2003


def test_an_owners_rights_procedure_writes_what_only_its_owner_may(account: LocalWarehouse) -> None:
    owner = cursor(account, user("OWNER"))
    owner.execute(
        "CREATE PROCEDURE DB.STANDARD.ADD_ONE() RETURNS VARCHAR LANGUAGE SQL EXECUTE AS OWNER AS "
        "$$ BEGIN INSERT INTO DB.STANDARD.T SELECT 1; RETURN 'ok'; END; $$"
    )
    for grant in ("USAGE ON DATABASE DB", "USAGE ON SCHEMA DB.STANDARD",
                  "USAGE ON PROCEDURE DB.STANDARD.ADD_ONE()"):  # fmt: skip
        owner.execute(f"GRANT {grant} TO ROLE {READER}")
    reader = cursor(account, user("READER"))
    assert refused(reader, "INSERT INTO DB.STANDARD.T SELECT 1").errno == 2003
    reader.execute("CALL DB.STANDARD.ADD_ONE()")
    owner.execute("SELECT COUNT(*) FROM DB.STANDARD.T")
    assert owner.fetchone() == (2,)
    assert refused(cursor(account, user("OTHER")), "CALL DB.STANDARD.ADD_ONE()").errno == 2003


# Tasks ------------------------------------------------------------------------------------------
def test_resume_needs_execute_task_and_usage_on_the_warehouse_for_the_owner(
    account: LocalWarehouse,
) -> None:
    owner = cursor(account, user("OWNER"))
    owner.execute("CREATE TASK DB.STANDARD.TICK WAREHOUSE = WH SCHEDULE = '1 MINUTE' AS SELECT 1")
    error = refused(owner, "ALTER TASK DB.STANDARD.TICK RESUME")
    assert "EXECUTE TASK privilege must be granted to owner role" in error.msg
    admin = cursor(account, account.principals.admin)
    admin.execute(f"GRANT EXECUTE TASK ON ACCOUNT TO ROLE {OWNER}")
    owner.execute("ALTER TASK DB.STANDARD.TICK RESUME")
    admin.execute(f"REVOKE USAGE ON WAREHOUSE WH FROM ROLE {OWNER}")
    runs = account.run_due_tasks()  # the owner lost USAGE on its warehouse: the run fails
    assert [run.state for run in runs] == ["FAILED"]
    assert "Warehouse 'WH' does not exist or not authorized." in (runs[0].error or "")


def test_a_serverless_task_needs_execute_managed_task(account: LocalWarehouse) -> None:
    owner = cursor(account, user("OWNER"))
    owner.execute(f"GRANT CREATE TASK ON SCHEMA DB.STANDARD TO ROLE {OWNER}")
    assert (
        refused(owner, "CREATE TASK DB.STANDARD.S SCHEDULE = '1 MINUTE' AS SELECT 1").errno == 3001
    )
    admin = cursor(account, account.principals.admin)
    admin.execute(f"GRANT EXECUTE MANAGED TASK ON ACCOUNT TO ROLE {OWNER}")
    owner.execute("CREATE TASK DB.STANDARD.S SCHEDULE = '1 MINUTE' AS SELECT 1")


def test_ownership_of_a_started_task_does_not_move(account: LocalWarehouse) -> None:
    admin = cursor(account, account.principals.admin)
    admin.execute(f"GRANT EXECUTE TASK ON ACCOUNT TO ROLE {OWNER}")
    owner = cursor(account, user("OWNER"))
    owner.execute("CREATE TASK DB.STANDARD.TICK WAREHOUSE = WH SCHEDULE = '1 MINUTE' AS SELECT 1")
    owner.execute("ALTER TASK DB.STANDARD.TICK RESUME")
    admin.execute(f"GRANT ROLE {OTHER} TO ROLE {OWNER}")
    grant = f"GRANT OWNERSHIP ON TASK DB.STANDARD.TICK TO ROLE {OTHER} COPY CURRENT GRANTS"
    assert "suspend the task first" in refused(owner, grant).msg
    owner.execute("ALTER TASK DB.STANDARD.TICK SUSPEND")
    owner.execute(grant)


# Account objects ------------------------------------------------------------------------------
def test_only_account_administrators_create_and_assign_resource_monitors(
    account: LocalWarehouse,
) -> None:
    sql = (
        "CREATE RESOURCE MONITOR RM WITH CREDIT_QUOTA = 5 FREQUENCY = DAILY "
        "START_TIMESTAMP = IMMEDIATELY TRIGGERS ON 100 PERCENT DO SUSPEND"
    )
    sysadmin = cursor(account, account.principals.admin)
    sysadmin.execute("USE ROLE SYSADMIN")
    assert refused(sysadmin, sql).errno == 3001
    sysadmin.execute("USE ROLE ACCOUNTADMIN")
    sysadmin.execute(sql)
    sysadmin.execute("ALTER WAREHOUSE WH SET RESOURCE_MONITOR = RM")
    owner = cursor(account, user("OWNER"))
    assert refused(owner, "ALTER WAREHOUSE WH SET RESOURCE_MONITOR = RM").errno == 3001
    with pytest.raises(ProgrammingError, match="FREQUENCY and START_TIMESTAMP"):
        sysadmin.execute("CREATE RESOURCE MONITOR RM2 WITH CREDIT_QUOTA = 5 FREQUENCY = DAILY")


def test_service_users_take_no_password_and_roles_need_create_role(
    account: LocalWarehouse,
) -> None:
    admin = cursor(account, account.principals.admin)
    with pytest.raises(ProgrammingError, match="PASSWORD"):
        admin.execute("CREATE USER SVC TYPE = SERVICE PASSWORD = 'x'")
    owner = cursor(account, user("OWNER"))
    assert refused(owner, "CREATE ROLE IF NOT EXISTS READER_ROLE").errno == 3001  # exists, still


def test_the_catalog_survives_a_restart(account: LocalWarehouse, tmp_path: Path) -> None:
    cursor(account, user("OWNER")).execute(f"GRANT USAGE ON DATABASE DB TO ROLE {READER}")
    account.close()
    reopened = LocalWarehouse(tmp_path / "account")
    try:
        owner = cursor(reopened, user("OWNER"))
        owner.execute("SHOW GRANTS ON DATABASE DB")
        assert sorted((row[1], row[5]) for row in owner.fetchall()) == [
            ("OWNERSHIP", OWNER),
            ("USAGE", READER),
        ]
    finally:
        reopened.close()


def test_a_crash_between_the_catalog_and_the_registry_is_repaired_by_running_again(
    account: LocalWarehouse,
) -> None:
    """Ownership is written before the object's definition (two files, two transactions): a
    crash in between leaves an owner without an object, which the same statement, run again
    (the migrations re-run an unfinished script), simply recreates."""
    from local.warehouse.access.model import Kind, Securable

    admin = cursor(account, account.principals.admin)
    admin.execute(f"GRANT EXECUTE TASK ON ACCOUNT TO ROLE {OWNER}")
    catalog = account._runtime.access.catalog
    task = Securable(Kind.TASK, "DB.STANDARD.TICK")
    catalog.put_object(task, OWNER)  # what the crashed CREATE left behind
    owner = cursor(account, user("OWNER"))
    owner.execute(
        "CREATE OR REPLACE TASK DB.STANDARD.TICK WAREHOUSE = WH SCHEDULE = '1 MINUTE' AS SELECT 1"
    )
    owner.execute("ALTER TASK DB.STANDARD.TICK RESUME")
    assert catalog.object(task) is not None and catalog.object(task).owner == OWNER
