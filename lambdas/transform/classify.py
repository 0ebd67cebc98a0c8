"""Decides what one Firehose record is: which kind (``kinds/registry.py``), a valid or invalid
object of that kind's schema, or why it is not a JSON object.

Only a JSON object that every consumer downstream parses the same way is spliced into the envelope
as ``payload``. So besides the model, a record must pass three strict checks, each one a reason
for status ``not_json`` (its raw form is then preserved instead):

- RFC 8259 grammar as orjson reads it: no NaN/Infinity, no number that overflows a double,
  valid UTF-8, no lone surrogate escapes, no BOM, no trailing content (``json_invalid``,
  ``number_not_finite``).
- Nesting: at most the depth pydantic's parser accepts (about 254), far under orjson's and the
  stdlib's limits, so the envelope, one level deeper, parses everywhere (``json_too_deep``).
- Unique keys (I-JSON, RFC 7493): Snowflake rejects duplicate keys by default and parsers disagree
  on which value wins, so such a record is not spliced (``duplicate_key``).

``classify`` first tries ``fastpath.proven_valid`` (one parse, cheap proofs of the three checks,
``pos.v1`` only: sales are most of the stream); only when that cannot prove ``valid`` does
``classify_strict`` detect the kind and run every check the slow, exact way.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Final

import orjson
from pydantic import ValidationError

from lambdas.transform.fastpath import proven_valid
from lambdas.transform.kinds.registry import (
    ANY_OBJECT,
    POS,
    SCHEMAS,
    UNKNOWN,
    kind_of,
    kind_of_text,
)
from lambdas.transform.limits import MAX_ERRORS_PER_RECORD, MAX_RECORD_BYTES


class Status:
    """The ``meta.status`` values; plain strings because they are counted per record."""

    VALID: Final = "valid"
    INVALID: Final = "invalid"
    NOT_JSON: Final = "not_json"
    NOT_UTF8: Final = "not_utf8"
    NOT_OBJECT: Final = "not_object"
    EMPTY: Final = "empty"
    TOO_LARGE: Final = "too_large"


ALL_STATUSES: Final = (
    Status.VALID,
    Status.INVALID,
    Status.NOT_JSON,
    Status.NOT_UTF8,
    Status.NOT_OBJECT,
    Status.EMPTY,
    Status.TOO_LARGE,
)

# The EMF metric counting each status (RecordsValid, RecordsNotJson, ...); the CDK alarms and the
# operations dashboard read the same names.
STATUS_METRIC_NAMES: Final = {
    status: "Records" + "".join(part.capitalize() for part in status.split("_"))
    for status in ALL_STATUSES
}

# Statuses whose record is a JSON object spliced in as "payload"; the others carry "raw".
SPLICED = frozenset({Status.VALID, Status.INVALID})

ErrorEntry = dict[str, str]


@dataclass(frozen=True, slots=True)
class Verdict:
    status: str
    errors: list[ErrorEntry]
    schema: str = POS  # meta.schema: the record's kind (kinds/registry.py)


VALID: Final = Verdict(Status.VALID, [])
# The valid verdict of each kind (VALID itself for pos.v1), shared: verdicts are immutable.
VALID_OF_KIND: Final = {
    kind: VALID if kind == POS else Verdict(Status.VALID, [], kind) for kind in SCHEMAS
}
_EMPTY = Verdict(Status.EMPTY, [{"loc": "", "type": "empty"}])
_TOO_LARGE = [{"loc": "", "type": "too_large"}]
_NOT_OBJECT = [{"loc": "", "type": "object_type"}]
_NOT_UTF8 = [{"loc": "", "type": "utf8_invalid"}]
_UNKNOWN_KIND = [{"loc": "schema_version", "type": "unknown_kind"}]

# Every key token ends with a quote, optional JSON whitespace and a colon. Matches inside strings
# (an escaped quote before a colon) only add to the count, so this is an upper bound on keys.
_KEY_END = re.compile(rb'"[ \t\r\n]*:')
_NON_FINITE_LITERAL = re.compile(rb"-?Infinity|NaN")
_QUOTE_WHITESPACE = re.compile(rb'"[ \t\r\n]')
MAX_ERROR_LOC_LENGTH = 128


def classify(raw: bytes) -> Verdict:
    """Return the status of one record's bytes and every problem found in it."""
    if not raw:
        return _EMPTY
    if len(raw) > MAX_RECORD_BYTES:
        return Verdict(Status.TOO_LARGE, _TOO_LARGE, kind_of_text(raw))
    if proven_valid(raw):
        return VALID
    return classify_strict(raw)


