"""``iot.v1``: one reading of a store sensor (a door counter's visitors since the last reading, a
fridge's temperature).

The reading's identity is (sensor_id, measure, timestamp). The physical range of each measure
(a door count is a non-negative whole number, a fridge reads between -40 and 40 degrees Celsius)
and the unit that goes with it are business rules checked in Snowflake
(``VALUE_OUT_OF_RANGE``, ``UNIT_MISMATCH``), so a rejection there keeps every failed rule.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, TypeAdapter, with_config
from typing_extensions import TypedDict

from lambdas.transform.model import KEEP_UNKNOWN_FIELDS, EventTime, Identifier

SCHEMA_NAME = "iot.v1"

Measure = Literal["door_count", "fridge_temp_c"]
# A finite JSON number (strict: an integer is a float, a numeric text is not).
Reading = Annotated[float, Field(strict=True, allow_inf_nan=False)]


@with_config(KEEP_UNKNOWN_FIELDS)
class IotReadingV1(TypedDict):
    schema_version: Literal["iot.v1"]
    sensor_id: Identifier
    store_id: Identifier
    measure: Measure
    value: Reading
    unit: Annotated[str, Field(strict=True, min_length=1, max_length=16)]
    timestamp: EventTime


IOT_READING_V1: TypeAdapter[IotReadingV1] = TypeAdapter(IotReadingV1)
