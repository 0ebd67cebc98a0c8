"""The local warehouse runner: fakesnow plus Snowflake streams, tasks and procedures.

See docs/local_warehouse.md for what is emulated and how it differs from Snowflake.
"""

from local.warehouse.failures import InjectedFailure
from local.warehouse.procedures import ProcedureError
from local.warehouse.scripting import UnsupportedConstructError
from local.warehouse.tasks import TaskRun
from local.warehouse.warehouse import LocalWarehouse

__all__ = [
    "InjectedFailure",
    "LocalWarehouse",
    "ProcedureError",
    "TaskRun",
    "UnsupportedConstructError",
]