def classify_strict(raw: bytes) -> Verdict:
    """``classify`` without the fast path: every check, exactly (``raw`` non-empty, in size)."""
    try:
        parsed = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return _not_json_verdict(raw, exc)
    if type(parsed) is not dict:
        return Verdict(Status.NOT_OBJECT, _NOT_OBJECT, kind_of_text(raw))

    kind = kind_of(parsed)
    try:
        # An unknown kind is still parsed by pydantic: its depth limit applies to every payload.
        (ANY_OBJECT if kind == UNKNOWN else SCHEMAS[kind]).validate_json(raw)
    except ValidationError as exc:
        details = exc.errors(include_url=False, include_context=False, include_input=False)
        if any(detail["type"] == "json_invalid" for detail in details):
            # orjson accepted it, so pydantic's parser stopped on its recursion limit.
            return Verdict(Status.NOT_JSON, [{"loc": "", "type": "json_too_deep"}], kind)
        duplicate = _duplicate_key(raw, parsed, kind)
        if duplicate is not None:
            return duplicate
        return Verdict(Status.INVALID, _error_entries(details), kind)

    duplicate = _duplicate_key(raw, parsed, kind)
    if duplicate is not None:
        return duplicate
    return Verdict(Status.INVALID, _UNKNOWN_KIND, kind) if kind == UNKNOWN else VALID_OF_KIND[kind]


def _not_json_verdict(raw: bytes, exc: orjson.JSONDecodeError) -> Verdict:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return Verdict(Status.NOT_UTF8, _NOT_UTF8, kind_of_text(raw))
    message = str(exc)
    if "depth limit" in message:
        error_type = "json_too_deep"
    elif "infinity" in message or _parses_without_non_finite_literals(raw):
        error_type = "number_not_finite"
    else:
        error_type = "json_invalid"
    return Verdict(Status.NOT_JSON, [{"loc": "", "type": error_type}], kind_of_text(raw))


def _parses_without_non_finite_literals(raw: bytes) -> bool:
    replaced, count = _NON_FINITE_LITERAL.subn(b"0", raw)
    if not count:
        return False
    try:
        orjson.loads(replaced)
    except orjson.JSONDecodeError:
        return False
    return True


def _error_entries(details: list[Any]) -> list[ErrorEntry]:
    entries = [
        {"loc": ".".join(str(part) for part in detail["loc"]), "type": detail["type"]}
        for detail in details[:MAX_ERRORS_PER_RECORD]
    ]
    if len(details) > MAX_ERRORS_PER_RECORD:
        entries.append({"loc": "", "type": "too_many_errors"})
    return entries


def _duplicate_key(raw: bytes, parsed: dict[str, Any], kind: str) -> Verdict | None:
    if not _may_have_duplicate_keys(raw, parsed):
        return None
    key = _first_duplicate_key(raw)
    if key is None:
        return None
    error = {"loc": key[:MAX_ERROR_LOC_LENGTH], "type": "duplicate_key"}
    return Verdict(Status.NOT_JSON, [error], kind)


def _may_have_duplicate_keys(raw: bytes, parsed: dict[str, Any]) -> bool:
    """Cheap test that is False only when ``raw`` provably has no duplicate key.

    In ``raw``, every key ends in '":' (unless whitespace precedes the colon: then count with a
    regex) and so does every quote-colon inside a string, which without \\u escapes must be
    written '\\":'. So U = raw.count('":') = keys + in-string quote-colons. Re-serializing the
    parsed tree gives Q = surviving keys + surviving in-string quote-colons (orjson writes '\\":'
    too). A duplicate removes at least one key, so Q == U proves there is none. Anything else
    (a real duplicate, or a quote-colon inside a dropped value) goes to the exact check.
    """
    if b"\\u" in raw:
        return True
    if _QUOTE_WHITESPACE.search(raw) is None:
        upper_bound = raw.count(b'":')
    else:
        upper_bound = len(_KEY_END.findall(raw))
    return orjson.dumps(parsed).count(b'":') != upper_bound


class _DuplicateKeyError(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKeyError(key)
            seen.add(key)
    return obj


def _first_duplicate_key(raw: bytes) -> str | None:
    try:
        json.loads(raw, object_pairs_hook=_reject_duplicates)
    except _DuplicateKeyError as exc:
        return exc.key
    return None
