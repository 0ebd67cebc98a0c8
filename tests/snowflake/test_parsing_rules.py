"""Timestamps are parsed with explicit formats (no AUTO detection), and a JSON null is told apart
from an absent field where the meaning differs: through the real transform (forced valid where
its model would flag the record first, to show the SQL rule on its own) and the local warehouse."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
import pytest

from tests.snowflake.bronze import BronzeRow, bronze_rows, forced_valid, sale
from tests.snowflake.pipeline import Pipeline


def _rules(pipeline: Pipeline) -> dict[str, set[tuple[str, str]]]:
    return {
        row["TRANSACTION_ID"]: {(r["rule_id"], r["detail"]) for r in row["FAILED_RULES"]}
        for row in pipeline.rejected()
    }


@pytest.mark.parametrize(
    ("timestamp", "utc"),
    [
        ("2026-11-30T09:15:02Z", "2026-11-30T09:15:02"),  # trailing Z: not in AUTO's list
        ("2026-11-30T09:15:02.123456789+00:00", "2026-11-30T09:15:02.123457"),
        ("2026-11-30 09:15:02+01:00", "2026-11-30T08:15:02"),
        ("2026-11-30T09:15-05:00", "2026-11-30T14:15:00"),
        ("2026-11-30T09:15:02+0530", "2026-11-30T03:45:02"),
        ("2026-11-30T09:15:02.5Z", "2026-11-30T09:15:02.500000"),
    ],
)
def test_every_accepted_iso_form_parses(pipeline: Pipeline, timestamp: str, utc: str) -> None:
    pipeline.deliver(forced_valid(bronze_rows([sale("TS", timestamp=timestamp)])))
    [line] = pipeline.silver_lines()
    assert line["EVENT_TS_UTC"].isoformat() == utc


@pytest.mark.parametrize(
    ("timestamp", "rule"),
    [
        ("2026-02-30T09:15:02Z", "INVALID_TYPE"),  # no such day
        ("30/11/2026 09:15:02Z", "INVALID_TYPE"),
        ("2026-11-30T09:15:02", "TIMESTAMP_WITHOUT_OFFSET"),
    ],
)
def test_other_forms_are_rejected_with_their_reason(
    pipeline: Pipeline, timestamp: str, rule: str
) -> None:
    pipeline.deliver(forced_valid(bronze_rows([sale("TS", timestamp=timestamp)])))
    assert {rule_id for rule_id, _ in _rules(pipeline)["TS"]} == {rule}


def test_a_refund_time_needs_its_offset(pipeline: Pipeline) -> None:
    event = sale("R1", refund="1.00")
    event["refund"]["timestamp"] = "2026-11-30T10:00:00"
    pipeline.deliver(forced_valid(bronze_rows([event])))
    assert _rules(pipeline)["R1"] == {
        ("INVALID_TYPE", "refund.timestamp: not an ISO-8601 timestamp with a UTC offset")
    }


def test_ingest_time_comes_from_the_transforms_received_at(pipeline: Pipeline) -> None:
    rows = bronze_rows([sale("IN")])
    received = orjson.loads(rows[0][0])["meta"]["received_at"]  # ...T..:..:..mmmZ
    pipeline.deliver(rows)
    [line] = pipeline.silver_lines()
    expected = datetime.fromisoformat(received.replace("Z", "+00:00")).replace(tzinfo=None)
    assert line["INGESTED_AT"] == expected


def _with_item_field(event: dict[str, Any], field: str, value: Any) -> dict[str, Any]:
    item = dict(event["items"][0])
    if value is _ABSENT:
        del item[field]
    else:
        item[field] = value
    return event | {"items": [item]}


_ABSENT = object()


def test_canceled_json_null_is_not_a_boolean_but_absent_means_not_canceled(
    pipeline: Pipeline,
) -> None:
    null = _with_item_field(sale("NULL-CANCELED"), "canceled", None)
    absent = _with_item_field(sale("NO-CANCELED"), "canceled", _ABSENT)
    pipeline.deliver(forced_valid(bronze_rows([null, absent])))
    assert _rules(pipeline) == {
        "NULL-CANCELED": {("INVALID_TYPE", "items.0.canceled: not a boolean")}
    }
    [line] = pipeline.silver_lines()
    assert (line["TRANSACTION_ID"], line["CANCELED"]) == ("NO-CANCELED", False)


def test_a_json_null_payload_is_a_missing_payload(pipeline: Pipeline) -> None:
    [(content, metadata)] = bronze_rows([sale("P")])
    envelope = orjson.loads(content)
    envelope["payload"] = None
    row: BronzeRow = (orjson.dumps(envelope).decode("utf-8"), metadata)
    pipeline.deliver([row])
    [rejected] = pipeline.rejected()
    assert {(r["rule_id"], r["detail"]) for r in rejected["FAILED_RULES"]} == {
        ("REQUIRED_FIELD_MISSING", "payload")
    }
