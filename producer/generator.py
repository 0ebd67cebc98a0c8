"""Deterministic pos.v1 sale generator: a chain's day of sales with knobs for bad input and resends.

Same seed, same options and same base time give byte-identical records. Sales spread over the
stores by weight, carry 1-5 lines from the catalog, and see canceled lines and refunds at realistic
rates. ``bad_rate`` mixes in every kind of bad input the transform and the Silver rules must
handle; ``duplicate_rate`` re-sends an earlier sale byte for byte (what a POS does when it retries
after a timeout).
"""

from __future__ import annotations

import json
import random
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from producer.catalog import (
    MINOR_UNITS,
    PAYMENT_METHODS,
    PAYMENT_WEIGHTS,
    PRODUCTS,
    STORE_WEIGHTS,
    STORES,
    Store,
    price_in,
)
from producer.records import ProducedRecord, partition_key_for

VALID = "valid"
DUPLICATE = "duplicate"


class BadKind(StrEnum):
    """Every kind of bad input the pipeline must reject with a reason (never crash, never drop)."""

    NOT_JSON = "not_json"
    TRUNCATED_JSON = "truncated_json"
    JSON_ARRAY = "json_array"
    JSON_SCALAR = "json_scalar"
    NOT_UTF8 = "not_utf8"
    EMPTY = "empty"
    MISSING_FIELD = "missing_field"
    WRONG_TYPE = "wrong_type"
    BAD_QUANTITY = "bad_quantity"
    EMPTY_ITEMS = "empty_items"
    NAN = "nan"
    NAIVE_TIMESTAMP = "naive_timestamp"
    UNKNOWN_STORE = "unknown_store"
    UNKNOWN_PRODUCT = "unknown_product"
    UNKNOWN_PAYMENT_METHOD = "unknown_payment_method"
    TOTAL_MISMATCH = "total_mismatch"
    REFUND_EXCEEDS_TOTAL = "refund_exceeds_total"
    CONFLICTING_DUPLICATE = "conflicting_duplicate"


REQUIRED_FIELDS = ("store_id", "transaction_id", "timestamp", "items", "total_amount")
CANCELED_LINE_RATE = 0.04
REFUND_RATE = 0.03
# How many recent good sales a duplicate or a conflicting resend may copy.
RESEND_WINDOW = 256


