"""The custom resource handler end to end: Secrets Manager (moto) -> key pair -> fakesnow."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, ClassVar

import boto3
import pytest

from lambdas.snowflake_migrations import handler
from lambdas.snowflake_migrations.apply import EditedScriptError, MigrationError
from lambdas.snowflake_migrations.scripts import SqlVariables
from tests.migrations.conftest import DATABASE, REGION, Deployment, FakeLambdaContext

CONTEXT = FakeLambdaContext()


def _sales(deployment: Deployment) -> list[tuple[Any, ...]]:
    return deployment.query(f"SELECT SALE_ID, AMOUNT FROM {DATABASE}.APP.SALES ORDER BY SALE_ID")


def test_create_applies_every_script_in_order(deployment: Deployment) -> None:
    response = handler.on_event(deployment.event("Create"), CONTEXT)

    assert response["PhysicalResourceId"] == f"snowflake-migrations:{DATABASE}"
    assert response["Data"]["Applied"] == "3"
    assert _sales(deployment) == [(1, Decimal("10.50")), (2, Decimal("4.25"))]
    assert deployment.query(f"SELECT TOTAL FROM {DATABASE}.APP.SALES_TOTAL") == [
        (Decimal("14.75"),)
    ]
    assert deployment.history() == [
        ("V1__create_sales.sql", "SUCCESS"),
        ("V2__seed_sales.sql", "SUCCESS"),
        ("R__sales_total.sql", "SUCCESS"),
    ]


def test_update_applies_only_the_new_script_and_a_rerun_changes_nothing(
    deployment: Deployment,
) -> None:
    handler.on_event(deployment.event("Create"), CONTEXT)
    (deployment.scripts_dir / "V3__more_sales.sql").write_text(
        "INSERT INTO {{ database }}.APP.SALES (SALE_ID, AMOUNT) SELECT 3, 1.00;\n"
    )

    response = handler.on_event(deployment.event("Update"), CONTEXT)
    assert response["Data"]["AppliedScripts"] == "V3__more_sales.sql"
    assert len(_sales(deployment)) == 3

    history_before = deployment.history()
    again = handler.on_event(deployment.event("Update"), CONTEXT)
    assert again["Data"]["Applied"] == "0"
    assert deployment.history() == history_before
    assert len(_sales(deployment)) == 3


def test_changed_repeatable_script_is_applied_again(deployment: Deployment) -> None:
    handler.on_event(deployment.event("Create"), CONTEXT)
    (deployment.scripts_dir / "R__sales_total.sql").write_text(
        "CREATE OR REPLACE VIEW {{ database }}.APP.SALES_TOTAL AS\n"
        "SELECT SUM(AMOUNT) AS TOTAL, COUNT(*) AS SALES\nFROM {{ database }}.APP.SALES;\n"
    )
    response = handler.on_event(deployment.event("Update"), CONTEXT)
    assert response["Data"]["AppliedScripts"] == "R__sales_total.sql"
    assert deployment.query(f"SELECT TOTAL, SALES FROM {DATABASE}.APP.SALES_TOTAL") == [
        (Decimal("14.75"), 2)
    ]


def test_an_edited_applied_version_is_refused_with_its_name(deployment: Deployment) -> None:
    handler.on_event(deployment.event("Create"), CONTEXT)
    seed = deployment.scripts_dir / "V2__seed_sales.sql"
    seed.write_text(seed.read_text().replace("10.50", "99.99"))

    with pytest.raises(EditedScriptError, match=r"V2__seed_sales\.sql.*add a new V script"):
        handler.on_event(deployment.event("Update"), CONTEXT)
    assert _sales(deployment) == [(1, Decimal("10.50")), (2, Decimal("4.25"))]
    assert len(deployment.history()) == 3


def test_failing_dml_script_is_rolled_back_whole_and_applies_once_fixed(
    deployment: Deployment,
) -> None:
    handler.on_event(deployment.event("Create"), CONTEXT)
    script = deployment.scripts_dir / "V3__more_sales.sql"
    script.write_text(
        "INSERT INTO {{ database }}.APP.SALES (SALE_ID, AMOUNT) SELECT 3, 1.00;\n"
        "INSERT INTO {{ database }}.APP.NO_SUCH_TABLE (SALE_ID) SELECT 4;\n"
    )

    with pytest.raises(MigrationError) as failed:
        handler.on_event(deployment.event("Update"), CONTEXT)
    reason = str(failed.value)
    assert "V3__more_sales.sql statement 2" in reason
    assert "rolled back" in reason
    assert len(_sales(deployment)) == 2, "the first INSERT must not survive the failure"
    assert deployment.history()[-1] == ("V3__more_sales.sql", "FAILED")

    script.write_text("INSERT INTO {{ database }}.APP.SALES (SALE_ID, AMOUNT) SELECT 3, 1.00;\n")
    handler.on_event(deployment.event("Update"), CONTEXT)
    assert len(_sales(deployment)) == 3


def test_failing_ddl_script_reports_what_stayed_applied(deployment: Deployment) -> None:
    """Snowflake commits DDL at once, so a DDL script cannot be rolled back; it says so."""
    handler.on_event(deployment.event("Create"), CONTEXT)
    (deployment.scripts_dir / "V3__returns.sql").write_text(
        "CREATE TABLE IF NOT EXISTS {{ database }}.APP.RETURNS (SALE_ID NUMBER(38, 0));\n"
        "INSERT INTO {{ database }}.APP.NO_SUCH_TABLE (SALE_ID) SELECT 4;\n"
    )
    with pytest.raises(MigrationError, match=r"statement 2 .*statements 1-1 stayed applied"):
        handler.on_event(deployment.event("Update"), CONTEXT)
    assert deployment.query(f"SELECT COUNT(*) FROM {DATABASE}.APP.RETURNS") == [(0,)]


def test_rollback_to_an_older_template_applies_nothing(deployment: Deployment) -> None:
    handler.on_event(deployment.event("Create"), CONTEXT)
    (deployment.scripts_dir / "V3__more_sales.sql").write_text(
        "INSERT INTO {{ database }}.APP.SALES (SALE_ID, AMOUNT) SELECT 3, 1.00;\n"
    )
    # CloudFormation rolls back with the old properties while the new code still runs.
    response = handler.on_event(deployment.event("Update", ScriptsFingerprint="0" * 64), CONTEXT)
    assert response["Data"]["Applied"] == "0"
    assert len(_sales(deployment)) == 2


def test_create_with_mismatched_scripts_fails_with_a_reason(deployment: Deployment) -> None:
    with pytest.raises(MigrationError, match="redeploy the stack"):
        handler.on_event(deployment.event("Create", ScriptsFingerprint="0" * 64), CONTEXT)


def test_a_secret_in_the_wrong_shape_fails_without_leaking_the_key(
    deployment: Deployment,
) -> None:
    pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----"
    boto3.client("secretsmanager", region_name=REGION).put_secret_value(
        SecretId=deployment.secret_arn,
        SecretString=json.dumps({"user": "POS_DEPLOY", "private_key": pem}),
    )
    with pytest.raises(ValueError, match="without BEGIN/END lines") as failed:
        handler.on_event(deployment.event("Create"), CONTEXT)
    assert "MIIE" not in str(failed.value)


class _TasksEmulator:
    """fakesnow has no tasks: answer SHOW TASKS / ALTER TASK here, pass the rest to fakesnow."""

    TASKS: ClassVar[list[tuple[str, str, str, str]]] = [
        # name, schema, state, predecessors
        ("UPDATE_DAILY_SUMMARY_TASK", "GOLD", "started", "[]"),
        ("PROCESS_RAW_POS_TASK", "SILVER", "started", "[]"),
        ("CHILD_TASK", "SILVER", "started", '["POS_TEST.SILVER.PROCESS_RAW_POS_TASK"]'),
        ("UPDATE_INVENTORY_TASK", "SILVER", "suspended", "[]"),
    ]

    def __init__(self, connection: Any, executed: list[str]) -> None:
        self._connection = connection
        self._executed = executed

    def cursor(self) -> _TasksEmulator:
        self._cursor = self._connection.cursor()
        self.description: list[tuple[str]] = []
        self._rows: list[tuple[Any, ...]] | None = None
        return self

    def execute(self, sql: str, params: Any = None) -> _TasksEmulator:
        if sql.startswith("SHOW TASKS"):
            self.description = [
                ("name",),
                ("database_name",),
                ("schema_name",),
                ("state",),
                ("predecessors",),
            ]
            self._rows = [(n, DATABASE, s, st, p) for n, s, st, p in self.TASKS]
        elif sql.startswith("ALTER TASK"):
            self._executed.append(sql)
        else:
            self._cursor.execute(sql, params)
        return self

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._rows if self._rows is not None else list(self._cursor.fetchall())

    def close(self) -> None:
        self._connection.close()


def test_delete_suspends_started_tasks_roots_first_and_keeps_all_data(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    handler.on_event(deployment.event("Create"), CONTEXT)
    executed: list[str] = []
    real_connect = handler.connect
    monkeypatch.setattr(
        handler, "connect", lambda **kwargs: _TasksEmulator(real_connect(**kwargs), executed)
    )

    response = handler.on_event(deployment.event("Delete"), CONTEXT)

    assert response == {
        "PhysicalResourceId": f"snowflake-migrations:{DATABASE}",
        "Data": {"TasksSuspended": "3"},
    }
    assert executed == [
        f"ALTER TASK IF EXISTS {DATABASE}.GOLD.UPDATE_DAILY_SUMMARY_TASK SUSPEND",
        f"ALTER TASK IF EXISTS {DATABASE}.SILVER.PROCESS_RAW_POS_TASK SUSPEND",
        f"ALTER TASK IF EXISTS {DATABASE}.SILVER.CHILD_TASK SUSPEND",
    ]
    assert _sales(deployment) == [(1, Decimal("10.50")), (2, Decimal("4.25"))]
    assert len(deployment.history()) == 3


def test_delete_succeeds_even_when_snowflake_is_unreachable(deployment: Deployment) -> None:
    handler.on_event(deployment.event("Create"), CONTEXT)
    boto3.client("secretsmanager", region_name=REGION).delete_secret(
        SecretId=deployment.secret_arn, ForceDeleteWithoutRecovery=True
    )
    response = handler.on_event(deployment.event("Delete"), CONTEXT)
    assert response["Data"] == {"TasksSuspended": "unknown"}
    assert len(_sales(deployment)) == 2


WAREHOUSE_NOTE = "V3__warehouse_note.sql"


def _with_a_version_rendering_the_warehouse(deployment: Deployment) -> None:
    # The checksum covers the rendered text, so a setting anywhere in it counts (in snowflake/,
    # the warehouse appears in GRANT USAGE ON WAREHOUSE statements).
    (deployment.scripts_dir / WAREHOUSE_NOTE).write_text(
        "-- Sales recorded by the pipeline that runs on {{ warehouse }}\n"
        "INSERT INTO {{ database }}.APP.SALES (SALE_ID, AMOUNT) SELECT 3, 1.00;\n"
    )


def test_changing_a_setting_rendered_into_an_applied_version_names_the_setting(
    deployment: Deployment,
) -> None:
    _with_a_version_rendering_the_warehouse(deployment)
    handler.on_event(deployment.event("Create"), CONTEXT)
    history = deployment.history()
    moved = SqlVariables(database=DATABASE, warehouse="OTHER_WH").as_dict()
    event = deployment.event("Update", SqlVariables=moved)
    event["OldResourceProperties"] = deployment.event("Update")["ResourceProperties"]

    with pytest.raises(EditedScriptError) as refused:
        handler.on_event(event, CONTEXT)

    message = str(refused.value)
    assert f"{WAREHOUSE_NOTE} renders the changed setting warehouse (was POS_WH, now OTHER_WH)" in (
        message
    )
    assert "V1__" not in message and "V2__" not in message  # they do not render the warehouse
    assert "set back any setting" in message
    assert deployment.history() == history
    assert len(_sales(deployment)) == 3


def test_without_the_previous_settings_the_error_lists_the_settings_a_version_renders(
    deployment: Deployment,
) -> None:
    """The command-line applier has no previous properties: it names the candidates."""
    _with_a_version_rendering_the_warehouse(deployment)
    handler.on_event(deployment.event("Create"), CONTEXT)
    moved = SqlVariables(database=DATABASE, warehouse="OTHER_WH").as_dict()
    with pytest.raises(EditedScriptError) as refused:
        handler.on_event(deployment.event("Update", SqlVariables=moved), CONTEXT)
    assert (
        f"{WAREHOUSE_NOTE} (either the file was edited, or a setting it renders changed since it "
        "was applied: database, warehouse)" in str(refused.value)
    )
