"""Suspend the pipeline's Snowflake tasks (stack deletion, or by hand from the command line).

Deleting the stack never drops data: it only stops the tasks, root tasks first so that no task
graph starts a new run while its children are being suspended. ``A__`` scripts resume them on the
next apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lambdas.snowflake_migrations.apply import Connection
from lambdas.snowflake_migrations.scripts import SqlVariables, render

SQL_DIR = Path(__file__).parent / "sql"


@dataclass(frozen=True)
class Task:
    qualified_name: str
    state: str
    is_root: bool


def list_tasks(connection: Connection, variables: SqlVariables) -> list[Task]:
    """Every task in the database, as SHOW TASKS reports it (roots first)."""
    cursor = connection.cursor()
    cursor.execute(render((SQL_DIR / "tasks_show.sql").read_text(encoding="utf-8"), variables))
    columns = [str(column[0]).lower() for column in cursor.description]
    tasks = []
    for row in cursor.fetchall():
        values = dict(zip(columns, row, strict=True))
        predecessors = str(values.get("predecessors") or "[]").strip()
        tasks.append(
            Task(
                qualified_name=f"{values['database_name']}.{values['schema_name']}.{values['name']}",
                state=str(values["state"]).lower(),
                is_root=predecessors in ("", "[]"),
            )
        )
    return sorted(tasks, key=lambda task: (not task.is_root, task.qualified_name))


def suspend_tasks(connection: Connection, variables: SqlVariables) -> list[str]:
    """Suspend every started task; returns the names suspended, in order."""
    template = (SQL_DIR / "task_suspend.sql").read_text(encoding="utf-8")
    suspended = []
    cursor = connection.cursor()
    for task in list_tasks(connection, variables):
        if task.state != "started":
            continue
        cursor.execute(render(template, variables, {"task": task.qualified_name}).strip())
        suspended.append(task.qualified_name)
    return suspended
