"""The served warehouse through the real Snowflake connector: NULL timestamps stay NULL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pyarrow as pa  # type: ignore[import-untyped]
import pytest
import snowflake.connector
from fakesnow.arrow import timestamp_to_sf_struct

from local.served_warehouse import connection_args
from local.warehouse import LocalWarehouse
from local.warehouse.server import null_timestamps_as_null
from tests.local_warehouse.conftest import admin


@pytest.fixture
def client(warehouse: LocalWarehouse) -> Iterator[snowflake.connector.SnowflakeConnection]:
    host, port = warehouse.serve()
    connection = snowflake.connector.connect(
        **connection_args(host, port, warehouse.principals.admin.user),
        role=warehouse.principals.admin.role,
        warehouse=warehouse.variables.warehouse,
        session_parameters={"CLIENT_OUT_OF_BAND_TELEMETRY_ENABLED": False},
    )
    try:
        yield connection
    finally:
        connection.close()


def test_null_timestamps_reach_the_connector_as_none(
    warehouse: LocalWarehouse, client: snowflake.connector.SnowflakeConnection
) -> None:
    setup = admin(warehouse).cursor()
    setup.execute("CREATE TABLE OPS.TIMES (ID INT, TZ TIMESTAMP_TZ, NTZ TIMESTAMP_NTZ)")
    setup.execute(
        "INSERT INTO OPS.TIMES SELECT 1, '2024-05-01 10:00:00+00:00'::TIMESTAMP_TZ, "
        "'2024-05-01 10:00:00'::TIMESTAMP_NTZ "
        "UNION ALL SELECT 2, NULL, NULL"
    )
    cursor = client.cursor()
    for _ in range(2):  # the second run is served from the statement cache
        cursor.execute("SELECT ID, TZ, NTZ FROM OPS.TIMES ORDER BY ID")
        (first_id, tz, ntz), (second_id, null_tz, null_ntz) = cursor.fetchall()
        assert (first_id, second_id) == (1, 2)
        assert isinstance(tz, datetime) and tz.year == 2024 and tz.utcoffset() is not None
        assert ntz == datetime(2024, 5, 1, 10, 0)
        assert (null_tz, null_ntz) == (None, None)
    cursor.execute("SELECT MAX(TZ) FROM OPS.TIMES WHERE ID = 3")  # an aggregate over no rows
    assert cursor.fetchone() == (None,)


def test_the_wrapper_keeps_fakesnows_struct_for_values() -> None:
    values = pa.array([datetime(2024, 5, 1, 10, 0, 0, 123456), None], pa.timestamp("us", "UTC"))
    wrapped = null_timestamps_as_null(timestamp_to_sf_struct)
    assert null_timestamps_as_null(wrapped) is wrapped  # wrapping twice changes nothing
    ours, theirs = wrapped(values), timestamp_to_sf_struct(values)
    assert ours.type == theirs.type
    assert ours[0] == theirs[0]
    assert ours.is_null().to_pylist() == [False, True]
    assert not theirs.is_null().to_pylist()[1], "fakesnow's own struct has no null mask"
