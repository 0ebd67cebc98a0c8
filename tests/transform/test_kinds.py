"""Every event kind is detected, tagged in ``meta.schema`` and validated by its own schema; bad
input of each kind stays that kind's (never a bad sale), and an unknown kind is delivered tagged
``unknown``, never dropped."""

from __future__ import annotations

import base64
import json
from typing import Any

import orjson
import pytest

from events.firehose_events import firehose_kinesis_event, realistic_sale, sale_bytes
from lambdas.transform.batch import transform_batch
from lambdas.transform.kinds.registry import ALL_KINDS

CLICK = {
    "schema_version": "clickstream.v1",
    "event_id": "E-1",
    "session_id": "sess-9",
    "customer_id": None,
    "event_type": "add_to_cart",
    "product_id": "P001",
    "timestamp": "2026-11-30T09:00:01.250Z",
}
IOT = {
    "schema_version": "iot.v1",
    "sensor_id": "S001-DOOR-1",
    "store_id": "S001",
    "measure": "door_count",
    "value": 14,
    "unit": "count",
    "timestamp": "2026-11-30T09:00:00-05:00",
}
APP_LOG = {
    "schema_version": "app_log.v1",
    "event_id": "L-1",
    "store_id": "S001",
    "register_id": "R01",
    "level": "ERROR",
    "logger": "pos.printer",
    "message": "receipt printer out of paper",
    "timestamp": "2026-11-30T09:00:00Z",
}
CDC = {
    "schema_version": "cdc.v1",
    "op": "u",
    "before": {"product_id": "P001", "list_price": 59.99},
    "after": {
        "product_id": "P001",
        "product_name": "Wireless Earbuds",
        "category": "Electronics",
        "list_price": 54.99,
        "initial_stock": 120,
        "reorder_point": 24,
    },
    "source": {"table": "product", "lsn": 1200, "db": "erp"},
    "ts_ms": 1764493200000,
}
GOOD = {"clickstream.v1": CLICK, "iot.v1": IOT, "app_log.v1": APP_LOG, "cdc.v1": CDC}


def envelope_of(data: bytes) -> dict[str, Any]:
    event = firehose_kinesis_event([(data, "S001")])
    result = transform_batch(event["records"], received_at="2026-11-30T06:00:00.123Z")
    (record,) = result.records
    assert record["result"] == "Ok"
    decoded: dict[str, Any] = json.loads(base64.b64decode(record["data"]))
    return decoded


def test_every_kind_is_a_meta_schema_value() -> None:
    assert set(ALL_KINDS) == {"pos.v1", *GOOD, "unknown"}


@pytest.mark.parametrize("kind", sorted(GOOD))
def test_good_event_of_each_kind_is_valid_tagged_and_spliced_untouched(kind: str) -> None:
    data = orjson.dumps(GOOD[kind])
    envelope = envelope_of(data)
    assert envelope["meta"]["schema"] == kind
    assert (envelope["meta"]["status"], envelope["meta"]["errors"]) == ("valid", [])
    assert envelope["payload"] == GOOD[kind]


def test_sale_without_schema_version_stays_pos_v1() -> None:
    sale = realistic_sale(3)
    sale.pop("schema_version", None)
    envelope = envelope_of(sale_bytes(sale))
    assert (envelope["meta"]["schema"], envelope["meta"]["status"]) == ("pos.v1", "valid")


def test_sale_like_object_without_schema_version_is_an_invalid_sale() -> None:
    envelope = envelope_of(b'{"transaction_id": "T1"}')
    assert envelope["meta"]["schema"] == "pos.v1"
    assert envelope["meta"]["status"] == "invalid"
    assert {"loc": "items", "type": "missing"} in envelope["meta"]["errors"]


# name -> (payload, [(loc, type)] expected exactly)
UNKNOWN_CASES: dict[str, tuple[bytes, list[tuple[str, str]]]] = {
    "unregistered kind": (
        orjson.dumps({"schema_version": "weather.v1", "temp": 3}),
        [("schema_version", "unknown_kind")],
    ),
    "kind of the wrong type": (
        orjson.dumps({**CLICK, "schema_version": 1}),
        [("schema_version", "unknown_kind")],
    ),
    "no kind and nothing of a sale": (
        orjson.dumps({"hello": "world"}),
        [("schema_version", "unknown_kind")],
    ),
}


@pytest.mark.parametrize("name", sorted(UNKNOWN_CASES))
def test_unknown_kind_is_delivered_tagged_unknown_with_its_payload(name: str) -> None:
    data, errors = UNKNOWN_CASES[name]
    envelope = envelope_of(data)
    assert envelope["meta"]["schema"] == "unknown"
    assert envelope["meta"]["status"] == "invalid"
    assert [(e["loc"], e["type"]) for e in envelope["meta"]["errors"]] == errors
    assert envelope["payload"] == orjson.loads(data)


