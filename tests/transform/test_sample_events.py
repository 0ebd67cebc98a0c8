"""The committed sample events, end to end: the real handler, then the local warehouse's Silver.

Every sale of the clean sample is accepted (its stores, products and payment methods are the
catalog's); every bad record of the mixed sample is rejected with the rule that explains it.
"""

from __future__ import annotations

import base64
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from events.firehose_events import bad_records, clean_event, mixed_bad_event
from local.firehose.event import snowflake_metadata
from local.warehouse import LocalWarehouse
from tests.transform.conftest import invoke

REPO_ROOT = Path(__file__).resolve().parents[2]
EVENTS_DIR = REPO_ROOT / "events"
# Firehose writes a record to Snowflake a moment after it reached Kinesis.
INGESTION_DELAY_MS = 1_500

# Well-formed pos.v1 that only Silver's rules reject, each for exactly this one reason.
SILVER_ONLY = {
    "unknown_store": "UNKNOWN_STORE",
    "unknown_product": "UNKNOWN_PRODUCT",
    "unknown_payment_method": "UNKNOWN_PAYMENT_METHOD",
    "currency_mismatch": "CURRENCY_MISMATCH",
    "total_mismatch": "TOTAL_MISMATCH",
    "refund_exceeds_total": "REFUND_EXCEEDS_TOTAL",
}
STILL_VALID = "unknown_extra_fields"  # extra fields are kept: accepted, not rejected


def load_event(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS_DIR / name).read_text(encoding="utf-8"))
    return event


def bronze_rows(event: dict[str, Any]) -> list[tuple[str, str]]:
    """(RECORD_CONTENT, RECORD_METADATA) per record, as Firehose's Snowflake destination writes
    them for the handler's ``Ok`` output of a Kinesis-source event."""
    response = invoke(event)
    rows = []
    for source, output in zip(event["records"], response["records"], strict=True):
        assert output["result"] == "Ok", output
        kinesis = source["kinesisRecordMetadata"]
        metadata = snowflake_metadata(
            event["sourceKinesisStreamArn"].rsplit("/", 1)[1],
            shard_id=kinesis["shardId"],
            partition_key=kinesis["partitionKey"],
            sequence_number=kinesis["sequenceNumber"],
            subsequence_number=kinesis["subsequenceNumber"],
            ingestion_ms=kinesis["approximateArrivalTimestamp"] + INGESTION_DELAY_MS,
        )
        content = base64.b64decode(output["data"]).decode("utf-8")
        rows.append((content, metadata.decode("utf-8")))
    return rows


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    template = tmp_path_factory.mktemp("migrated")
    with LocalWarehouse(template) as warehouse:
        warehouse.apply_migrations(REPO_ROOT / "snowflake")
    return template


@pytest.fixture
def warehouse(migrated: Path, tmp_path: Path) -> Iterator[LocalWarehouse]:
    shutil.copytree(migrated, tmp_path / "warehouse")
    with LocalWarehouse(tmp_path / "warehouse") as opened:
        yield opened


def silver_after(warehouse: LocalWarehouse, event: dict[str, Any]) -> tuple[set[str], list[Any]]:
    """Load the event's Bronze rows, run the tasks; accepted transaction ids and rejected rows."""
    warehouse.load_bronze(bronze_rows(event))
    runs = warehouse.run_until_idle()
    assert [run for run in runs if run.state != "SUCCEEDED"] == []
    connection = warehouse.connect_as(warehouse.principals.admin)
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT DISTINCT TRANSACTION_ID FROM SILVER.RETAIL_POS_PROCESSED")
        accepted = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT KINESIS_SEQUENCE_NUMBER, FAILED_RULES FROM SILVER.RETAIL_POS_REJECTED"
        )
        rejected = cursor.fetchall()
    finally:
        connection.close()
    return accepted, rejected


@pytest.mark.parametrize(
    ("name", "build"),
    [
        ("firehose_kinesis_clean.json", clean_event),
        ("firehose_kinesis_mixed_bad.json", mixed_bad_event),
    ],
)
def test_committed_samples_are_what_the_builder_writes(
    name: str, build: Callable[[], dict[str, Any]]
) -> None:
    assert load_event(name) == build(), "run: python -m events.firehose_events"


def transaction_id(source: dict[str, Any]) -> str:
    return str(orjson.loads(base64.b64decode(source["data"]))["transaction_id"])


@pytest.mark.slow
def test_every_sale_of_the_clean_sample_is_accepted(warehouse: LocalWarehouse) -> None:
    event = load_event("firehose_kinesis_clean.json")
    accepted, rejected = silver_after(warehouse, event)
    assert rejected == []
    assert accepted == {transaction_id(source) for source in event["records"]}
    assert len(accepted) == len(event["records"])


@pytest.mark.slow
def test_the_mixed_samples_bad_records_are_rejected_with_their_rule(
    warehouse: LocalWarehouse,
) -> None:
    event = load_event("firehose_kinesis_mixed_bad.json")
    names = list(bad_records(11))  # mixed_bad_event(seed=11): 3 sales, these records, 2 sales
    assert len(event["records"]) == 3 + len(names) + 2
    bad_sources = dict(zip(names, event["records"][3:-2], strict=True))
    good_sources = event["records"][:3] + event["records"][-2:]

    accepted, rejected = silver_after(warehouse, event)
    rules_by_sequence = {
        sequence: {rule["rule_id"] for rule in json.loads(rules)} for sequence, rules in rejected
    }
    rejected_names = {
        name: rules_by_sequence.get(source["kinesisRecordMetadata"]["sequenceNumber"], set())
        for name, source in bad_sources.items()
    }
    assert rejected_names.pop(STILL_VALID) == set()
    for name, rule in SILVER_ONLY.items():
        assert rejected_names.pop(name) == {rule}, name
    # The rest the transform flagged; Silver may name its own rules for them as well.
    unflagged = [name for name, rules in rejected_names.items() if "TRANSFORM_FLAGGED" not in rules]
    assert unflagged == []
    assert len(rejected) == len(names) - 1
    assert all(rule["detail"] for _, rules in rejected for rule in json.loads(rules))
    assert accepted == {
        transaction_id(source) for source in [*good_sources, bad_sources[STILL_VALID]]
    }
