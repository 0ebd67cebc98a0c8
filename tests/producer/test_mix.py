"""--source-mix: parsing, a sales-only mix unchanged, every kind produced with its own bad input,
and each record tagged by the transform as the kind the generator meant."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, datetime

import pytest

from lambdas.transform.classify import classify
from producer.generator import GeneratorOptions, SaleGenerator
from producer.kinds import BAD_LABELS, HANDLED_NOT_REJECTED
from producer.mix import (
    MixedGenerator,
    format_source_mix,
    kind_of_label,
    make_generator,
    parse_source_mix,
)

BASE = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
MIX = "pos=60,clickstream=20,iot=10,app_log=5,cdc=5"


def options(**changes: object) -> GeneratorOptions:
    settings: dict[str, object] = {"seed": 3, "base_time": BASE, "bad_rate": 0.2} | changes
    return GeneratorOptions(**settings)  # type: ignore[arg-type]


def test_parse_and_format_round_trip() -> None:
    mix = parse_source_mix(MIX)
    assert mix == {"pos.v1": 60, "clickstream.v1": 20, "iot.v1": 10, "app_log.v1": 5, "cdc.v1": 5}
    assert format_source_mix(mix) == MIX


@pytest.mark.parametrize(
    "text", ["pos", "pos=60,weather=5", "pos=-1", "pos=60,pos=40", "pos=0", "iot=ten"]
)
def test_a_bad_mix_is_refused_with_a_reason(text: str) -> None:
    with pytest.raises(ValueError, match=r"NAME=WEIGHT|twice|positive"):
        parse_source_mix(text)


def test_a_sales_only_mix_is_todays_generator_byte_for_byte() -> None:
    today = [r.data for r in itertools.islice(SaleGenerator(options()), 300)]
    mixed = make_generator(options(), parse_source_mix("pos=100"))
    assert [r.data for r in itertools.islice(mixed, 300)] == today


def test_every_kind_is_produced_and_tagged_as_meant() -> None:
    generator = MixedGenerator(options(duplicate_rate=0.05), parse_source_mix(MIX))
    records = list(itertools.islice(generator, 3000))
    kinds = Counter(kind_of_label(record.kind) for record in records)
    assert set(kinds) == {"pos.v1", "clickstream.v1", "iot.v1", "app_log.v1", "cdc.v1"}
    assert kinds["pos.v1"] > kinds["clickstream.v1"] > kinds["iot.v1"] > kinds["cdc.v1"] / 2
    labels = {record.kind for record in records}
    for kind, bad in BAD_LABELS.items():
        assert {f"{kind}:{label}" for label in bad} <= labels, kind
        assert f"{kind}:duplicate" in labels
    for record in records:
        kind = kind_of_label(record.kind)
        verdict = classify(record.data)
        if kind != "pos.v1":
            assert verdict.schema == kind, record.kind  # never a bad sale
        if record.kind.endswith(":valid") or record.kind in HANDLED_NOT_REJECTED:
            assert verdict.status == "valid", record.kind


def test_the_same_seed_makes_the_same_records() -> None:
    first = MixedGenerator(options(), parse_source_mix(MIX))
    second = MixedGenerator(options(), parse_source_mix(MIX))
    assert [r.data for r in itertools.islice(first, 500)] == [
        r.data for r in itertools.islice(second, 500)
    ]
