"""One-parse fast path: proves a record ``valid`` without the strict checks' extra passes.

``classify_strict`` (classify.py) parses every record twice (orjson for RFC strictness, pydantic
for the model) and re-serializes it for the duplicate-key test. Here pydantic's parser is the only
parse: ``proven_valid(raw)`` returns True only when the record is certainly what the strict path
would call ``valid``. On False the caller runs the strict path, which decides exactly, so this
module can cost speed on unusual records but never change a verdict.

The fast validator is model.py's schema (derived from it at import, not restated) with two changes
that only make it stricter:

1. Money is a strict float (JSON numbers only; a numeric string goes to the strict path) with
   bounds strictly inside the exact Decimal ones (``_float_bounds``). Rounding to a double is
   monotone, so a value outside [0, MAX_MONEY] can never round inside (0 itself, and a tiny
   negative that rounds to -0.0, fall outside: they take the strict path). Measured: pydantic
   itself reads a JSON number into Decimal through a double (9999999999.990000001 becomes
   9999999999.99), so the strict path is no more exact than this for numbers; it is for text.
2. Unknown fields must be scalars: a string, a boolean, null, an integer within 64 bits or a
   finite float (``_SCALAR``). Nested objects and arrays in unknown fields take the strict path.

Why True is then safe. Pydantic's parser already rejects invalid UTF-8, lone surrogates, control
characters, a BOM, trailing content and nesting past ~254 levels (below orjson's limit). What it
accepts and orjson does not is NaN, Infinity, a number overflowing a double and an integer past
1e308, and it keeps the last of duplicate keys. Every value the fast validator accepts is bounded
and finite, so only duplicate keys remain. The objects in an accepted record are the sale, its
``items``, ``refund`` and ``cancel_item`` (nothing else may hold one), so their lengths add up to
K, the number of distinct keys. In ``raw`` every key ends with ``"``, optional JSON whitespace and
``:``; with all JSON whitespace bytes deleted (inside strings too: that can only add matches),
each key leaves a ``":``, so U = that count >= the number of keys in raw >= K. A duplicate makes the
middle term exceed K, so U == K proves there is none. (Were the model to grow another nested
object, K would undercount and such records would merely take the strict path.)
"""

from __future__ import annotations

import copy
import math
from decimal import Decimal
from typing import Any, Final

from pydantic_core import SchemaValidator, ValidationError

from lambdas.transform.model import POS_SALE_V1

_JSON_WHITESPACE: Final = b" \t\r\n"
_DECIMAL_KEYS: Final = frozenset({"type", "ge", "le", "allow_inf_nan"})
_SCALAR: Final = {
    "type": "union",
    "choices": [
        {"type": "str"},
        {"type": "bool", "strict": True},
        {"type": "none"},
        {"type": "int", "strict": True, "ge": -(2**63), "le": 2**64 - 1},
        {"type": "float", "strict": True, "allow_inf_nan": False},
    ],
}


def _float_bounds(node: dict[str, Any]) -> dict[str, Any]:
    """The float schema for one decimal schema node, bounds strictly inside the exact ones."""
    if not set(node) <= _DECIMAL_KEYS or node.get("allow_inf_nan", False):
        raise ValueError(f"no float fast path for decimal constraints {sorted(node)}")
    schema: dict[str, Any] = {"type": "float", "strict": True, "allow_inf_nan": False}
    if "ge" in node:
        schema["ge"] = math.nextafter(float(Decimal(node["ge"])), math.inf)
    if "le" in node:
        schema["le"] = math.nextafter(float(Decimal(node["le"])), -math.inf)
    return schema


def _stricter(node: Any) -> Any:
    """A copy of a pydantic-core schema with the two changes above."""
    if isinstance(node, list):
        return [_stricter(value) for value in node]
    if not isinstance(node, dict):
        return node
    if node.get("type") == "decimal":
        return _float_bounds(node)
    stricter = {key: _stricter(value) for key, value in node.items()}
    if node.get("type") == "typed-dict" and node.get("extra_behavior") == "allow":
        stricter["extras_schema"] = _SCALAR
    return stricter


FAST_SALE_VALIDATOR: Final = SchemaValidator(_stricter(copy.deepcopy(POS_SALE_V1.core_schema)))


def key_upper_bound(raw: bytes) -> int:
    """At least the number of keys in ``raw``, a JSON text (see the module docstring)."""
    # One C pass each; cheaper than testing for whitespace before a colon first.
    return raw.translate(None, _JSON_WHITESPACE).count(b'":')


def proven_valid(raw: bytes) -> bool:
    """True only if ``raw`` is certainly a strict, duplicate-free, valid ``pos.v1`` object."""
    try:
        sale = FAST_SALE_VALIDATOR.validate_json(raw)
    except ValidationError:
        return False
    keys = len(sale)
    for item in sale["items"]:
        keys += len(item)
    refund = sale.get("refund")
    if refund is not None:
        keys += len(refund)
    cancel_item = sale.get("cancel_item")
    if cancel_item is not None:
        keys += len(cancel_item)
    return keys == key_upper_bound(raw)
