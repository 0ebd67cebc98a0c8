"""Search optimization and clustering-key clauses: checked against the table like Snowflake
checks them (it must exist, and so must every column named), then accepted with no effect."""

from __future__ import annotations

import pytest
from snowflake.connector.errors import ProgrammingError

from local.warehouse import LocalWarehouse
from tests.local_warehouse.conftest import query


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
    cursor = warehouse.connect().cursor()
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
        warehouse.connect().cursor().execute(statement)