def _with(base: dict[str, Any], **changes: Any) -> bytes:
    return orjson.dumps({**base, **changes})


def _without(base: dict[str, Any], field: str) -> bytes:
    return orjson.dumps({key: value for key, value in base.items() if key != field})


# name -> (kind, record, status, [(loc, type)] expected exactly)
BAD_CASES: dict[str, tuple[str, bytes, str, list[tuple[str, str]]]] = {
    # clickstream
    "click: unknown event type": (
        "clickstream.v1",
        _with(CLICK, event_type="wishlist"),
        "invalid",
        [("event_type", "literal_error")],
    ),
    "click: session missing": (
        "clickstream.v1",
        _without(CLICK, "session_id"),
        "invalid",
        [("session_id", "missing")],
    ),
    "click: epoch timestamp": (
        "clickstream.v1",
        _with(CLICK, timestamp=1764493200),
        "invalid",
        [("timestamp", "datetime_type")],
    ),
    "click: truncated": (
        "clickstream.v1",
        orjson.dumps(CLICK)[:60],
        "not_json",
        [("", "json_invalid")],
    ),
    # iot
    "iot: value as text": ("iot.v1", _with(IOT, value="14"), "invalid", [("value", "float_type")]),
    "iot: NaN value": (
        "iot.v1",
        orjson.dumps(IOT).replace(b'"value":14', b'"value":NaN'),
        "not_json",
        [("", "number_not_finite")],
    ),
    "iot: unknown measure": (
        "iot.v1",
        _with(IOT, measure="humidity"),
        "invalid",
        [("measure", "literal_error")],
    ),
    "iot: store missing": (
        "iot.v1",
        _without(IOT, "store_id"),
        "invalid",
        [("store_id", "missing")],
    ),
    # app logs
    "log: unknown level": (
        "app_log.v1",
        _with(APP_LOG, level="LOUD"),
        "invalid",
        [("level", "literal_error")],
    ),
    "log: message not text": (
        "app_log.v1",
        _with(APP_LOG, message=["a"]),
        "invalid",
        [("message", "string_type")],
    ),
    "log: not utf-8": (
        "app_log.v1",
        orjson.dumps(APP_LOG).replace(b"paper", b"pap\xe9r"),
        "not_utf8",
        [("", "utf8_invalid")],
    ),
    # cdc
    "cdc: unknown op": ("cdc.v1", _with(CDC, op="x"), "invalid", [("", "union_tag_invalid")]),
    "cdc: create without after": (
        "cdc.v1",
        _with(CDC, op="c", after=None),
        "invalid",
        [("c.after", "dict_type")],
    ),
    "cdc: delete without before": (
        "cdc.v1",
        _with(CDC, op="d", before=None, after=None),
        "invalid",
        [("d.before", "dict_type")],
    ),
    "cdc: unknown table": (
        "cdc.v1",
        _with(CDC, source={"table": "customer", "lsn": 5}),
        "invalid",
        [("u.source.table", "literal_error")],
    ),
    "cdc: log position as text": (
        "cdc.v1",
        _with(CDC, source={"table": "product", "lsn": "5"}),
        "invalid",
        [("u.source.lsn", "int_type")],
    ),
    "cdc: duplicate key": (
        "cdc.v1",
        orjson.dumps(CDC)[:-1] + b',"op":"d"}',
        "not_json",
        [("op", "duplicate_key")],
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_bad_input_of_each_kind_is_flagged_as_that_kind(name: str) -> None:
    kind, data, status, errors = BAD_CASES[name]
    envelope = envelope_of(data)
    assert envelope["meta"]["schema"] == kind
    assert envelope["meta"]["status"] == status
    assert sorted((e["loc"], e["type"]) for e in envelope["meta"]["errors"]) == sorted(errors)
    if status == "invalid":
        assert envelope["payload"] == orjson.loads(data)
    else:
        assert "payload" not in envelope


def test_not_json_without_a_kind_marker_stays_pos_v1() -> None:
    envelope = envelope_of(b"{not json")
    assert (envelope["meta"]["schema"], envelope["meta"]["status"]) == ("pos.v1", "not_json")


def test_batch_counts_records_per_kind() -> None:
    payloads = [orjson.dumps(event) for event in GOOD.values()]
    payloads += [sale_bytes(realistic_sale(5)), b'{"schema_version":"x.v9"}', b"\xff"]
    event = firehose_kinesis_event([(data, "S001") for data in payloads])
    result = transform_batch(event["records"], received_at="2026-11-30T06:00:00.123Z")
    assert dict(result.kinds) == {
        "clickstream.v1": 1,
        "iot.v1": 1,
        "app_log.v1": 1,
        "cdc.v1": 1,
        "pos.v1": 2,
        "unknown": 1,
    }