@dataclass(frozen=True)
class GeneratorOptions:
    seed: int = 0
    base_time: datetime = field(default_factory=lambda: datetime.now(UTC))
    bad_rate: float = 0.0
    duplicate_rate: float = 0.0
    # Business-time spacing of consecutive sales across the chain. Keep timestamps near the send
    # time: Silver rejects a sale stamped more than 10 minutes after it reached Kinesis.
    seconds_between_sales: float = 0.01

    def __post_init__(self) -> None:
        if self.base_time.tzinfo is None:
            raise ValueError("base_time must carry a time zone")
        for name in ("bad_rate", "duplicate_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        if self.bad_rate + self.duplicate_rate > 1.0:
            raise ValueError("bad_rate + duplicate_rate cannot exceed 1")


def _money(value: Decimal, currency: str) -> float | int:
    """An amount with the currency's decimals (half up): whole units for a zero-decimal currency
    (yen), else a float (two-decimal values below 1e15 round-trip exactly through its shortest
    repr)."""
    minor_unit = MINOR_UNITS[currency]
    exact = value.quantize(Decimal(1).scaleb(-minor_unit), rounding=ROUND_HALF_UP)
    return int(exact) if minor_unit == 0 else float(exact)


def encode_sale(document: Any) -> bytes:
    """Compact UTF-8 JSON, as the POS sends a sale (and as every produced record is written)."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class SaleGenerator:
    """Iterates produced records forever; take as many as needed (``itertools.islice``)."""

    def __init__(self, options: GeneratorOptions) -> None:
        self._options = options
        # Reproducible test data, not security: a seeded PRNG is the point.
        self._rng = random.Random(options.seed)  # noqa: S311
        self._sequence = 0
        self._recent: deque[dict[str, Any]] = deque(maxlen=RESEND_WINDOW)
        self._recent_bytes: deque[bytes] = deque(maxlen=RESEND_WINDOW)

    def __iter__(self) -> Iterator[ProducedRecord]:
        while True:
            yield self.next_record()

    def next_record(self) -> ProducedRecord:
        roll = self._rng.random()
        if roll < self._options.duplicate_rate and self._recent_bytes:
            data = self._rng.choice(self._recent_bytes)
            return ProducedRecord(data, DUPLICATE, partition_key_for(data))
        if roll < self._options.duplicate_rate + self._options.bad_rate:
            kind = self._rng.choice(list(BadKind))
            if kind is BadKind.CONFLICTING_DUPLICATE and not self._recent:
                kind = BadKind.TOTAL_MISMATCH  # nothing to conflict with yet
            data = self._bad_record(kind)
            return ProducedRecord(data, kind.value, partition_key_for(data))
        sale = self._sale()
        data = encode_sale(sale)
        self._recent.append(sale)
        self._recent_bytes.append(data)
        return ProducedRecord(data, VALID, partition_key_for(data))

    # -- good sales ---------------------------------------------------------------------------

    def next_sale(self) -> dict[str, Any]:
        """One valid sale as a fresh dict, with no roll for bad input or resends.

        ``next_record`` does not call this, so a seed's produced records stay what they were; a
        sale returned here is not remembered for later resends either.
        """
        return self._sale()

    def _sale(self) -> dict[str, Any]:
        rng = self._rng
        store = rng.choices(STORES, weights=STORE_WEIGHTS)[0]
        event_time = self._next_event_time()
        local_time = event_time.astimezone(ZoneInfo(store.time_zone))
        lines = self._lines(store.currency)
        total = sum(
            (
                Decimal(str(line["price"])) * line["quantity"]
                for line in lines
                if not line["canceled"]
            ),
            Decimal(0),
        )
        payment_method = rng.choices(PAYMENT_METHODS, weights=PAYMENT_WEIGHTS)[0]
        canceled = [line for line in lines if line["canceled"]]
        sale: dict[str, Any] = {
            "store_id": store.store_id,
            "city": store.city,
            "transaction_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "timestamp": _iso(local_time),
            "register_id": f"{store.store_id}-R{rng.randint(1, store.registers):02d}",
            "cashier_id": f"C{rng.randint(1, 400):04d}",
            "items": lines,
            "total_amount": _money(total, store.currency),
            "currency": store.currency,
            "payment_method": payment_method,
            "refund": self._refund(total, payment_method, local_time, store.currency),
            "cancel_item": dict(canceled[0]) if canceled else None,
            "schema_version": "pos.v1",
        }
        return sale

    def _next_event_time(self) -> datetime:
        self._sequence += 1
        jitter = self._rng.uniform(0.0, self._options.seconds_between_sales)
        offset = self._sequence * self._options.seconds_between_sales + jitter
        return self._options.base_time + timedelta(seconds=round(offset, 3))

    def _lines(self, currency: str) -> list[dict[str, Any]]:
        rng = self._rng
        products = rng.sample(
            PRODUCTS, k=rng.choices((1, 2, 3, 4, 5), weights=(30, 28, 20, 13, 9))[0]
        )
        lines = []
        for position, product in enumerate(products):
            lines.append(
                {
                    "product_id": product.product_id,
                    "price": _money(price_in(product, currency), currency),
                    "quantity": rng.choices((1, 2, 3, 4, 6), weights=(62, 22, 9, 5, 2))[0],
                    # The first line is never canceled, so every sale has something to pay for.
                    "canceled": position > 0 and rng.random() < CANCELED_LINE_RATE,
                }
            )
        return lines

    def _refund(
        self, total: Decimal, method: str, sold_at: datetime, currency: str
    ) -> dict[str, Any] | None:
        if total <= 0 or self._rng.random() >= REFUND_RATE:
            return None
        share = Decimal(self._rng.choice((25, 50, 100))) / 100
        refunded_at = sold_at + timedelta(minutes=self._rng.randint(5, 240))
        return {
            "refund_amount": _money(total * share, currency),
            "refund_method": method,
            "timestamp": _iso(refunded_at),
        }

    # -- bad input ----------------------------------------------------------------------------

    def _bad_record(self, kind: BadKind) -> bytes:
        rng = self._rng
        sale = self._sale()
        data = encode_sale(sale)
        if kind is BadKind.NOT_JSON:
            code = rng.randint(100, 999)
            return f"POS-ERR {code}: printer offline at {sale['register_id']}".encode()
        if kind is BadKind.TRUNCATED_JSON:
            return data[: rng.randint(1, len(data) - 2)]
        if kind is BadKind.JSON_ARRAY:
            return b"[" + data + b"]"
        if kind is BadKind.JSON_SCALAR:
            return encode_sale(rng.choice((42, "sale", True, None, 3.5)))
        if kind is BadKind.NOT_UTF8:
            city = sale["city"].encode()
            return data.replace(city, b"\xff\xfe" + city, 1)
        if kind is BadKind.EMPTY:
            return b""
        if kind is BadKind.MISSING_FIELD:
            del sale[rng.choice(REQUIRED_FIELDS)]
        elif kind is BadKind.WRONG_TYPE:
            self._break_type(sale)
        elif kind is BadKind.BAD_QUANTITY:
            sale["items"][0]["quantity"] = rng.choice((0, -1, -3))
        elif kind is BadKind.EMPTY_ITEMS:
            sale["items"] = []
            sale["total_amount"] = 0.0
            sale["cancel_item"] = None
        elif kind is BadKind.NAN:
            sale["items"][0]["price"] = float("nan")
            return json.dumps(sale, separators=(",", ":"), allow_nan=True).encode()
        elif kind is BadKind.NAIVE_TIMESTAMP:
            sale["timestamp"] = sale["timestamp"][:23]
        elif kind is BadKind.UNKNOWN_STORE:
            sale["store_id"] = f"S9{rng.randint(10, 99)}"
        elif kind is BadKind.UNKNOWN_PRODUCT:
            sale["items"][0]["product_id"] = f"P9{rng.randint(10, 99)}"
        elif kind is BadKind.UNKNOWN_PAYMENT_METHOD:
            sale["payment_method"] = rng.choice(("bitcoin", "Cash", "cheque", "IOU"))
        elif kind is BadKind.TOTAL_MISMATCH:
            sale["total_amount"] = _money(
                Decimal(str(sale["total_amount"])) + Decimal("1.00"), sale["currency"]
            )
        elif kind is BadKind.REFUND_EXCEEDS_TOTAL:
            sale["refund"] = {
                "refund_amount": _money(
                    Decimal(str(sale["total_amount"])) + Decimal("10.00"), sale["currency"]
                ),
                "refund_method": sale["payment_method"],
                "timestamp": sale["timestamp"],
            }
        elif kind is BadKind.CONFLICTING_DUPLICATE:
            return encode_sale(self._conflicting_copy())
        return encode_sale(sale)

    def _break_type(self, sale: dict[str, Any]) -> None:
        breakage = self._rng.randrange(4)
        if breakage == 0:
            sale["items"][0]["quantity"] = str(sale["items"][0]["quantity"])
        elif breakage == 1:
            sale["items"][0]["price"] = "twelve"
        elif breakage == 2:
            sale["store_id"] = int(sale["store_id"][1:])
        else:
            sale["items"][0]["canceled"] = "no"

    def _conflicting_copy(self) -> dict[str, Any]:
        """A resend of a recent good sale's transaction id whose first line's quantity differs."""
        original = self._rng.choice(self._recent)
        copy = json.loads(encode_sale(original))
        first = copy["items"][0]
        first["quantity"] += 1
        copy["total_amount"] = _money(
            Decimal(str(copy["total_amount"])) + Decimal(str(first["price"])), copy["currency"]
        )
        copy["refund"] = None
        return dict(copy)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


def store_for(store_id: str) -> Store | None:
    return next((store for store in STORES if store.store_id == store_id), None)
