"""The scheduled canary's CloudWatch metrics: names, namespace and the data points of one run."""

from __future__ import annotations

from typing import Any

from lambdas.pipeline_verify.canary import CanaryResult
from lambdas.pipeline_verify.windows import WindowCounts

NAMESPACE = "RetailPosPipeline/Canary"
DIMENSION_DATABASE = "Database"
CANARY_SUCCESS = "CanarySuccess"  # 1 when every canary record reached its place in time, else 0
CANARY_LATENCY = "CanaryLatencySeconds"  # put -> Gold, the slowest canary sale of the run
UNACCOUNTED_RECORDS = "UnaccountedRecords"  # per closed window (windows.py)


def canary_data(result: CanaryResult, database: str, deadline_s: float) -> list[dict[str, Any]]:
    """One run's data points. A run that did not complete reports its deadline as its latency
    (a lower bound), so the latency alarm fires with the success alarm, never stays quiet."""
    dimensions = [{"Name": DIMENSION_DATABASE, "Value": database}]
    success = result.complete and all(check.ok for check in result.checks)
    latency = result.end_to_end_s if result.complete and result.end_to_end_s is not None else None
    return [
        {
            "MetricName": CANARY_SUCCESS,
            "Dimensions": dimensions,
            "Value": 1.0 if success else 0.0,
            "Unit": "Count",
        },
        {
            "MetricName": CANARY_LATENCY,
            "Dimensions": dimensions,
            "Value": latency if latency is not None else deadline_s,
            "Unit": "Seconds",
        },
    ]


def window_data(window: WindowCounts, database: str) -> dict[str, Any]:
    """``UnaccountedRecords`` of one closed window, stamped with the window's start."""
    return {
        "MetricName": UNACCOUNTED_RECORDS,
        "Dimensions": [{"Name": DIMENSION_DATABASE, "Value": database}],
        "Timestamp": window.start,
        "Value": float(window.unaccounted),
        "Unit": "Count",
    }
