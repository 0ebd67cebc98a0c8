"""Migrations read every GRANT/REVOKE answer: "Grant not executed: Insufficient privileges." is a
successful statement in Snowflake, and must fail the script instead of being recorded as applied.
A versioned script that only ever FAILED is pending again on the next run (the history keeps only
SUCCESS rows as applied), which is how an account stopped at V23 resumes."""

from __future__ import annotations

from pathlib import Path

import pytest

from lambdas.snowflake_migrations.apply import MigrationError
from lambdas.snowflake_migrations.grants import GrantNotExecutedError, require_executed
from local.warehouse import LocalWarehouse


class Answer:
    """A cursor that answers one statement with ``rows``."""

    def __init__(self, *rows: str) -> None:
        self.rows = [(row,) for row in rows]

    def fetchall(self) -> list[tuple[str]]:
        return self.rows


@pytest.mark.parametrize(
    "answer",
    ["Statement executed successfully.", "Statement executed successfully. 3 objects affected."],
)
def test_executed_grants_pass(answer: str) -> None:
    require_executed("GRANT USAGE ON DATABASE D TO ROLE R", Answer(answer))
    require_executed("revoke usage on database d from role r", Answer(answer))


@pytest.mark.parametrize(
    "answers",
    [
        ("Grant not executed: Insufficient privileges.",),
        ("Grant partially executed: privileges ['MODIFY'] not granted.",),
        ("Statement executed successfully.", "Grant not executed: Insufficient privileges."),
        (),
    ],
)
def test_any_other_answer_fails(answers: tuple[str, ...]) -> None:
    with pytest.raises(GrantNotExecutedError):
        require_executed("GRANT EXECUTE TASK ON ACCOUNT TO ROLE R", Answer(*answers))


def test_other_statements_are_not_read() -> None:
    class Unread:
        def fetchall(self) -> list[tuple[str]]:
            raise AssertionError("a result that is not a grant's was consumed")

    require_executed("INSERT INTO T SELECT 1", Unread())


def _account(path: Path) -> LocalWarehouse:
    """An account with database POS_DB, warehouse POS_WH and a role APPLIER (no MANAGE GRANTS,
    below SYSADMIN) owning the database, held by user APPLIER."""
    warehouse = LocalWarehouse(path)
    admin = warehouse.connect_as(warehouse.principals.admin).cursor()
    for statement in (
        "CREATE WAREHOUSE POS_WH",
        "CREATE DATABASE POS_DB",
        "CREATE ROLE APPLIER",
        "CREATE ROLE GRANTEE",
        "CREATE USER APPLIER DEFAULT_ROLE = APPLIER DEFAULT_WAREHOUSE = POS_WH",
        "GRANT ROLE APPLIER TO USER APPLIER",
        "GRANT ROLE APPLIER TO ROLE SYSADMIN",  # so the administrator sees what it owns
        "GRANT USAGE ON WAREHOUSE POS_WH TO ROLE APPLIER",
        "GRANT OWNERSHIP ON DATABASE POS_DB TO ROLE APPLIER COPY CURRENT GRANTS",
    ):
        admin.execute(statement)
    return warehouse


def test_an_account_grant_snowflake_did_not_execute_fails_the_script_and_is_retried(
    tmp_path: Path,
) -> None:
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    (scripts / "V1__schema.sql").write_text("CREATE SCHEMA IF NOT EXISTS {{ database }}.S;\n")
    (scripts / "V2__task_grant.sql").write_text("GRANT EXECUTE TASK ON ACCOUNT TO ROLE GRANTEE;\n")
    (scripts / "V3__table.sql").write_text(
        "CREATE TABLE IF NOT EXISTS {{ database }}.S.T (A INT);\n"
    )
    with _account(tmp_path / "account") as warehouse:
        with pytest.raises(MigrationError, match="Grant not executed: Insufficient privileges"):
            warehouse.apply_migrations(scripts, user="APPLIER", role="APPLIER")
        admin = warehouse.connect_as(warehouse.principals.admin).cursor()
        admin.execute("SELECT SCRIPT, STATUS FROM POS_DB.OPS.SCHEMA_CHANGE_HISTORY ORDER BY SCRIPT")
        assert admin.fetchall() == [("V1__schema.sql", "SUCCESS"), ("V2__task_grant.sql", "FAILED")]
        # The fix is an account-level grant made by an administrator (here: MANAGE GRANTS); the
        # next run applies the FAILED script again and continues.
        admin.execute("GRANT MANAGE GRANTS ON ACCOUNT TO ROLE APPLIER")
        result = warehouse.apply_migrations(scripts, user="APPLIER", role="APPLIER")
        assert result.applied == ["V2__task_grant.sql", "V3__table.sql"]
        admin.execute("SHOW GRANTS TO ROLE GRANTEE")
        assert [(row[1], row[2]) for row in admin.fetchall()] == [("EXECUTE TASK", "ACCOUNT")]
