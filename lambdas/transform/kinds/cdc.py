"""``cdc.v1``: one row change of the retailer's ERP in Debezium's envelope shape.

``op`` is ``c`` (create), ``u`` (update), ``d`` (delete) or ``r`` (snapshot read); ``before`` and
``after`` are the row images (``after`` is required for c/u/r and absent or null for d, ``before``
is required for d); ``source.table`` is ``product`` or ``store`` and ``source.lsn`` the change's
position in the source's log (Debezium's PostgreSQL connector names it ``lsn``), which orders the
changes of a row; ``ts_ms`` is when the connector processed it. Debezium documents these fields at
https://debezium.io/documentation/reference/stable/connectors/postgresql.html#postgresql-change-events-value
("op", "before", "after", "source", "ts_ms").

The row images' columns (one dimension's worth) are checked in Snowflake, where the dimension's
types live (``CDC_ROW_INVALID``); here only the envelope's shape.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired

from pydantic import Field, StrictInt, TypeAdapter, with_config
from typing_extensions import TypedDict

from lambdas.transform.model import KEEP_UNKNOWN_FIELDS

SCHEMA_NAME = "cdc.v1"

LogPosition = Annotated[StrictInt, Field(ge=0, le=2**63 - 1)]
RowImage = dict[str, Any]


@with_config(KEEP_UNKNOWN_FIELDS)
class Source(TypedDict):
    table: Literal["product", "store"]
    lsn: LogPosition


@with_config(KEEP_UNKNOWN_FIELDS)
class CdcUpsertV1(TypedDict):
    schema_version: Literal["cdc.v1"]
    op: Literal["c", "u", "r"]
    before: NotRequired[RowImage | None]
    after: RowImage
    source: Source
    ts_ms: LogPosition


@with_config(KEEP_UNKNOWN_FIELDS)
class CdcDeleteV1(TypedDict):
    schema_version: Literal["cdc.v1"]
    op: Literal["d"]
    before: RowImage
    after: NotRequired[None]
    source: Source
    ts_ms: LogPosition


# Tagged by ``op``: a wrong or missing op is one error at ``op``, not one per member.
CDC_V1: TypeAdapter[Any] = TypeAdapter(
    Annotated[CdcUpsertV1 | CdcDeleteV1, Field(discriminator="op")]
)
