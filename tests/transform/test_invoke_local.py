"""`python -m lambdas.transform.invoke_local` prints the handler's response for an event file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lambdas.transform.invoke_local import main

EVENTS_DIR = Path(__file__).resolve().parents[2] / "events"


def test_prints_the_response_with_decoded_envelopes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(EVENTS_DIR / "firehose_kinesis_mixed_bad.json"), "--decode"]) == 0
    out = capsys.readouterr().out
    response = json.loads(out)  # stdout holds only the response; logs and EMF went to stderr
    event = json.loads((EVENTS_DIR / "firehose_kinesis_mixed_bad.json").read_text())
    assert [r["recordId"] for r in response["records"]] == [r["recordId"] for r in event["records"]]
    statuses = [r["decoded"]["meta"]["status"] for r in response["records"]]
    assert statuses[:3] == ["valid"] * 3
    assert "not_utf8" in statuses
