"""Properties over arbitrary input: never raises, every recordId once, every Ok output parses."""

from __future__ import annotations

import base64
import json
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.firehose_events import firehose_kinesis_event, realistic_sale, sale_bytes
from lambdas.transform.batch import transform_batch
from tests.profiles import examples
from tests.transform.conftest import invoke

RECEIVED_AT = "2026-11-30T06:00:00.123Z"
STATUSES = {"valid", "invalid", "not_json", "not_utf8", "not_object", "empty", "too_large"}

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(), children, max_size=5)
    ),
    max_leaves=20,
)
json_bytes = json_values.map(lambda value: json.dumps(value).encode())
record_bytes = st.one_of(
    st.binary(max_size=300),
    json_bytes,
    json_values.map(
        lambda value: json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")
    ),
)


def check_response(payloads: list[bytes], records: list[dict[str, str]]) -> None:
    event_ids = [
        record["recordId"]
        for record in firehose_kinesis_event([(p, "S") for p in payloads])["records"]
    ]
    assert [record["recordId"] for record in records] == event_ids
    for data, record in zip(payloads, records, strict=True):
        assert record["result"] in {"Ok", "ProcessingFailed"}
        assert record["result"] == "Ok"  # nothing here is the handler's own fault
        envelope_bytes = base64.b64decode(record["data"], validate=True)
        assert isinstance(orjson.loads(envelope_bytes), dict)  # the strict parser accepts it
        envelope = json.loads(envelope_bytes)
        assert isinstance(envelope, dict)
        assert envelope["meta"]["status"] in STATUSES
        assert ("payload" in envelope) != ("raw" in envelope)
        if "payload" in envelope:
            assert envelope_bytes.startswith(b'{"payload":' + data + b',"meta":')
            assert envelope["payload"] == json.loads(data)
        elif envelope["raw_encoding"] == "base64":
            assert base64.b64decode(envelope["raw"]) == data
        else:
            assert envelope["raw"].encode("utf-8") == data


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(record_bytes, min_size=1, max_size=8))
def test_any_bytes_or_json_gets_exactly_one_parseable_answer(payloads: list[bytes]) -> None:
    records = firehose_kinesis_event([(p, "S") for p in payloads])["records"]
    result = transform_batch(records, received_at=RECEIVED_AT)
    check_response(payloads, result.records)


@settings(max_examples=examples(25), deadline=None)
@given(st.lists(record_bytes, min_size=1, max_size=4))
def test_the_full_handler_never_raises(payloads: list[bytes]) -> None:
    event = firehose_kinesis_event([(p, "S") for p in payloads])
    check_response(payloads, invoke(event)["records"])


extra_fields = st.dictionaries(
    st.text(min_size=1, max_size=10).filter(lambda key: not key.startswith(("store", "items"))),
    json_values,
    max_size=3,
)


@settings(max_examples=examples(150), deadline=None)
@given(seed=st.integers(0, 2**32), extras=extra_fields, indent=st.sampled_from([None, 1]))
def test_valid_sales_are_spliced_exactly(
    seed: int, extras: dict[str, Any], indent: int | None
) -> None:
    sale = realistic_sale(seed)
    document = {**extras, **sale}
    data = (
        sale_bytes(document)
        if indent is None
        else json.dumps(document, indent=indent, default=float).encode()
    )
    records = firehose_kinesis_event([(data, sale["store_id"])])["records"]
    envelope_bytes = base64.b64decode(
        transform_batch(records, received_at=RECEIVED_AT).records[0]["data"]
    )
    envelope = json.loads(envelope_bytes)
    assert envelope["meta"]["status"] == "valid", envelope["meta"]["errors"]
    assert envelope_bytes.startswith(b'{"payload":' + data + b',"meta":')
    assert envelope["payload"] == json.loads(data)


@settings(max_examples=examples(150), deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["a", "b", "c", "\\u0061"]), st.integers(), min_size=1, max_size=3
    ),
    st.data(),
)
def test_duplicate_keys_are_always_caught(obj: dict[str, int], data: st.DataObject) -> None:
    keys = list(obj)
    duplicated = data.draw(st.sampled_from(keys))
    members = [f'"{key}":{value}' for key, value in obj.items()] + [f'"{duplicated}":0']
    raw = ("{" + ",".join(data.draw(st.permutations(members))) + "}").encode()
    records = firehose_kinesis_event([(raw, "S")])["records"]
    envelope = json.loads(
        base64.b64decode(transform_batch(records, received_at=RECEIVED_AT).records[0]["data"])
    )
    assert envelope["meta"]["status"] == "not_json"
    assert envelope["meta"]["errors"][0]["type"] == "duplicate_key"
