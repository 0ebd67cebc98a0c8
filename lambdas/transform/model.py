"""Pydantic v2 schema of the ``pos.v1`` sale event, validated straight from the record's bytes.

Light validation only: types, required fields, signs and size bounds. Business rules (total equals
the sum of the lines, known store, amounts' scale for the currency, ...) run in Snowflake, where a
rejection keeps every failed rule. Unknown fields are kept (``extra="allow"``), never rejected.

The schema is a set of ``TypedDict``s under one module-level ``TypeAdapter``, not ``BaseModel``s:
the transform needs only the verdict (never an instance: the payload is spliced, not rebuilt),
and skipping model instances makes validation ~35% cheaper per record (bench/bench_transform.py).

Money is ``Decimal``: pydantic reads a JSON number into it through a double (measured: with 17+
significant digits the verdict is the double's), a numeric text exactly. The bound is magnitude
only (fits Silver's NUMBER(12,2)). The allowed scale depends on the currency (JPY 0, USD 2, KWD 3)
and is checked in Snowflake: ``AMOUNT_SCALE_NOT_ALLOWED`` rejects a price, total or refund with
more decimals than the currency's minor unit in ``SILVER.DIM_CURRENCY`` or than Silver's two
(docs/snowflake.md, "Money scale"); the transform does not know the store's currency. A money
value sent as a numeric string ("12.99") is accepted because it is exact and Snowflake casts it
the same way; any other text is an error (``decimal_parsing``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal, NotRequired

from pydantic import (
    AwareDatetime,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    TypeAdapter,
    with_config,
)

# pydantic requires typing_extensions.TypedDict before Python 3.12.
from typing_extensions import TypedDict

SCHEMA_NAME = "pos.v1"

MAX_ITEMS_PER_SALE = 500
MAX_QUANTITY_PER_LINE = 10_000
MAX_ID_LENGTH = 64
MAX_NAME_LENGTH = 128
MAX_MONEY = Decimal("9999999999.99")

Money = Annotated[Decimal, Field(ge=0, le=MAX_MONEY, allow_inf_nan=False)]
Identifier = Annotated[str, Field(strict=True, min_length=1, max_length=MAX_ID_LENGTH)]
Name = Annotated[str, Field(strict=True, min_length=1, max_length=MAX_NAME_LENGTH)]
# strict: an ISO-8601 string only (no epoch numbers); AwareDatetime: the offset is required.
EventTime = Annotated[AwareDatetime, Field(strict=True)]
Quantity = Annotated[StrictInt, Field(gt=0, le=MAX_QUANTITY_PER_LINE)]
CurrencyCode = Annotated[str, Field(strict=True, pattern=r"^[A-Z]{3}$")]

KEEP_UNKNOWN_FIELDS = ConfigDict(extra="allow")


@with_config(KEEP_UNKNOWN_FIELDS)
class Item(TypedDict):
    product_id: Identifier
    price: Money
    quantity: Quantity
    canceled: StrictBool


@with_config(KEEP_UNKNOWN_FIELDS)
class Refund(TypedDict):
    refund_amount: Money
    refund_method: Name
    timestamp: EventTime


@with_config(KEEP_UNKNOWN_FIELDS)
class PosSaleV1(TypedDict):
    store_id: Identifier
    city: Name
    transaction_id: Identifier
    timestamp: EventTime
    items: Annotated[list[Item], Field(min_length=1, max_length=MAX_ITEMS_PER_SALE)]
    total_amount: Money
    payment_method: Name
    refund: NotRequired[Refund | None]
    cancel_item: NotRequired[Item | None]
    # Optional fields a real POS carries.
    schema_version: NotRequired[Literal["pos.v1"] | None]
    currency: NotRequired[CurrencyCode | None]
    register_id: NotRequired[Identifier | None]
    cashier_id: NotRequired[Identifier | None]


# Built once at import: validate_json on bytes skips a json.loads and a dict round trip.
POS_SALE_V1: TypeAdapter[PosSaleV1] = TypeAdapter(PosSaleV1)
