"""The generator: reproducible bytes, realistic good sales, every bad kind, resends."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal

from producer.catalog import MINOR_UNITS, PAYMENT_METHODS, PRODUCTS, STORES_BY_ID, price_in
from producer.generator import DUPLICATE, VALID, BadKind, GeneratorOptions, SaleGenerator
from producer.records import UNKNOWN_PARTITION_KEY

BASE = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)


def take(n: int, **options: float) -> list:
    return list(
        itertools.islice(SaleGenerator(GeneratorOptions(seed=11, base_time=BASE, **options)), n)
    )


def test_same_seed_and_base_time_give_byte_identical_records() -> None:
    first = [r.data for r in take(500, bad_rate=0.2, duplicate_rate=0.1)]
    again = [r.data for r in take(500, bad_rate=0.2, duplicate_rate=0.1)]
    other = [
        r.data
        for r in itertools.islice(SaleGenerator(GeneratorOptions(seed=12, base_time=BASE)), 500)
    ]
    assert first == again
    assert first != other


def test_good_sales_are_consistent_pos_v1_documents() -> None:
    products = {p.product_id: p for p in PRODUCTS}
    for produced in take(2000):
        sale = json.loads(produced.data)
        store = STORES_BY_ID[sale["store_id"]]
        assert produced.partition_key == store.store_id
        assert sale["city"] == store.city and sale["currency"] == store.currency
        assert datetime.fromisoformat(sale["timestamp"]).utcoffset() is not None
        assert 1 <= len(sale["items"]) <= 5
        assert sale["payment_method"] in PAYMENT_METHODS
        total = sum(
            Decimal(str(item["price"])) * item["quantity"]
            for item in sale["items"]
            if not item["canceled"]
        )
        assert Decimal(str(sale["total_amount"])) == total
        for item in sale["items"]:
            price = Decimal(str(item["price"]))
            assert price == price_in(products[item["product_id"]], store.currency)
            # No more decimals than the currency's minor unit (JPY: whole yen), as Silver requires.
            assert -price.as_tuple().exponent <= MINOR_UNITS[store.currency]  # type: ignore[operator]
        if sale["refund"] is not None:
            assert 0 < sale["refund"]["refund_amount"] <= sale["total_amount"]


def test_refunds_and_canceled_lines_occur_at_realistic_rates() -> None:
    sales = [json.loads(r.data) for r in take(5000)]
    refunds = sum(1 for s in sales if s["refund"]) / len(sales)
    lines = [item for s in sales for item in s["items"]]
    canceled = sum(1 for item in lines if item["canceled"]) / len(lines)
    assert 0.01 < refunds < 0.06
    assert 0.005 < canceled < 0.06


def test_bad_rate_mixes_in_every_bad_kind() -> None:
    records = take(4000, bad_rate=0.3)
    kinds = Counter(r.kind for r in records)
    assert set(BadKind) <= {BadKind(k) for k in kinds if k != VALID}
    assert 0.25 < 1 - kinds[VALID] / len(records) < 0.35
    by_kind = {r.kind: r for r in reversed(records)}
    assert by_kind[BadKind.EMPTY].data == b""
    assert by_kind[BadKind.EMPTY].partition_key == UNKNOWN_PARTITION_KEY
    try:
        by_kind[BadKind.NOT_UTF8].data.decode("utf-8")
        raise AssertionError("expected invalid UTF-8")
    except UnicodeDecodeError:
        pass
    assert isinstance(json.loads(by_kind[BadKind.JSON_ARRAY].data), list)
    assert "+" not in json.loads(by_kind[BadKind.NAIVE_TIMESTAMP].data)["timestamp"][19:]
    assert all(b"\n" not in r.data for r in records)  # one record per JSON Lines line


def test_conflicting_duplicate_reuses_an_accepted_id_with_different_content() -> None:
    records = take(3000, bad_rate=0.3)
    good = {json.loads(r.data)["transaction_id"]: r.data for r in records if r.kind == VALID}
    conflicts = [r for r in records if r.kind == BadKind.CONFLICTING_DUPLICATE]
    assert conflicts
    for conflict in conflicts:
        transaction_id = json.loads(conflict.data)["transaction_id"]
        assert transaction_id in good and good[transaction_id] != conflict.data


def test_duplicates_are_byte_identical_resends_of_earlier_good_sales() -> None:
    records = take(3000, duplicate_rate=0.05)
    seen: set[bytes] = set()
    duplicates = 0
    for produced in records:
        if produced.kind == DUPLICATE:
            duplicates += 1
            assert produced.data in seen
        elif produced.kind == VALID:
            seen.add(produced.data)
    assert 0.03 < duplicates / len(records) < 0.07
