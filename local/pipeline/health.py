"""The run's health figures: the monitor's shared definition, computed on the local warehouse.

The monitor Lambda counts one 5-minute slot; a local run reports its whole history instead (every
incarnation of the workdir), so the window starts long before any run and ends a minute after
``now`` (the window end is exclusive and the warehouse stamps rows with its own clock). Task runs
come from the same ``INFORMATION_SCHEMA.TASK_HISTORY`` query as in Snowflake, which the local
warehouse answers from its task-run records; like Snowflake's, it reaches back 7 days at most.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lambdas.snowflake_migrations.scripts import SqlVariables
from lambdas.snowflake_monitor.health import HealthReport, HealthWindow, compute_health
from lambdas.snowflake_monitor.queries import Connection

WHOLE_HISTORY_START = datetime(2000, 1, 1, tzinfo=UTC)
WINDOW_END_MARGIN = timedelta(minutes=1)


def run_health(
    connection: Connection, variables: SqlVariables, now: datetime | None = None
) -> HealthReport:
    """Health of everything the workdir's warehouse holds, as of ``now`` (default: now)."""
    now = now or datetime.now(UTC)
    window = HealthWindow(WHOLE_HISTORY_START, now + WINDOW_END_MARGIN)
    return compute_health(connection, variables, window, now=now)
