"""The one-parse fast path never calls a record valid that the strict path would not.

Every strictness case is checked on both paths: ``proven_valid`` must decline it, and ``classify``
(fast path first) must give exactly the verdict of ``classify_strict``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.firehose_events import realistic_sale, sale_bytes
from lambdas.transform.classify import VALID, classify, classify_strict
from lambdas.transform.fastpath import key_upper_bound, proven_valid
from tests.profiles import examples
from tests.transform.test_bad_input import CASES, VALID_CASES

SALE = realistic_sale(7)
GOOD = sale_bytes({**SALE, "total_amount": 12.5})


def both_paths(raw: bytes) -> tuple[bool, str, list[Any]]:
    verdict = classify(raw)
    strict = classify_strict(raw)
    assert verdict == strict, "the fast path changed a verdict"
    return proven_valid(raw), verdict.status, [e["type"] for e in verdict.errors]


def test_a_typical_sale_takes_the_fast_path() -> None:
    assert proven_valid(GOOD)
    assert classify(GOOD) is VALID


NON_EMPTY_CASES = {name: case[0] for name, case in CASES.items() if case[0]}


@pytest.mark.parametrize("data", NON_EMPTY_CASES.values(), ids=NON_EMPTY_CASES.keys())
def test_every_bad_record_is_declined_by_the_fast_path(data: bytes) -> None:
    fast, status, _ = both_paths(data)
    assert not fast
    assert status != "valid"


def test_an_empty_record_is_answered_before_either_path() -> None:
    # The strict path alone would call it not_json; classify names it "empty" first.
    assert not proven_valid(b"")
    assert classify(b"").status == "empty"
    assert [case for case in CASES.values() if not case[0]] == [(b"", "empty", [("", "empty")])]


@pytest.mark.parametrize("data", VALID_CASES.values(), ids=VALID_CASES.keys())
def test_valid_cases_agree_on_both_paths(data: bytes) -> None:
    assert both_paths(data)[1] == "valid"


def in_extra(token: bytes) -> bytes:
    """The good sale with one extra field whose value is ``token``, verbatim."""
    return GOOD[:-1] + b',"extra":' + token + b"}"


# Accepted by pydantic's own parser, rejected by orjson: must never be called valid.
STRICTNESS = {
    "NaN in an extra": (in_extra(b"NaN"), "number_not_finite"),
    "Infinity in an extra": (in_extra(b"Infinity"), "number_not_finite"),
    "-Infinity in an extra": (in_extra(b"-Infinity"), "number_not_finite"),
    "1e400 in an extra": (in_extra(b"1e400"), "number_not_finite"),
    "400-digit integer in an extra": (in_extra(b"9" * 400), "number_not_finite"),
    "NaN nested in an extra": (in_extra(b'{"x":[NaN]}'), "number_not_finite"),
    "1e400 as money": (
        GOOD.replace(b'"total_amount":12.5', b'"total_amount":1e400'),
        "number_not_finite",
    ),
    "duplicate top-level key": (GOOD.replace(b'{"', b'{"city":"X","', 1), "duplicate_key"),
    "duplicate key in an item": (
        GOOD.replace(b'"quantity":', b'"quantity":1,"quantity":', 1),
        "duplicate_key",
    ),
    "duplicate key via an escape": (in_extra(b'1,"\\u0063ity":"X"'), "duplicate_key"),
    "duplicate key with whitespace": (in_extra(b'1, "city" :"X"'), "duplicate_key"),
    "duplicate extra scalar": (in_extra(b'1,"extra":2'), "duplicate_key"),
    "duplicate hidden by a quote-colon in a string": (
        GOOD.replace(b'{"', b'{"city":"X","', 1).replace(b'"cash"', b'"a\\":b"', 1),
        "duplicate_key",
    ),
    "too deep for pydantic": (in_extra(b"[" * 300 + b"]" * 300), "json_too_deep"),
}


@pytest.mark.parametrize(("data", "error"), STRICTNESS.values(), ids=STRICTNESS.keys())
def test_strictness_cases_are_caught_on_both_paths(data: bytes, error: str) -> None:
    fast, status, errors = both_paths(data)
    assert not fast
    assert (status, errors) == ("not_json", [error])


MAX = "9999999999.99"
# At the bounds the float fast path declines and the Decimal path decides. Note: pydantic reads a
# JSON *number* into Decimal through a double, so the last two over/under cases are "valid" there.
BOUNDARY = {
    "money exactly at the maximum": (MAX.encode(), "valid"),
    "money a hair over the maximum": (MAX.encode() + b"0000001", "valid"),
    "money a cent over the maximum": (b"10000000000.00", "invalid"),
    "money zero": (b"0", "valid"),
    "money negative zero": (b"-0.0", "valid"),
    "money tiny negative rounding to -0.0": (b"-1e-400", "valid"),
    "money negative": (b"-0.01", "invalid"),
    "money tiny positive": (b"1e-400", "valid"),
    "money as numeric text": (b'"12.50"', "valid"),
    "nested object in an extra": (None, "valid"),
}


@pytest.mark.parametrize(("token", "status"), BOUNDARY.values(), ids=BOUNDARY.keys())
def test_values_at_the_bounds_take_the_exact_path(token: bytes | None, status: str) -> None:
    if token is None:
        data = in_extra(b'{"card":"L-1","points":[1,2]}')
    else:
        data = GOOD.replace(b'"total_amount":12.5', b'"total_amount":' + token)
    fast, got, _ = both_paths(data)
    assert not fast
    assert got == status


def test_key_upper_bound_counts_keys_with_whitespace_before_the_colon() -> None:
    assert key_upper_bound(b'{"a" :1,"b"\n\t:{"c"\r:2}}') == 3


mutations = st.sampled_from(
    [
        *(b"NaN", b"Infinity", b"-Infinity", b"1e400", b"-1e-400", b"0", b"-0.0", b"9" * 400),
        *(b"9999999999.99", b"9999999999.990000001", b'"1"', b"[]", b"{}", b"null", b"true"),
    ]
)


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32), token=mutations, where=st.integers(0, 60), dup=st.booleans())
def test_fast_path_verdict_always_matches_the_strict_path(
    seed: int, token: bytes, where: int, dup: bool
) -> None:
    sale: dict[str, Any] = realistic_sale(seed)
    data = sale_bytes(sale)
    # Put ``token`` as the value after the where-th key, and maybe repeat that key.
    keys = [i for i in range(len(data)) if data[i : i + 2] == b'":']
    at = keys[where % len(keys)]
    start = data.rindex(b'"', 0, at) + 1
    key = data[start:at]
    replacement = b'":' + token + (b',"' + key + b'":1' if dup else b"") + b',"_":'
    data = data[:at] + replacement + data[at + 2 :]
    verdict = classify(data)
    assert verdict == classify_strict(data)
    if proven_valid(data):
        assert verdict is VALID
        assert json.loads(data) is not None
