"""Which schema validates a record: the registry of event kinds by their ``schema_version``.

Detection is by one explicit field, ``schema_version``, whose value names the kind and version
(``clickstream.v1``). A JSON object without it (or with null) that looks like a sale (it has one
of the sale's own fields) is ``pos.v1``: producers written before there were kinds keep working.
Anything else is ``unknown``: still delivered, tagged so that Silver dead-letters it apart from
every kind (``SILVER.UNCLASSIFIED_REJECTED``).

For a record that is not a JSON object (not JSON, not UTF-8, an array, ...), ``kind_of_text``
looks for the ``"schema_version":"<kind>"`` marker in its bytes, so a truncated clickstream event
is still a clickstream reject; without a marker it stays ``pos.v1``, the stream's first kind, as
before there were kinds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from pydantic import TypeAdapter

from lambdas.transform.kinds.app_log import APP_LOG_V1
from lambdas.transform.kinds.cdc import CDC_V1
from lambdas.transform.kinds.clickstream import CLICKSTREAM_V1
from lambdas.transform.kinds.iot import IOT_READING_V1
from lambdas.transform.model import POS_SALE_V1, SCHEMA_NAME, PosSaleV1

KIND_FIELD: Final = "schema_version"
POS: Final = SCHEMA_NAME
UNKNOWN: Final = "unknown"

SCHEMAS: Final[Mapping[str, TypeAdapter[Any]]] = {
    POS: POS_SALE_V1,
    "clickstream.v1": CLICKSTREAM_V1,
    "iot.v1": IOT_READING_V1,
    "app_log.v1": APP_LOG_V1,
    "cdc.v1": CDC_V1,
}
# An unknown kind's payload is still parsed by pydantic (its nesting limit, classify.py).
ANY_OBJECT: Final[TypeAdapter[dict[str, Any]]] = TypeAdapter(dict[str, Any])
# Every value meta.schema can take.
ALL_KINDS: Final = (*SCHEMAS, UNKNOWN)
# The EMF metric counting each kind (RecordsOfKind_clickstream_v1); the alarms read the same names.
KIND_METRIC_NAMES: Final = {kind: "RecordsOfKind_" + kind.replace(".", "_") for kind in ALL_KINDS}

# An object without schema_version is a sale when it has any of the sale's own fields (the other
# kinds always declare themselves, so a shared name such as store_id still means a sale here).
_SALE_FIELDS: Final = frozenset(PosSaleV1.__required_keys__ | PosSaleV1.__optional_keys__)
_MARKER: Final = re.compile(rb'"schema_version"[ \t\r\n]*:[ \t\r\n]*"([A-Za-z0-9_.]{1,32})"')


def kind_of(payload: Mapping[str, Any]) -> str:
    """The kind of a parsed JSON object: a key of ``SCHEMAS``, or ``UNKNOWN``."""
    declared = payload.get(KIND_FIELD)
    if declared is None:
        return POS if not _SALE_FIELDS.isdisjoint(payload) else UNKNOWN
    if type(declared) is str and declared in SCHEMAS:
        return declared
    return UNKNOWN


def kind_of_text(raw: bytes) -> str:
    """The kind a record that is not a JSON object declares in its bytes (``POS`` if none)."""
    found = _MARKER.search(raw)
    if found is None:
        return POS
    declared = found.group(1).decode("ascii")
    return declared if declared in SCHEMAS else UNKNOWN
