"""The one-time admin bootstrap (``snowflake/admin/bootstrap.sql``): its names and its rendering.

The bootstrap needs names the migrations never use (the deploy user and role, the monitor and
dashboard service users, the dashboard warehouse, the resource monitors); they live here, next
to the scripts' own :class:`SqlVariables`, and are validated the same way. docs/deploy.md prints
the file rendered with the defaults, the CLI renders it with yours
(``python -m lambdas.snowflake_migrations.cli bootstrap-sql``), and the local warehouse runs it
as ACCOUNTADMIN before applying the migrations.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import jinja2

from lambdas.snowflake_migrations.scripts import SqlVariables, split, validate_identifier

BOOTSTRAP_FILE = Path("admin") / "bootstrap.sql"


@dataclass(frozen=True)
class AccountNames:
    """Account-level names of the bootstrap (all validated identifiers, credits positive)."""

    deploy_role: str = "POS_DEPLOY"
    deploy_user: str = "POS_DEPLOY"
    # Service users of the health monitor Lambda and of the Streamlit dashboards.
    monitor_user: str = "POS_MONITOR_SVC"
    dashboard_user: str = "POS_DASHBOARD_SVC"
    dashboard_warehouse: str = "POS_DASHBOARD_WH"
    pipeline_monitor: str = "POS_PIPELINE_MONITOR"
    dashboard_monitor: str = "POS_DASHBOARD_MONITOR"
    # Daily credit quotas of the resource monitors. An XSMALL warehouse uses 1 credit per hour,
    # so 24 a day at most: the pipeline monitor notifies at 80 % (24 credits) and suspends above,
    # which only happens when a warehouse was resized or more were assigned to it.
    pipeline_daily_credits: int = 30
    dashboard_daily_credits: int = 4

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if isinstance(value, int):
                if value <= 0:
                    raise ValueError(f"{name}={value!r} must be a positive number of credits")
            else:
                validate_identifier(name, value)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_JINJA = jinja2.Environment(
    undefined=jinja2.StrictUndefined,
    autoescape=False,  # noqa: S701 - renders SQL, not HTML; inputs are validated identifiers/ints
    keep_trailing_newline=True,
)


def bootstrap_path(scripts_dir: Path) -> Path:
    return scripts_dir / BOOTSTRAP_FILE


def render_template(text: str, variables: SqlVariables, names: AccountNames | None = None) -> str:
    """A template of ``snowflake/admin/`` rendered with the scripts' and the account's names."""
    context = {**variables.as_dict(), **(names or AccountNames()).as_dict()}
    return _JINJA.from_string(text).render(**context)


def render_bootstrap(
    scripts_dir: Path, variables: SqlVariables, names: AccountNames | None = None
) -> str:
    """The bootstrap for one environment's names."""
    return render_template(
        bootstrap_path(scripts_dir).read_text(encoding="utf-8"), variables, names
    )


def bootstrap_statements(
    scripts_dir: Path, variables: SqlVariables, names: AccountNames | None = None
) -> list[str]:
    return split(render_bootstrap(scripts_dir, variables, names))
