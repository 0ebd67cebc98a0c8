"""Search optimization and clustering-key clauses: checked against the table like Snowflake
checks them (it must exist, and so must every column named), then accepted with no effect."""

from __future__ import annotations

import pytest
from snowflake.connector.errors import ProgrammingError

from local.warehouse import LocalWarehouse
from local.warehouse.access.principals import Principal
from tests.local_warehouse.conftest import admin, query


@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE SILVER.SALES ADD SEARCH OPTIMIZATION ON EQUALITY(TRANSACTION_ID)",
        "ALTER TABLE SILVER.SALES ADD SEARCH OPTIMIZATION ON EQUALITY (TRANSACTION_ID, STORE_ID)",
        "ALTER TABLE SILVER.SALES DROP SEARCH OPTIMIZATION",
        "ALTER TABLE SILVER.SALES CLUSTER BY (STORE_ID)",
        "ALTER TABLE SILVER.SALES DROP CLUSTERING KEY",
        "ALTER TABLE IF EXISTS SILVER.NO_SUCH_TABLE DROP CLUSTERING KEY",
    ],
)
def test_accepted_on_an_existing_table(warehouse: LocalWarehouse, statement: str) -> None:
    cursor = admin(warehouse).cursor()
    cursor.execute(statement)
    assert cursor.fetchall() == [("Statement executed successfully.",)]
    assert query(warehouse, "SELECT COUNT(*) FROM SILVER.SALES") == [(0,)]


@pytest.mark.parametrize(
    ("statement", "error"),
    [
        (
            "ALTER TABLE SILVER.NO_SUCH_TABLE DROP CLUSTERING KEY",
            "does not exist or not authorized",
        ),
        (
            "ALTER TABLE SILVER.SALES ADD SEARCH OPTIMIZATION ON EQUALITY(NO_SUCH_COLUMN)",
            "invalid identifier 'NO_SUCH_COLUMN'",
        ),
    ],
)
def test_refused_as_snowflake_refuses(
    warehouse: LocalWarehouse, statement: str, error: str
) -> None:
    with pytest.raises(ProgrammingError, match=error):
        admin(warehouse).cursor().execute(statement)


def test_needs_ownership_and_for_search_optimization_the_schema_privilege(
    warehouse: LocalWarehouse,
) -> None:
    """ALTER TABLE needs OWNERSHIP of the table; search optimization also needs ADD SEARCH
    OPTIMIZATION on the table's schema (Enabling and disabling search optimization)."""
    database = warehouse.variables.database
    setup = admin(warehouse).cursor()
    for statement in (
        "CREATE ROLE TABLE_OWNER",
        "CREATE USER TABLE_OWNER_USER DEFAULT_ROLE = TABLE_OWNER",
        "GRANT ROLE TABLE_OWNER TO USER TABLE_OWNER_USER",
        f"GRANT USAGE ON DATABASE {database} TO ROLE TABLE_OWNER",
        f"GRANT USAGE, CREATE TABLE ON SCHEMA {database}.SILVER TO ROLE TABLE_OWNER",
        f"GRANT SELECT ON TABLE {database}.SILVER.SALES TO ROLE TABLE_OWNER",
    ):
        setup.execute(statement)
    owner = warehouse.connect_as(Principal("TABLE_OWNER_USER", "TABLE_OWNER"), database).cursor()
    owner.execute("CREATE TABLE SILVER.OWN (ID VARCHAR)")

    with pytest.raises(ProgrammingError, match="Insufficient privileges"):
        owner.execute("ALTER TABLE SILVER.SALES DROP CLUSTERING KEY")  # SELECT, not OWNERSHIP
    owner.execute("ALTER TABLE SILVER.OWN CLUSTER BY (ID)")
    with pytest.raises(ProgrammingError, match="Insufficient privileges to operate on schema"):
        owner.execute("ALTER TABLE SILVER.OWN ADD SEARCH OPTIMIZATION ON EQUALITY(ID)")

    setup.execute(f"GRANT ADD SEARCH OPTIMIZATION ON SCHEMA {database}.SILVER TO ROLE TABLE_OWNER")
    owner.execute("ALTER TABLE SILVER.OWN ADD SEARCH OPTIMIZATION ON EQUALITY(ID)")
    assert owner.fetchall() == [("Statement executed successfully.",)]
