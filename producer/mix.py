"""``--source-mix``: the stream's kinds in chosen shares, e.g. ``pos=60,clickstream=20,iot=10,
app_log=5,cdc=5``.

``MixedGenerator`` draws each record's kind by weight (its own seeded draw, so the sales' sequence
is the one ``SaleGenerator`` alone would make for the same seed), then asks that kind's generator
for it: sales from ``SaleGenerator`` (bad input and resends by its own options), the other kinds
from ``producer.kinds`` with the same ``bad_rate`` and ``duplicate_rate``. A record's
``ProducedRecord.kind`` is the sale's label (``valid``, ``duplicate``, a ``BadKind``) or
``<kind>:<label>`` for the other kinds (``iot.v1:out_of_range``, ``cdc.v1:duplicate``).
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime

from producer.generator import RESEND_WINDOW, GeneratorOptions, SaleGenerator
from producer.kinds import BAD_LABELS, VALID, KindGenerator, encode
from producer.records import ProducedRecord, partition_key_for

# --source-mix names -> the kinds' schema_version values.
SOURCE_NAMES: Mapping[str, str] = {
    "pos": "pos.v1",
    "clickstream": "clickstream.v1",
    "iot": "iot.v1",
    "app_log": "app_log.v1",
    "cdc": "cdc.v1",
}
DUPLICATE = "duplicate"
POS_KIND = "pos.v1"


def parse_source_mix(text: str) -> dict[str, int]:
    """``"pos=60,iot=40"`` -> ``{"pos.v1": 60, "iot.v1": 40}`` (weights, not necessarily 100)."""
    mix: dict[str, int] = {}
    for part in text.split(","):
        name, sep, weight = part.strip().partition("=")
        if not sep or name not in SOURCE_NAMES or not weight.strip().isdigit():
            raise ValueError(
                f"{part.strip()!r}: expected NAME=WEIGHT with NAME one of {', '.join(SOURCE_NAMES)}"
            )
        if SOURCE_NAMES[name] in mix:
            raise ValueError(f"{name} given twice")
        mix[SOURCE_NAMES[name]] = int(weight)
    if not any(mix.values()):
        raise ValueError("the source mix needs a positive weight")
    return mix


def format_source_mix(mix: Mapping[str, int]) -> str:
    names = {kind: name for name, kind in SOURCE_NAMES.items()}
    return ",".join(f"{names[kind]}={weight}" for kind, weight in mix.items())


def kind_of_label(label: str) -> str:
    """The kind a ``ProducedRecord.kind`` label belongs to (``pos.v1`` for the sales' labels)."""
    kind, sep, _ = label.partition(":")
    return kind if sep else POS_KIND


class MixedGenerator:
    """Iterates produced records of every kind in the mix, forever."""

    def __init__(self, options: GeneratorOptions, mix: Mapping[str, int]) -> None:
        self._options = options
        self._sales = SaleGenerator(options)
        self._kinds = [kind for kind, weight in mix.items() if weight > 0]
        self._weights = [mix[kind] for kind in self._kinds]
        # Reproducible test data, not security: seeded PRNGs are the point.
        self._rng = random.Random(f"mix:{options.seed}")  # noqa: S311
        self._others = {
            kind: KindGenerator(kind, random.Random(f"{kind}:{options.seed}"), self._clock)  # noqa: S311
            for kind in self._kinds
            if kind != POS_KIND
        }
        self._recent: dict[str, deque[bytes]] = {
            kind: deque(maxlen=RESEND_WINDOW) for kind in self._others
        }
        self._ticks = 0

    @property
    def latest_sale_time(self) -> datetime | None:
        return self._sales.latest_sale_time

    def remember_sent(self, sent: Iterable[bytes]) -> None:
        self._sales.remember_sent(sent)

    def _clock(self) -> datetime:
        """The other kinds' event time: the real clock, or the sales' synthetic one."""
        if self._options.clock is not None:
            return self._options.clock()
        return self._sales.latest_sale_time or self._options.base_time

    def __iter__(self) -> Iterator[ProducedRecord]:
        while True:
            yield self.next_record()

    def next_record(self) -> ProducedRecord:
        kind = self._rng.choices(self._kinds, weights=self._weights)[0]
        if kind == POS_KIND:
            return self._sales.next_record()
        other, rng, options = self._others[kind], self._rng, self._options
        roll = rng.random()
        if roll < options.duplicate_rate and self._recent[kind]:
            return self._record(rng.choice(self._recent[kind]), f"{kind}:{DUPLICATE}")
        if roll < options.duplicate_rate + options.bad_rate:
            label = rng.choice(BAD_LABELS[kind])
            return self._record(other.bad(label), f"{kind}:{label}")
        data = encode(other.good())
        self._recent[kind].append(data)
        return self._record(data, f"{kind}:{VALID}")

    @staticmethod
    def _record(data: bytes, label: str) -> ProducedRecord:
        return ProducedRecord(data, label, partition_key_for(data))


def make_generator(
    options: GeneratorOptions, mix: Mapping[str, int] | None
) -> SaleGenerator | MixedGenerator:
    """Sales alone (today's generator, unchanged) without a mix or with sales only."""
    if not mix or set(kind for kind, weight in mix.items() if weight) == {POS_KIND}:
        return SaleGenerator(options)
    return MixedGenerator(options, mix)
