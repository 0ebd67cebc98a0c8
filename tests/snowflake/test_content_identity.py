"""Content identity: the transform's meta.content_sha256 (SHA-256 of the bytes the POS sent) is
what Silver stores and compares, and records written before it existed, whose identity is the
legacy SHA-256 of TO_JSON(payload), still dedupe against replays: an accepted old record sent
again is a DUPLICATE, never a TRANSACTION_ID_CONFLICT."""

from __future__ import annotations

import hashlib

import orjson

from tests.snowflake.bronze import BronzeRow, KinesisShard, deliver, encode, sale
from tests.snowflake.pipeline import PROCESS_RAW_POS, Pipeline


def _before_content_sha256(rows: list[BronzeRow]) -> list[BronzeRow]:
    """The same Bronze rows as the transform wrote them before meta.content_sha256 (1.0.0)."""
    old: list[BronzeRow] = []
    for content, metadata in rows:
        envelope = orjson.loads(content)
        del envelope["meta"]["content_sha256"]
        envelope["meta"]["transform"] = "1.0.0"
        old.append((orjson.dumps(envelope).decode("utf-8"), metadata))
    return old


def _last_run(pipeline: Pipeline) -> tuple[int, int, int]:
    run = pipeline.run_log(PROCESS_RAW_POS)[-1]
    return run["ROWS_ACCEPTED"], run["ROWS_REJECTED"], run["ROWS_DUPLICATE"]


def test_silver_stores_the_hash_of_the_bytes_sent(pipeline: Pipeline) -> None:
    data = encode(sale("T1"))
    pipeline.deliver(deliver([KinesisShard().put(data)]))
    [line] = pipeline.silver_lines()
    assert line["CONTENT_HASH"] == hashlib.sha256(data).hexdigest()


def test_a_replay_of_a_transaction_accepted_before_the_change_is_a_duplicate(
    pipeline: Pipeline,
) -> None:
    shard = KinesisShard()
    record = shard.put(encode(sale("OLD-1")))
    pipeline.deliver(_before_content_sha256(deliver([record])))
    [line] = pipeline.silver_lines()
    assert line["CONTENT_HASH"] != hashlib.sha256(record.data).hexdigest()  # the legacy identity
    before = pipeline.snapshot()

    pipeline.deliver(deliver([record]))  # redelivered through today's transform

    assert pipeline.snapshot() == before
    assert pipeline.rejected() == []
    assert _last_run(pipeline) == (0, 0, 1)


def test_a_rejected_record_from_before_the_change_is_not_rejected_twice(
    pipeline: Pipeline,
) -> None:
    record = KinesisShard().put(encode(sale("OLD-BAD", store_id="S999")))
    pipeline.deliver(_before_content_sha256(deliver([record])))
    pipeline.deliver(deliver([record]))
    assert pipeline.rejected_rule_ids() == [{"UNKNOWN_STORE"}]
    assert _last_run(pipeline) == (0, 0, 1)


def test_old_and_new_copies_in_one_batch_count_once(pipeline: Pipeline) -> None:
    record = KinesisShard().put(encode(sale("MIXED")))
    old = _before_content_sha256(deliver([record]))
    pipeline.deliver([*old, *deliver([record])])
    assert pipeline.transactions() == {"MIXED"}
    assert pipeline.rejected() == []
    assert _last_run(pipeline) == (1, 0, 1)


def test_other_content_under_an_old_transaction_id_is_still_a_conflict(pipeline: Pipeline) -> None:
    shard = KinesisShard()
    pipeline.deliver(_before_content_sha256(deliver([shard.put(encode(sale("OLD-2")))])))
    changed = sale("OLD-2", items=(("P001", "59.99", 3, False),))
    pipeline.deliver(deliver([shard.put(encode(changed))]))
    assert [line["QUANTITY"] for line in pipeline.silver_lines()] == [2]
    assert pipeline.rejected_rule_ids() == [{"TRANSACTION_ID_CONFLICT"}]
