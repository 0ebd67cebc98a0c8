"""The response stays under Lambda's 6 MB limit for the largest batches Firehose can send."""

from __future__ import annotations

import json

from events.firehose_events import firehose_kinesis_event, realistic_sale, sale_bytes, sales
from lambdas.transform.batch import transform_batch
from lambdas.transform.limits import (
    BUFFER_INTERVAL_SECONDS,
    BUFFER_SIZE_MB,
    LAMBDA_RESPONSE_LIMIT_BYTES,
    MAX_RECORD_BYTES,
    RESPONSE_BUDGET_BYTES,
)

REQUEST_LIMIT_BYTES = 6 * 1024 * 1024
RECEIVED_AT = "2026-11-30T06:00:00.123Z"


def records_filling_request(data: bytes) -> list[dict[str, object]]:
    """As many copies of ``data`` as fit in one 6 MiB invocation request."""
    one = firehose_kinesis_event([(data, "S001")])
    per_record = len(json.dumps(one["records"][0])) + 2
    count = (REQUEST_LIMIT_BYTES - len(json.dumps({**one, "records": []}))) // per_record
    event = firehose_kinesis_event([(data, "S001")] * count)
    assert len(json.dumps(event)) <= REQUEST_LIMIT_BYTES
    return event["records"]


def test_buffer_hints_are_within_firehose_ranges() -> None:
    assert 0.2 <= BUFFER_SIZE_MB <= 3
    assert 0 <= BUFFER_INTERVAL_SECONDS <= 900
    assert RESPONSE_BUDGET_BYTES < LAMBDA_RESPONSE_LIMIT_BYTES


def test_worst_case_tiny_records_overflow_to_processing_failed_and_lose_nothing() -> None:
    records = records_filling_request(b"")  # envelope inflates these the most
    assert len(records) > 15_000
    result = transform_batch(records, received_at=RECEIVED_AT)
    response = json.dumps({"records": result.records})

    assert len(response) <= RESPONSE_BUDGET_BYTES
    assert [r["recordId"] for r in result.records] == [r["recordId"] for r in records]
    ok = [r for r in result.records if r["result"] == "Ok"]
    failed = result.records[len(ok) :]
    assert ok and failed, "expected some Ok records and an overflow tail"
    assert all(r["result"] == "ProcessingFailed" for r in failed)
    assert result.overflowed == len(failed)
    originals = {r["recordId"]: r["data"] for r in records}
    assert all(r["data"] == originals[r["recordId"]] for r in failed)


def test_a_full_buffer_of_the_smallest_valid_sales_fits_without_overflow() -> None:
    smallest = sale_bytes(
        {
            "store_id": "S1",
            "city": "Chicago",
            "transaction_id": "T1",
            "timestamp": "2026-11-30T09:00:00Z",
            "items": [{"product_id": "P1", "price": 1.5, "quantity": 1, "canceled": False}],
            "total_amount": 1.5,
            "payment_method": "cash",
        }
    )
    assert len(smallest) < 210  # limits.py's "smallest sensible valid sale" (~200 bytes)
    count = BUFFER_SIZE_MB * 1024 * 1024 // len(smallest) + 1  # the hint may be overshot by one
    records = firehose_kinesis_event([(smallest, "S001")] * count)["records"]
    result = transform_batch(records, received_at=RECEIVED_AT)
    assert result.overflowed == 0
    assert result.statuses["valid"] == count
    assert len(json.dumps({"records": result.records})) <= RESPONSE_BUDGET_BYTES


def test_a_full_buffer_of_typical_sales_with_five_percent_bad_fits() -> None:
    real = sales(5)
    payloads: list[bytes] = []
    while sum(map(len, payloads)) < BUFFER_SIZE_MB * 1024 * 1024:
        index = len(payloads)
        payloads.append(b"{oops" if index % 20 == 0 else sale_bytes(next(real)))
    records = firehose_kinesis_event([(data, "S001") for data in payloads])["records"]
    result = transform_batch(records, received_at=RECEIVED_AT)
    assert result.overflowed == 0
    assert result.statuses["not_json"] == len(payloads[::20])
    size = len(json.dumps({"records": result.records}))
    assert size <= result.response_bytes <= RESPONSE_BUDGET_BYTES


def test_largest_records_fit_within_the_budget() -> None:
    big = sale_bytes({**realistic_sale(1), "note": "x"}).replace(
        b'"note":"x"', b'"note":"' + b"x" * (MAX_RECORD_BYTES - 700) + b'"'
    )
    assert len(big) <= MAX_RECORD_BYTES
    # A 1 MiB hint can be overshot by one record, so two of the largest can arrive together.
    records = firehose_kinesis_event([(big, "S001")] * 2)["records"]
    result = transform_batch(records, received_at=RECEIVED_AT)
    assert result.overflowed == 0
    assert len(json.dumps({"records": result.records})) <= RESPONSE_BUDGET_BYTES


