"""The Snowflake hops the monitor watches: each task, the procedure it calls, the stream it drains.

These names are a contract with ``snowflake/R__task_*.sql`` (a test reads the task scripts and
checks every hop against their ``WHEN SYSTEM$STREAM_HAS_DATA`` and ``CALL``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Hop:
    """One task: names are schema-qualified, without the database (it comes from SqlVariables)."""

    task: str
    procedure: str
    stream: str
    # The sql/ file that counts the stream's waiting rows and finds the oldest one's arrival.
    backlog_query: str


HOPS: tuple[Hop, ...] = (
    Hop(
        task="SILVER.PROCESS_RAW_POS_TASK",
        procedure="SILVER.PROCESS_RAW_POS",
        stream="BRONZE.JSON_RAW_DATA_STREAM",
        backlog_query="backlog_bronze_raw",
    ),
    Hop(
        task="SILVER.UPDATE_INVENTORY_TASK",
        procedure="SILVER.UPDATE_INVENTORY",
        stream="SILVER.PROCESSED_FOR_INVENTORY_STREAM",
        backlog_query="backlog_processed_for_inventory",
    ),
    Hop(
        task="GOLD.UPDATE_DAILY_SUMMARY_TASK",
        procedure="GOLD.UPDATE_DAILY_SUMMARY",
        stream="SILVER.PROCESSED_FOR_GOLD_STREAM",
        backlog_query="backlog_processed_for_gold",
    ),
    # The other kinds' consumers of Bronze (each stream shows every Bronze row; the procedure
    # takes its kind's). Their accepted and rejected records are counted per task.
    Hop(
        task="SILVER.PROCESS_RAW_CLICKSTREAM_TASK",
        procedure="SILVER.PROCESS_RAW_CLICKSTREAM",
        stream="BRONZE.JSON_RAW_DATA_CLICKSTREAM_STREAM",
        backlog_query="backlog_bronze_clickstream",
    ),
    Hop(
        task="SILVER.PROCESS_RAW_IOT_TASK",
        procedure="SILVER.PROCESS_RAW_IOT",
        stream="BRONZE.JSON_RAW_DATA_IOT_STREAM",
        backlog_query="backlog_bronze_iot",
    ),
    Hop(
        task="SILVER.PROCESS_RAW_APP_LOG_TASK",
        procedure="SILVER.PROCESS_RAW_APP_LOG",
        stream="BRONZE.JSON_RAW_DATA_APP_LOG_STREAM",
        backlog_query="backlog_bronze_app_log",
    ),
    Hop(
        task="SILVER.PROCESS_RAW_CDC_TASK",
        procedure="SILVER.PROCESS_RAW_CDC",
        stream="BRONZE.JSON_RAW_DATA_CDC_STREAM",
        backlog_query="backlog_bronze_cdc",
    ),
    Hop(
        task="SILVER.PROCESS_RAW_UNCLASSIFIED_TASK",
        procedure="SILVER.PROCESS_RAW_UNCLASSIFIED",
        stream="BRONZE.JSON_RAW_DATA_UNCLASSIFIED_STREAM",
        backlog_query="backlog_bronze_unclassified",
    ),
)

# The procedure whose run-log rows say how many records were accepted and rejected.
INTAKE_PROCEDURE = "SILVER.PROCESS_RAW_POS"

# Tasks that are not hops of the pipeline: they drain no stream of the flow and run rarely by
# design, so a backlog or a long time since their last success means nothing. The automatic
# dead-letter redrive wakes when a dimension row is added or changed (its first stream is named;
# it watches the three dimensions' streams); its runs are logged as SILVER.REDRIVE_REJECTED.
AUXILIARY_TASKS: dict[str, tuple[str, str]] = {
    "SILVER.REDRIVE_FIXED_DIMENSIONS_TASK": (
        "SILVER.DIM_STORE_REDRIVE_STREAM",
        "SILVER.REDRIVE_REJECTED",
    ),
}
# Procedures that consume Silver, not Bronze: they accept or reject nothing.
DOWNSTREAM_PROCEDURES = ("SILVER.UPDATE_INVENTORY", "GOLD.UPDATE_DAILY_SUMMARY")
