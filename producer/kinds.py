"""Deterministic events of the stream's other kinds: clickstream, store sensors (IoT), POS
terminal logs and the ERP's change events (CDC), each with its own bad input.

``KindGenerator(kind, rng, clock)`` makes one kind's records; ``producer.mix`` interleaves them with
the sales by a ``--source-mix``. Every good record declares its kind in ``schema_version``
(``lambdas/transform/kinds/registry.py``). The ``ProducedRecord.kind`` of each record says what it
was meant to be, as ``<kind>:<label>`` (``iot.v1:valid``, ``cdc.v1:delete_absent_row``), so the
reconciliation can count every kind apart.

CDC changes touch only what POS sales and the catalog's inventory cannot notice: products CDC
itself creates (``P041`` on), which it then updates and deletes, and snapshot reads of the stores
with their seeded values.
"""

from __future__ import annotations

import json
import random
import uuid
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from producer.catalog import PRODUCTS, STORE_WEIGHTS, STORES

VALID = "valid"
CLICK_TYPES = ("page_view", "product_view", "add_to_cart", "checkout")
CLICK_WEIGHTS = (40, 35, 15, 10)
FIRST_CDC_PRODUCT = 41
FIRST_LSN = 1_000_000
# A fridge keeps 2..6 degrees Celsius; an excursion is above 8 (GOLD's store operations page).
FRIDGE_RANGE = (1.0, 9.5)

# Each kind's bad labels: the generator picks one uniformly. "delete_absent_row" and
# "out_of_order" are not rejected: Silver handles them as documented (docs/snowflake.md).
BAD_LABELS: dict[str, tuple[str, ...]] = {
    "clickstream.v1": ("truncated_json", "wrong_type", "missing_field", "unknown_product"),
    "iot.v1": ("truncated_json", "wrong_type", "missing_field", "out_of_range", "unknown_store"),
    "app_log.v1": ("truncated_json", "wrong_type", "missing_field", "unknown_store"),
    "cdc.v1": (
        "truncated_json",
        "wrong_type",
        "missing_field",
        "row_invalid",
        "delete_absent_row",
        "out_of_order",
    ),
}
# Bad labels whose record Silver accepts (lands) rather than rejects.
HANDLED_NOT_REJECTED = frozenset({"cdc.v1:delete_absent_row", "cdc.v1:out_of_order"})


def encode(document: Any) -> bytes:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


