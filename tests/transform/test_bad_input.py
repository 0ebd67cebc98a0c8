"""Each kind of bad record is delivered Ok with its status and reason, and its bytes preserved."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import orjson
import pytest

from events.firehose_events import bad_records, firehose_kinesis_event, realistic_sale, sale_bytes
from lambdas.transform.batch import transform_batch
from lambdas.transform.classify import classify
from lambdas.transform.limits import MAX_ERRORS_PER_RECORD, MAX_RECORD_BYTES

RNG_SEED = 2024
BAD = bad_records(RNG_SEED)
SALE = realistic_sale(RNG_SEED)


def run_one(data: bytes) -> tuple[str, dict[str, Any], bytes]:
    """Transform one record; return its result, decoded envelope and envelope bytes."""
    event = firehose_kinesis_event([(data, "S001")])
    record = transform_batch(event["records"], received_at="2026-11-30T06:00:00.123Z").records[0]
    envelope = base64.b64decode(record["data"])
    return record["result"], json.loads(envelope), envelope


def with_sale(**changes: Any) -> bytes:
    return sale_bytes({**SALE, **changes})


def with_item(**changes: Any) -> bytes:
    return with_sale(items=[{**SALE["items"][0], **changes}])


# name -> (record bytes, status, [(loc, type), ...] expected exactly)
CASES: dict[str, tuple[bytes, str, list[tuple[str, str]]]] = {
    "not json": (BAD["not_json"], "not_json", [("", "json_invalid")]),
    "truncated json": (BAD["truncated_json"], "not_json", [("", "json_invalid")]),
    "json array": (BAD["json_array"], "not_object", [("", "object_type")]),
    "json scalar": (BAD["json_scalar"], "not_object", [("", "object_type")]),
    "json string": (b'"S001"', "not_object", [("", "object_type")]),
    "json null": (b"null", "not_object", [("", "object_type")]),
    "non-utf8 bytes": (BAD["not_utf8"], "not_utf8", [("", "utf8_invalid")]),
    "binary garbage": (bytes(range(256)), "not_utf8", [("", "utf8_invalid")]),
    "empty record": (b"", "empty", [("", "empty")]),
    "whitespace only": (b" \n", "not_json", [("", "json_invalid")]),
    "utf-8 BOM": (b"\xef\xbb\xbf" + with_sale(), "not_json", [("", "json_invalid")]),
    "missing field": (BAD["missing_field"], "invalid", [("transaction_id", "missing")]),
    "price as text": (BAD["price_as_text"], "invalid", [("items.0.price", "decimal_parsing")]),
    "quantity as text": (with_item(quantity="2"), "invalid", [("items.0.quantity", "int_type")]),
    "zero quantity": (BAD["zero_quantity"], "invalid", [("items.0.quantity", "greater_than")]),
    "negative quantity": (
        BAD["negative_quantity"],
        "invalid",
        [("items.0.quantity", "greater_than")],
    ),
    "fractional quantity": (with_item(quantity=1.5), "invalid", [("items.0.quantity", "int_type")]),
    "negative price": (with_item(price=-1), "invalid", [("items.0.price", "greater_than_equal")]),
    "canceled missing": (
        sale_bytes(
            {**SALE, "items": [{k: v for k, v in SALE["items"][0].items() if k != "canceled"}]}
        ),
        "invalid",
        [("items.0.canceled", "missing")],
    ),
    "empty items": (BAD["empty_items"], "invalid", [("items", "too_short")]),
    "NaN": (BAD["nan_amount"], "not_json", [("", "number_not_finite")]),
    "Infinity": (BAD["infinity_amount"], "not_json", [("", "number_not_finite")]),
    "number overflowing a double": (BAD["huge_number"], "not_json", [("", "number_not_finite")]),
    "huge money": (BAD["huge_money"], "invalid", [("total_amount", "less_than_equal")]),
    "timestamp without offset": (
        BAD["naive_timestamp"],
        "invalid",
        [("timestamp", "timezone_aware")],
    ),
    "unparseable timestamp": (
        BAD["unparseable_timestamp"],
        "invalid",
        [("timestamp", "datetime_parsing")],
    ),
    "epoch timestamp": (
        with_sale(timestamp=1764482400),
        "invalid",
        [("timestamp", "datetime_type")],
    ),
    "refund timestamp without offset": (
        with_sale(
            refund={"refund_amount": 1, "refund_method": "cash", "timestamp": "2026-11-30T09:00"}
        ),
        "invalid",
        [("refund.timestamp", "timezone_aware")],
    ),
    # An unregistered version is an unknown kind (tests/transform/test_kinds.py), not a sale.
    "other schema version": (
        with_sale(schema_version="pos.v2"),
        "invalid",
        [("schema_version", "unknown_kind")],
    ),
    "lowercase currency": (
        with_sale(currency="eur"),
        "invalid",
        [("currency", "string_pattern_mismatch")],
    ),
    "too many items": (
        with_sale(items=[SALE["items"][0]] * 501),
        "invalid",
        [("items", "too_long")],
    ),
    "duplicate keys": (BAD["duplicate_keys"], "not_json", [("store_id", "duplicate_key")]),
    "duplicate key via escape": (b'{"a":1,"\\u0061":2}', "not_json", [("a", "duplicate_key")]),
    "duplicate key nested": (
        with_sale().replace(b'"quantity":', b'"quantity":1,"quantity":', 1),
        "not_json",
        [("quantity", "duplicate_key")],
    ),
    "duplicate key with spaces": (b'{"a" : 1, "a" : 2}', "not_json", [("a", "duplicate_key")]),
    "deep nesting": (BAD["deep_nesting"], "not_json", [("", "json_too_deep")]),
    "nesting past orjson's limit": (
        b'{"a":' + b"[" * 2000 + b"]" * 2000 + b"}",
        "not_json",
        [("", "json_too_deep")],
    ),
    "lone surrogate escape": (b'{"city":"\\ud800"}', "not_json", [("", "json_invalid")]),
    "control character in string": (b'{"city":"a\x01b"}', "not_json", [("", "json_invalid")]),
    "trailing content": (with_sale() + b" {}", "not_json", [("", "json_invalid")]),
}


@pytest.mark.parametrize(("data", "status", "errors"), CASES.values(), ids=CASES.keys())
def test_bad_record_is_ok_with_status_and_every_error(
    data: bytes, status: str, errors: list[tuple[str, str]]
) -> None:
    result, envelope, envelope_bytes = run_one(data)
    assert result == "Ok"
    meta = envelope["meta"]
    assert meta["status"] == status
    assert meta["content_sha256"] == hashlib.sha256(data).hexdigest()
    assert [(error["loc"], error["type"]) for error in meta["errors"]] == errors
    orjson.loads(envelope_bytes)  # the strict parser reads every Ok output too
    if status == "invalid":
        assert envelope_bytes.startswith(b'{"payload":' + data + b',"meta":')
    elif status == "not_utf8":
        assert envelope["raw_encoding"] == "base64"
        assert base64.b64decode(envelope["raw"]) == data
    else:
        assert envelope["raw_encoding"] == "text"
        assert envelope["raw"].encode("utf-8") == data


VALID_CASES: dict[str, bytes] = {
    "unknown extra fields are kept": BAD["unknown_extra_fields"],
    "money as numeric text is exact": with_item(price="12.99"),
    "huge integer in an extra field": with_sale(loyalty_points=10**30),
    "escaped quote and colon in a string": with_sale(city='Say "hi": New York'),
    "pretty-printed with spaces before colons": json.dumps(
        json.loads(with_sale()), indent=2, separators=(",", " : ")
    ).encode(),
    "unicode escapes without duplicates": with_sale(city="M\u00e1laga").replace(
        b"\xc3\xa1", b"\\u00e1"
    ),
    "trailing newline": with_sale() + b"\n",
    "refund and cancel_item present": with_sale(
        refund={
            "refund_amount": 5,
            "refund_method": "cash",
            "timestamp": "2026-11-30T09:00:00-05:00",
        },
        cancel_item=SALE["items"][0],
    ),
}


@pytest.mark.parametrize("data", VALID_CASES.values(), ids=VALID_CASES.keys())
def test_valid_record_is_spliced_byte_for_byte(data: bytes) -> None:
    result, envelope, envelope_bytes = run_one(data)
    assert (result, envelope["meta"]["status"], envelope["meta"]["errors"]) == ("Ok", "valid", [])
    assert envelope_bytes.startswith(b'{"payload":' + data + b',"meta":')
    assert envelope["payload"] == json.loads(data)


def test_unknown_extra_fields_survive_in_the_payload() -> None:
    _, envelope, _ = run_one(BAD["unknown_extra_fields"])
    assert envelope["payload"]["loyalty"] == {"card": "L-7781", "points": 120}
    assert envelope["payload"]["lane"] == 3


def padded_sale(total_size: int) -> bytes:
    base = with_sale(note="")
    padding = total_size - len(base)
    return with_sale(note="x" * padding)


def test_record_just_under_firehose_limit_is_parsed_and_spliced() -> None:
    data = padded_sale(MAX_RECORD_BYTES)
    assert len(data) == MAX_RECORD_BYTES
    result, envelope, envelope_bytes = run_one(data)
    assert (result, envelope["meta"]["status"]) == ("Ok", "valid")
    assert envelope_bytes.startswith(b'{"payload":' + data)


def test_record_over_firehose_limit_is_too_large_and_kept_raw() -> None:
    data = padded_sale(MAX_RECORD_BYTES + 1)
    result, envelope, _ = run_one(data)
    assert result == "Ok"
    assert envelope["meta"]["status"] == "too_large"
    assert envelope["meta"]["errors"] == [{"loc": "", "type": "too_large"}]
    assert envelope["raw"].encode() == data


def test_errors_are_capped_with_a_marker() -> None:
    data = with_sale(items=[{}] * 40)  # 4 missing fields per line: 160 errors
    verdict = classify(data)
    assert verdict.status == "invalid"
    assert len(verdict.errors) == MAX_ERRORS_PER_RECORD + 1
    assert verdict.errors[-1] == {"loc": "", "type": "too_many_errors"}


def test_content_identity_is_the_bytes_not_the_delivery() -> None:
    """A redelivered copy (new record id, new received_at) keeps its hash; other bytes do not."""
    data = with_sale()
    first = firehose_kinesis_event([(data, "S001")])
    again = firehose_kinesis_event([(data, "S001"), (data, "S001")])
    hashes = {
        json.loads(base64.b64decode(record["data"]))["meta"]["content_sha256"]
        for event, received_at in (
            (first, "2026-11-30T06:00:00.123Z"),
            (again, "2026-12-01T00:00:00.000Z"),
        )
        for record in transform_batch(event["records"], received_at=received_at).records
    }
    assert hashes == {hashlib.sha256(data).hexdigest()}
    reordered = json.dumps(dict(reversed(list(SALE.items()))), separators=(",", ":")).encode()
    _, envelope, _ = run_one(reordered)
    assert envelope["meta"]["content_sha256"] == hashlib.sha256(reordered).hexdigest()
    assert envelope["meta"]["content_sha256"] not in hashes  # identity is the bytes the POS sent
