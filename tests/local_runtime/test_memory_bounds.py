"""A long-lived local warehouse keeps bounded memory: fakesnow's results, DuckDB's cache."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa  # type: ignore[import-untyped]
import pytest
from snowflake.connector.errors import ProgrammingError

from local.warehouse import LocalWarehouse
from local.warehouse.memory import MAX_RESULTS, MEMORY_LIMIT_ENV, RecentResults


def entry(rows: int) -> tuple[object, ...]:
    table = pa.table({"A": pa.array(range(rows), type=pa.int64())})
    return (table, rows, "SELECT", None, None)


def test_keeps_the_newest_results_by_count() -> None:
    results = RecentResults(max_results=3, max_bytes=1 << 30)
    for number in range(10):
        results[f"q{number}"] = entry(1)
    assert list(results) == ["q7", "q8", "q9"]
    assert results.get("q0") is None and results.get("q9") is not None


def test_keeps_the_newest_results_by_bytes_and_always_the_latest() -> None:
    results = RecentResults(max_results=100, max_bytes=10_000)
    results["small"] = entry(10)  # 80 bytes of int64
    results["big"] = entry(5_000)  # 40,000 bytes: over the bound alone, still kept (newest)
    assert list(results) == ["big"]
    results["next"] = entry(10)
    assert list(results) == ["next"]
    assert results.held_bytes == 80


def test_a_long_lived_warehouse_holds_a_bounded_number_of_results(tmp_path: Path) -> None:
    with LocalWarehouse(tmp_path / "db") as warehouse:
        cursor = warehouse.connect_as(warehouse.principals.admin).cursor()
        cursor.execute("SELECT 1 AS FIRST")
        first_id = cursor.sfqid
        for number in range(MAX_RESULTS * 3):
            cursor.execute("SELECT %s AS N", (number,))
        assert len(warehouse._runtime.fakesnow.results_cache) <= MAX_RESULTS
        # The latest result is still there by id; an evicted one answers as an expired one.
        latest = cursor.sfqid
        cursor.execute(f"SELECT * FROM TABLE(RESULT_SCAN('{latest}'))")
        assert cursor.fetchall() == [(MAX_RESULTS * 3 - 1,)]
        with pytest.raises(ProgrammingError, match="not found"):
            cursor.execute(f"SELECT * FROM TABLE(RESULT_SCAN('{first_id}'))")


def test_duckdb_caches_at_most_the_limit_and_spills_inside_the_warehouse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "300")
    monkeypatch.chdir(tmp_path)
    with LocalWarehouse(tmp_path / "db") as warehouse:
        duck = warehouse._runtime.duck()
        limit, spill = duck.execute(
            "SELECT current_setting('memory_limit'), current_setting('temp_directory')"
        ).fetchone()
        duck.close()
    assert limit in ("286.1 MiB", "300.0 MB")  # DuckDB shows the limit in MiB
    assert Path(spill) == (tmp_path / "db" / "duckdb_spill").resolve()


def test_a_memory_limit_below_what_duckdb_needs_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "64")
    with pytest.raises(ValueError, match="at least 256"):
        LocalWarehouse(tmp_path / "db")