class KindGenerator:
    """Good and bad records of one non-POS kind; ``clock()`` gives each event's time."""

    def __init__(self, kind: str, rng: random.Random, clock: Callable[[], datetime]) -> None:
        if kind not in BAD_LABELS:
            raise ValueError(f"no generator for kind {kind!r}")
        self.kind = kind
        self._rng = rng
        self._clock = clock
        self._last_time: datetime | None = None
        self._lsn = FIRST_LSN
        self._created: deque[str] = deque()
        self._next_product = FIRST_CDC_PRODUCT
        self._sent_cdc: deque[dict[str, Any]] = deque(maxlen=64)

    def _now(self) -> datetime:
        """The clock's time, strictly after the previous event's (a reading's identity includes
        its time: two readings of a sensor never share one)."""
        now = self._clock()
        if self._last_time is not None and now <= self._last_time:
            now = self._last_time + timedelta(microseconds=1)
        self._last_time = now
        return now

    @property
    def last_time(self) -> datetime | None:
        """The time of the latest event made."""
        return self._last_time

    def good(self) -> dict[str, Any]:
        return {
            "clickstream.v1": self._click,
            "iot.v1": self._reading,
            "app_log.v1": self._log,
            "cdc.v1": self._change,
        }[self.kind]()

    def bad(self, label: str) -> bytes:
        """A record of this kind with the named defect (one of ``BAD_LABELS[kind]``)."""
        rng = self._rng
        event = self.good()
        if label == "truncated_json":
            data = encode(event)
            return data[: rng.randint(len(data) // 2, len(data) - 2)]
        if label == "missing_field":
            event.pop(rng.choice(_REQUIRED[self.kind]))
        elif label == "wrong_type":
            field, value = _WRONG_TYPES[self.kind]
            event[field] = value
        elif label == "unknown_product":
            event.update(event_type="product_view", product_id=f"P9{rng.randint(10, 99)}")
        elif label == "unknown_store":
            event["store_id"] = f"S9{rng.randint(10, 99)}"
        elif label == "out_of_range":
            event.update(measure="fridge_temp_c", unit="C", value=rng.choice((300.0, -120.5)))
        elif label == "row_invalid":
            event = self._upsert_product(f"P{FIRST_CDC_PRODUCT - 1:03d}", "u")
            event["after"]["list_price"] = "cheap"
        elif label == "delete_absent_row":
            event = self._envelope("d", "product", {"product_id": f"P9{rng.randint(10, 99)}"}, None)
        elif label == "out_of_order":
            event = self._stale_copy()
        else:
            raise ValueError(f"no bad {self.kind} record {label!r}")
        return encode(event)

    # -- clickstream --------------------------------------------------------------------------
    def _click(self) -> dict[str, Any]:
        rng = self._rng
        event_type = rng.choices(CLICK_TYPES, weights=CLICK_WEIGHTS)[0]
        product = rng.choice(PRODUCTS).product_id if event_type != "page_view" else None
        return {
            "schema_version": "clickstream.v1",
            "event_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "session_id": f"sess-{rng.randint(1, 5000):05d}",
            "customer_id": f"C{rng.randint(1, 9000):05d}" if rng.random() < 0.4 else None,
            "event_type": event_type,
            "product_id": product,
            "page": "/checkout" if event_type == "checkout" else "/catalog",
            "timestamp": _iso(self._now()),
        }

    # -- iot ------------------------------------------------------------------------------------
    def _reading(self) -> dict[str, Any]:
        rng = self._rng
        store = rng.choices(STORES, weights=STORE_WEIGHTS)[0]
        if rng.random() < 0.6:
            measure, unit, value = "door_count", "count", float(rng.randint(0, 40))
            sensor = f"{store.store_id}-DOOR-1"
        else:
            measure, unit = "fridge_temp_c", "C"
            value = round(rng.uniform(*FRIDGE_RANGE), 1)
            sensor = f"{store.store_id}-FRIDGE-{rng.randint(1, 3)}"
        return {
            "schema_version": "iot.v1",
            "sensor_id": sensor,
            "store_id": store.store_id,
            "measure": measure,
            "value": value,
            "unit": unit,
            # A reading's identity is (sensor, measure, time): microseconds keep them apart.
            "timestamp": self._now().isoformat(timespec="microseconds"),
        }

    # -- app logs -------------------------------------------------------------------------------
    def _log(self) -> dict[str, Any]:
        rng = self._rng
        store = rng.choices(STORES, weights=STORE_WEIGHTS)[0]
        level = rng.choices(("INFO", "WARN", "ERROR"), weights=(80, 14, 6))[0]
        return {
            "schema_version": "app_log.v1",
            "event_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "store_id": store.store_id,
            "register_id": f"{store.store_id}-R{rng.randint(1, store.registers):02d}",
            "level": level,
            "logger": rng.choice(("pos.printer", "pos.scanner", "pos.payment", "pos.sync")),
            "message": "receipt printer out of paper" if level == "ERROR" else "ok",
            "timestamp": _iso(self._now()),
        }

    # -- cdc ------------------------------------------------------------------------------------
    def _change(self) -> dict[str, Any]:
        rng = self._rng
        roll = rng.random()
        if roll < 0.25:
            return self._change_create()
        if roll < 0.35 and len(self._created) > 1:
            product_id = self._created.popleft()
            event = self._envelope("d", "product", {"product_id": product_id}, None)
        elif roll < 0.45:
            store = rng.choice(STORES)
            row = {
                "store_id": store.store_id,
                "city": store.city,
                "time_zone": store.time_zone,
                "country": store.country,
                "currency": store.currency,
                "opened_on": _OPENED_ON[store.store_id],
            }
            event = self._envelope("r", "store", None, row)
        elif self._created:
            event = self._upsert_product(rng.choice(self._created), "u")
        else:
            return self._change_create()
        self._sent_cdc.append(event)
        return event

    def _change_create(self) -> dict[str, Any]:
        product_id = f"P{self._next_product:03d}"
        self._next_product += 1
        self._created.append(product_id)
        event = self._upsert_product(product_id, "c")
        self._sent_cdc.append(event)
        return event

    def _upsert_product(self, product_id: str, op: str) -> dict[str, Any]:
        rng = self._rng
        known = {product.product_id: product for product in PRODUCTS}.get(product_id)
        base = known.list_price if known is not None else Decimal(rng.randint(199, 9999)) / 100
        price = (base * Decimal(rng.choice(("0.9", "1", "1.1")))).quantize(Decimal("0.01"))
        row = {
            "product_id": product_id,
            "product_name": known.name if known is not None else f"ERP product {product_id}",
            "category": known.category if known is not None else "Seasonal",
            "list_price": float(price),
            "initial_stock": 100,
            "reorder_point": 20,
        }
        return self._envelope(op, "product", None, row)

    def _envelope(
        self, op: str, table: str, before: dict[str, Any] | None, after: dict[str, Any] | None
    ) -> dict[str, Any]:
        # Steps of 2 or more leave room for a late copy at lsn - 1 (``_stale_copy``).
        self._lsn += self._rng.randint(2, 50)
        return {
            "schema_version": "cdc.v1",
            "op": op,
            "before": before,
            "after": after,
            "source": {"connector": "postgresql", "db": "erp", "table": table, "lsn": self._lsn},
            "ts_ms": int(self._now().timestamp() * 1000),
        }

    def _stale_copy(self) -> dict[str, Any]:
        """A change of a catalog product one log position before an update already sent for it:
        a change the connector delivers late (Silver must not let it win). Each sent update is
        used once, so no two stale copies share a position."""
        updates = [event for event in self._sent_cdc if event["op"] == "u"]
        if not updates:
            return self._change()  # nothing sent to be late against yet: an ordinary change
        newer = self._rng.choice(updates)
        self._sent_cdc.remove(newer)
        stale = json.loads(encode(newer))
        stale["source"]["lsn"] = newer["source"]["lsn"] - 1
        stale["after"]["list_price"] = 0.01
        return dict(stale)


_REQUIRED = {
    "clickstream.v1": ("event_id", "session_id", "event_type", "timestamp"),
    "iot.v1": ("sensor_id", "store_id", "measure", "value", "timestamp"),
    "app_log.v1": ("event_id", "store_id", "register_id", "level", "timestamp"),
    "cdc.v1": ("op", "source", "ts_ms"),
}
_WRONG_TYPES: dict[str, tuple[str, Any]] = {
    "clickstream.v1": ("timestamp", 1764493200),
    "iot.v1": ("value", "fourteen"),
    "app_log.v1": ("level", 3),
    "cdc.v1": ("ts_ms", "yesterday"),
}
_OPENED_ON = {
    "S001": "2015-03-01",
    "S002": "2016-06-15",
    "S003": "2017-09-01",
    "S004": "2018-04-20",
    "S005": "2019-02-11",
    "S006": "2020-10-05",
    "S007": "2021-07-01",
    "S008": "2022-11-14",
}
