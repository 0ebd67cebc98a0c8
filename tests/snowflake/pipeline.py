"""Test-side view of the warehouse: load Bronze, run the tasks, read what a user would check."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import orjson

from tests.snowflake.backends import LocalBackend, Run, SnowflakeAccountBackend
from tests.snowflake.bronze import BronzeRow

PROCESS_RAW_POS = "SILVER.PROCESS_RAW_POS"
UPDATE_INVENTORY = "SILVER.UPDATE_INVENTORY"
UPDATE_DAILY_SUMMARY = "GOLD.UPDATE_DAILY_SUMMARY"
STREAMS = (
    "BRONZE.JSON_RAW_DATA_STREAM",
    "SILVER.PROCESSED_FOR_INVENTORY_STREAM",
    "SILVER.PROCESSED_FOR_GOLD_STREAM",
)
QUEUE = "SILVER.PROCESS_RAW_POS_QUEUE"
WORK_TABLES = (
    "SILVER.PROCESS_RAW_POS_WORK_RECORD",
    "SILVER.PROCESS_RAW_POS_WORK_LINE",
    "SILVER.PROCESS_RAW_POS_WORK_FAILURE",
    "SILVER.PROCESS_RAW_POS_WORK_DECISION",
)


@dataclass
class Pipeline:
    backend: LocalBackend | SnowflakeAccountBackend

    def connect(self) -> Any:
        """The administrator (ACCOUNTADMIN), who inspects what the pipeline's own principals did:
        Firehose loads Bronze as its user, the tasks run as their owner role."""
        return self.backend.connect_as(self.backend.principals.admin)

    def call(self, procedure: str) -> None:
        connection = self.connect()
        try:
            connection.cursor().execute(f"CALL {procedure}()")
        finally:
            connection.close()

    def fail_statement(self, procedure: str, statement: int) -> Any:
        """Make a statement of the procedure's next CALL fail (local warehouse only)."""
        return self.backend.fail_statement(procedure, statement)

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        connection = self.connect()
        try:
            cursor = connection.cursor()
            cursor.execute(sql, params)
            return [tuple(row) for row in cursor.fetchall()]
        finally:
            connection.close()

    def load(self, rows: Sequence[BronzeRow]) -> None:
        self.backend.load_bronze(rows)

    def run(self) -> list[Run]:
        runs = self.backend.run_until_idle()
        failed = [run for run in runs if run.state != "SUCCEEDED"]
        assert not failed, failed
        return runs

    def deliver(self, rows: Sequence[BronzeRow]) -> list[Run]:
        self.load(rows)
        return self.run()

    # what a user checks ---------------------------------------------------------------------------
    def silver_lines(self) -> list[dict[str, Any]]:
        return self._dicts(
            "SELECT * FROM SILVER.RETAIL_POS_PROCESSED ORDER BY TRANSACTION_ID, LINE_NUMBER"
        )

    def transactions(self) -> set[str]:
        return {
            row[0]
            for row in self.query("SELECT DISTINCT TRANSACTION_ID FROM SILVER.RETAIL_POS_PROCESSED")
        }

    def rejected(self) -> list[dict[str, Any]]:
        rows = self._dicts(
            "SELECT * FROM SILVER.RETAIL_POS_REJECTED ORDER BY REJECTED_AT, RECORD_HASH"
        )
        for row in rows:
            row["FAILED_RULES"] = _json(row["FAILED_RULES"])
            row["RECORD_CONTENT"] = _json(row["RECORD_CONTENT"])
        return rows

    def rejected_rule_ids(self) -> list[set[str]]:
        return [{rule["rule_id"] for rule in row["FAILED_RULES"]} for row in self.rejected()]

    def gold(self) -> dict[tuple[Any, str], dict[str, Any]]:
        return {
            (row["BUSINESS_DATE"], row["STORE_ID"]): row
            for row in self._dicts("SELECT * FROM GOLD.DAILY_SALES_SUMMARY")
        }

    def inventory(self) -> dict[tuple[str, str], dict[str, Any]]:
        return {
            (row["STORE_ID"], row["PRODUCT_ID"]): row
            for row in self._dicts("SELECT * FROM SILVER.INVENTORY")
        }

    def run_log(self, procedure: str | None = None) -> list[dict[str, Any]]:
        rows = self._dicts("SELECT * FROM OPS.PIPELINE_RUN_LOG ORDER BY STARTED_AT, FINISHED_AT")
        return [row for row in rows if procedure is None or row["PROCEDURE_NAME"] == procedure]

    def backlog(self) -> dict[str, int]:
        """Records waiting per consumer, by its stream: the stream's unconsumed rows, plus (for
        PROCESS_RAW_POS) the records it has moved into its queue and not processed yet."""
        waiting = {stream: self.backend.stream_backlog(stream) for stream in STREAMS}
        waiting[STREAMS[0]] += self.query(f"SELECT COUNT(*) FROM {QUEUE}")[0][0]
        return waiting

    def snapshot(self) -> dict[str, Any]:
        """Every table a run can change, for 'nothing changed' assertions."""
        return {
            "silver": self.silver_lines_without_run_columns(),
            "rejected": sorted(
                (row["RECORD_HASH"], orjson.dumps(row["FAILED_RULES"]).decode())
                for row in self.rejected()
            ),
            "inventory": sorted(
                (key, row["UNITS_SOLD"], row["ON_HAND"]) for key, row in self.inventory().items()
            ),
            "gold": sorted(
                (
                    key,
                    row["GROSS_SALES"],
                    row["REFUNDS"],
                    row["NET_SALES"],
                    row["TRANSACTIONS"],
                    row["UNITS"],
                    row["CANCELED_LINES"],
                    row["AVG_BASKET"],
                )
                for key, row in self.gold().items()
            ),
            "keys": sorted(
                self.query(
                    "SELECT TRANSACTION_ID, CONTENT_HASH FROM SILVER.RETAIL_POS_TRANSACTION_KEY"
                )
            ),
            "work": {
                table: self.query(f"SELECT COUNT(*) FROM {table}")[0][0] for table in WORK_TABLES
            },
        }

    def silver_lines_without_run_columns(self) -> list[tuple[Any, ...]]:
        skip = {"PROCESSED_AT", "RUN_ID", "INGESTED_AT"}
        return [tuple(v for k, v in row.items() if k not in skip) for row in self.silver_lines()]

    def _dicts(self, sql: str) -> list[dict[str, Any]]:
        connection = self.connect()
        try:
            cursor = connection.cursor()
            cursor.execute(sql)
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        finally:
            connection.close()


def _json(value: Any) -> Any:
    return orjson.loads(value) if isinstance(value, str | bytes) else value


def money(value: str) -> Decimal:
    return Decimal(value)