def test_response_size_accounting_is_an_upper_bound() -> None:
    records = records_filling_request(b"x" * 50)
    result = transform_batch(records, received_at=RECEIVED_AT)
    assert len(json.dumps({"records": result.records})) <= result.response_bytes


def test_overflow_starts_at_the_first_record_that_does_not_fit() -> None:
    data = sale_bytes(realistic_sale(3))
    records = firehose_kinesis_event([(data, "S001")] * 10)["records"]
    full = transform_batch(records, received_at=RECEIVED_AT)
    budget = full.response_bytes - 1  # one byte short: the last record cannot be upgraded
    result = transform_batch(records, received_at=RECEIVED_AT, budget_bytes=budget)
    assert [r["result"] for r in result.records] == ["Ok"] * 9 + ["ProcessingFailed"]
    assert result.records[-1]["data"] == records[-1]["data"]


def _response_bytes(result: object) -> int:
    records = getattr(result, "records")  # noqa: B009 - the BatchResult under test
    return len(json.dumps({"records": records}))


def test_the_budget_is_reached_exactly_never_passed() -> None:
    """The accounting is exact up to one ", " it counts for the last entry too (2 bytes on the
    safe side): a budget of the all-Ok response + 2 fits it whole, one byte less makes the last
    record ProcessingFailed, and a smaller budget costs more records, never more bytes."""
    records = firehose_kinesis_event([(sale_bytes(realistic_sale(n)), "S001") for n in range(6)])[
        "records"
    ]
    roomy = transform_batch(records, received_at=RECEIVED_AT, budget_bytes=10**9)
    exact = _response_bytes(roomy)
    assert roomy.overflowed == 0
    fits = transform_batch(records, received_at=RECEIVED_AT, budget_bytes=exact + 2)
    assert (fits.overflowed, _response_bytes(fits)) == (0, exact)
    short = transform_batch(records, received_at=RECEIVED_AT, budget_bytes=exact + 1)
    assert [r["result"] for r in short.records] == ["Ok"] * 5 + ["ProcessingFailed"]
    assert short.overflowed == 1 and _response_bytes(short) <= exact + 1
    shorter = transform_batch(records, received_at=RECEIVED_AT, budget_bytes=exact - 2500)
    assert shorter.overflowed >= 2
    assert shorter.overflowed == sum(r["result"] == "ProcessingFailed" for r in shorter.records)
    assert _response_bytes(shorter) <= exact - 2500


def test_once_a_record_overflows_every_later_one_fails_too() -> None:
    """Ok records stay a prefix of the batch: a cheap record after the one that did not fit is
    not squeezed in, even where it would fit."""
    costly = b'"' * 3000  # not JSON: kept as escaped text, the envelope doubles it
    cheap = sale_bytes(realistic_sale(2))
    records = firehose_kinesis_event([(cheap, "S001"), (costly, "S001"), (cheap, "S001")])[
        "records"
    ]

    def cost(record: dict[str, object]) -> int:
        ok = transform_batch([record], received_at=RECEIVED_AT, budget_bytes=10**9)
        failed = transform_batch([record], received_at=RECEIVED_AT, budget_bytes=0)
        return ok.response_bytes - failed.response_bytes

    assert cost(records[1]) > cost(records[2])
    all_failed = transform_batch(records, received_at=RECEIVED_AT, budget_bytes=0).response_bytes
    budget = all_failed + cost(records[0]) + cost(records[2])  # room for both cheap ones
    result = transform_batch(records, received_at=RECEIVED_AT, budget_bytes=budget)
    assert [r["result"] for r in result.records] == ["Ok", "ProcessingFailed", "ProcessingFailed"]
    assert result.overflowed == 2


def test_sampled_rejects_stop_at_their_maximum() -> None:
    from lambdas.transform.batch import MAX_SAMPLED_REJECTS

    bad = [(b"not json %d" % n, "S001") for n in range(MAX_SAMPLED_REJECTS + 3)]
    result = transform_batch(firehose_kinesis_event(bad)["records"], received_at=RECEIVED_AT)
    assert len(result.sampled_rejects) == MAX_SAMPLED_REJECTS
    assert result.statuses["not_json"] == MAX_SAMPLED_REJECTS + 3


def test_data_that_is_not_strict_base64_is_answered_processing_failed_untouched() -> None:
    records = firehose_kinesis_event([(sale_bytes(realistic_sale(3)), "S001")])["records"]
    records[0]["data"] = records[0]["data"][:8] + "!" + records[0]["data"][8:]
    result = transform_batch(records, received_at=RECEIVED_AT)
    assert result.records == [
        {
            "recordId": records[0]["recordId"],
            "result": "ProcessingFailed",
            "data": records[0]["data"],
        }
    ]
    assert len(result.faults) == 1
