"""``pos invoke-transform`` prints the handler's response for an event file."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from pos.app import app

EVENTS_DIR = Path(__file__).resolve().parents[2] / "events"


def test_prints_the_response_with_decoded_envelopes() -> None:
    event_file = EVENTS_DIR / "firehose_kinesis_mixed_bad.json"
    result = CliRunner().invoke(app, ["invoke-transform", str(event_file), "--decode"])
    assert result.exit_code == 0, result.output
    response = json.loads(result.stdout)  # stdout holds only the response; logs went to stderr
    event = json.loads(event_file.read_text())
    assert [r["recordId"] for r in response["records"]] == [r["recordId"] for r in event["records"]]
    statuses = [r["decoded"]["meta"]["status"] for r in response["records"]]
    assert statuses[:3] == ["valid"] * 3
    assert "not_utf8" in statuses


def test_an_event_file_that_is_not_json_is_refused_without_a_traceback(tmp_path: Path) -> None:
    event_file = tmp_path / "event.json"
    event_file.write_text("{not json", encoding="utf-8")
    result = CliRunner().invoke(app, ["invoke-transform", str(event_file)])
    assert result.exit_code == 2
    assert "not JSON" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
