"""The principals each part of the local twin connects as, the same as in production
(ARCHITECTURE.md, "Principals"): the names come from the scripts' variables and the bootstrap's.
"""

from __future__ import annotations

from dataclasses import dataclass

from lambdas.snowflake_migrations.bootstrap import AccountNames
from lambdas.snowflake_migrations.scripts import SqlVariables
from local.warehouse.access.catalog import LOCAL_ADMIN_USER
from local.warehouse.access.model import ACCOUNTADMIN


@dataclass(frozen=True)
class Principal:
    """A login: user, and the role and warehouse asked for (None: the user's defaults)."""

    user: str
    role: str | None = None
    warehouse: str | None = None


@dataclass(frozen=True)
class LocalPrincipals:
    # The person who runs the bootstrap; locally also who inspects the warehouse in tests.
    admin: Principal
    # Migrations (the custom resource, `pos migrate`).
    deploy: Principal
    # Firehose names the ingest role (SnowflakeRoleConfiguration in stacks/delivery.py).
    firehose: Principal
    # Dashboards and the health monitor connect with their users' default role and warehouse.
    dashboard: Principal
    monitor: Principal

    @classmethod
    def of(cls, variables: SqlVariables, names: AccountNames) -> LocalPrincipals:
        return cls(
            admin=Principal(LOCAL_ADMIN_USER, ACCOUNTADMIN, variables.warehouse),
            deploy=Principal(names.deploy_user, names.deploy_role, variables.warehouse),
            firehose=Principal(variables.firehose_user, variables.ingest_role),
            dashboard=Principal(names.dashboard_user),
            monitor=Principal(names.monitor_user),
        )
