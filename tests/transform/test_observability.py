"""One EMF blob per invocation with counts by status and error kind; logs carry no content."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from events.firehose_events import bad_records, firehose_kinesis_event, mixed_bad_event
from lambdas.transform import batch
from lambdas.transform.observability import NoOpTracingProvider, tracer
from tests.transform.conftest import HandlerOutput, invoke

REPO_ROOT = Path(__file__).resolve().parents[2]


def split_output(text: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    blobs = [line for line in lines if "_aws" in line]
    logs = [line for line in lines if "_aws" not in line]
    return blobs, logs


def metric_values(blob: dict[str, Any]) -> dict[str, float]:
    names = [m["Name"] for m in blob["_aws"]["CloudWatchMetrics"][0]["Metrics"]]
    return {name: sum(blob[name]) if isinstance(blob[name], list) else blob[name] for name in names}


def test_one_emf_blob_counts_statuses_and_error_kinds(
    handler_output: HandlerOutput,
) -> None:
    event = mixed_bad_event()
    invoke(event)
    blobs, _ = split_output(handler_output.read())
    assert len(blobs) == 1
    values = metric_values(blobs[0])
    assert values["RecordsOk"] == len(event["records"])
    assert values["RecordsProcessingFailed"] == 0
    assert values["RecordsValid"] == 12  # 5 sales, 7 only Silver judges
    assert values["RecordsInvalid"] == 8
    assert values["RecordsNotJson"] == 7
    assert values["RecordsNotObject"] == 2
    assert values["RecordsNotUtf8"] == 1
    assert values["RecordsEmpty"] == 1
    assert values["RecordsTooLarge"] == 0
    assert values["ValidationErrors_duplicate_key"] == 1
    assert values["ValidationErrors_number_not_finite"] == 3
    assert values["ValidationErrors_timezone_aware"] == 1
    assert blobs[0]["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "RetailPosPipelineTest"


def test_summary_log_is_correlated_and_carries_no_record_content(
    handler_output: HandlerOutput,
) -> None:
    event = mixed_bad_event()
    invoke(event)
    out = handler_output.read()
    _, logs = split_output(out)
    summary = next(log for log in logs if log["message"] == "batch transformed")
    assert summary["correlation_id"] == event["invocationId"]
    assert summary["statuses"]["not_json"] == 7
    assert summary["sampled_rejects"][0]["record_id"] == event["records"][3]["recordId"]

    payloads = [base64.b64decode(record["data"]) for record in event["records"]]
    for payload in payloads:
        for fragment in (b"transaction_id", b"-R0", b" sold ", b"Ol\xe1", b"twelve"):
            if fragment in payload:
                assert fragment.decode("latin-1") not in out
    transaction_ids = [json.loads(p)["transaction_id"] for p in payloads[:3]]
    assert not any(tid in out for tid in transaction_ids)


def test_handler_fault_is_processing_failed_and_logs_no_message(
    handler_output: HandlerOutput, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "card 4111-1111-1111-1111"

    def broken_classify(raw: bytes) -> Any:
        if b"S001" in raw:
            raise ValueError(f"cannot handle {secret}")
        return original(raw)

    original = batch.classify
    monkeypatch.setattr(batch, "classify", broken_classify)
    data = [b'{"store_id":"S001"}', b"plain text"]
    event = firehose_kinesis_event([(d, "S001") for d in data])
    response = invoke(event)

    assert [r["result"] for r in response["records"]] == ["ProcessingFailed", "Ok"]
    assert response["records"][0]["data"] == event["records"][0]["data"]
    out = handler_output.read()
    blobs, logs = split_output(out)
    assert metric_values(blobs[0])["RecordsFaulted"] == 1
    fault = next(log for log in logs if log["level"] == "ERROR")
    assert fault["error_type"] == "ValueError"
    assert fault["record_id"] == event["records"][0]["recordId"]
    assert secret not in out


def test_overflow_is_logged_as_a_warning_and_counted(
    handler_output: HandlerOutput, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batch, "RESPONSE_BUDGET_BYTES", 1_000)
    monkeypatch.setattr(batch.transform_batch, "__kwdefaults__", {"budget_bytes": 1_000})
    event = firehose_kinesis_event([(bad_records(1)["not_json"], "S001")] * 5)
    response = invoke(event)
    failed = [r for r in response["records"] if r["result"] == "ProcessingFailed"]
    assert failed
    blobs, logs = split_output(handler_output.read())
    assert metric_values(blobs[0])["RecordsOverflowed"] == len(failed)
    assert any(log["level"] == "WARNING" for log in logs)


def test_tracer_is_a_no_op_when_tracing_is_disabled() -> None:
    assert tracer.disabled
    assert isinstance(tracer.provider, NoOpTracingProvider)


def test_handler_import_pulls_in_no_local_tools_or_other_parts() -> None:
    code = (
        "import sys, lambdas.transform.handler; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'local', 'producer', 'stacks', 'dashboards', 'events', 'tests'} "
        "or m == 'lambdas.transform.invoke_local'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
