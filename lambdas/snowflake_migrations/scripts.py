"""Discover, order, render and split the Snowflake change scripts in `snowflake/`.

One module serves the CloudFormation custom resource, the command-line applier and the local
warehouse runner, so the three apply exactly the same SQL.

Naming follows schemachange:
- ``V<version>__<what>.sql``: versioned, applied once, in version order;
- ``R__<what>.sql``: repeatable (procedures, tasks, views), re-applied when its checksum changes;
- ``A__<what>.sql``: always applied, last (resuming tasks in dependency order).

Scripts are Jinja templates whose only inputs are identifiers validated by :class:`SqlVariables`,
so no value reaches SQL unchecked.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import jinja2
import jinja2.meta
from snowflake.connector.util_text import split_statements

# Where ``snowflake/`` sits next to this package: in the repository (an editable install) and in
# the migrations Lambda's asset, which holds lambdas/ and snowflake/ side by side.
PACKAGED_SCRIPTS_DIR = Path(__file__).resolve().parents[2] / "snowflake"

SCRIPT_NAME = re.compile(
    r"^(?:(?P<kind>[VRA])(?P<version>(?<=V)\d+(?:_\d+)*)?)__(?P<description>[A-Za-z0-9_]+)\.sql$"
)
# Unquoted Snowflake identifier: letter or underscore, then letters, digits, _ or $.
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]{0,254}$")


class ScriptKind(StrEnum):
    VERSIONED = "V"
    REPEATABLE = "R"
    ALWAYS = "A"


class InvalidIdentifierError(ValueError):
    """A configured name is not a plain Snowflake identifier."""


def validate_identifier(name: str, value: str) -> str:
    """Return ``value`` if it is a plain unquoted identifier, else raise."""
    if not IDENTIFIER.fullmatch(value):
        raise InvalidIdentifierError(f"{name}={value!r} is not a valid Snowflake identifier")
    return value


# Settings that are not names: each value must match its pattern.
SETTING_PATTERNS = {
    "search_optimization": re.compile(r"^(true|false)$"),
    "process_raw_pos_max_records": re.compile(r"^[1-9][0-9]{0,6}$"),
    "auto_redrive_dimension_rejects": re.compile(r"^(true|false)$"),
}


@dataclass(frozen=True)
class SqlVariables:
    """Per-environment values rendered into the scripts: validated identifiers, plus the settings
    of ``SETTING_PATTERNS`` (docs/snowflake.md, "Cost model")."""

    database: str = "POS_DB"
    warehouse: str = "POS_WH"
    ingest_role: str = "POS_INGEST"
    transform_role: str = "POS_TRANSFORM"
    dashboard_role: str = "POS_DASHBOARD"
    firehose_user: str = "POS_FIREHOSE"
    # Empty means serverless tasks; otherwise the warehouse the tasks run on.
    task_warehouse: str = field(default="POS_WH")
    # Read-only role of the Snowflake health monitor (snowflake/R__ops_monitor_role.sql).
    monitor_role: str = "POS_MONITOR"
    # "true" declares search optimization on the dedupe lookups (Enterprise Edition or higher);
    # "false" on Standard Edition, where the lookups scan the narrow key columns instead.
    search_optimization: str = "true"
    # At most this many queued records per PROCESS_RAW_POS run: a backlog drains in bounded runs.
    process_raw_pos_max_records: str = "10000"
    # "true": a dimension row added or changed sends back the rejects it fixes (docs/snowflake.md,
    # "Dead-letter redrive"); "false" leaves them to `pos redrive rejected`.
    auto_redrive_dimension_rejects: str = "true"

    def __post_init__(self) -> None:
        for name, value in self.as_dict().items():
            if name == "task_warehouse" and value == "":
                continue
            if name in SETTING_PATTERNS:
                if not SETTING_PATTERNS[name].fullmatch(value):
                    raise InvalidIdentifierError(
                        f"{name}={value!r} must match {SETTING_PATTERNS[name].pattern}"
                    )
                continue
            validate_identifier(name, value)

    def as_dict(self) -> dict[str, str]:
        return {
            "database": self.database,
            "warehouse": self.warehouse,
            "ingest_role": self.ingest_role,
            "transform_role": self.transform_role,
            "dashboard_role": self.dashboard_role,
            "firehose_user": self.firehose_user,
            "task_warehouse": self.task_warehouse,
            "monitor_role": self.monitor_role,
            "search_optimization": self.search_optimization,
            "process_raw_pos_max_records": self.process_raw_pos_max_records,
            "auto_redrive_dimension_rejects": self.auto_redrive_dimension_rejects,
        }

    @classmethod
    def from_mapping(cls, values: Mapping[str, str]) -> SqlVariables:
        known = set(cls().as_dict())
        unknown = set(values) - known
        if unknown:
            raise InvalidIdentifierError(f"unknown SQL variables: {sorted(unknown)}")
        return cls(**dict(values))


_JINJA = jinja2.Environment(
    undefined=jinja2.StrictUndefined,
    autoescape=False,  # noqa: S701 - renders SQL, not HTML; inputs are validated identifiers
    keep_trailing_newline=True,
)


def render(
    template_text: str, variables: SqlVariables, identifiers: Mapping[str, str] | None = None
) -> str:
    """Render one script; an unknown variable is an error, not an empty string.

    ``identifiers`` are extra names for operational statements (a task to suspend); each part of
    a dotted name is validated like the variables.
    """
    extra = dict(identifiers or {})
    for name, value in extra.items():
        for part in value.split("."):
            validate_identifier(name, part)
    return _JINJA.from_string(template_text).render(**variables.as_dict(), **extra)


def scripts_fingerprint(directory: Path) -> str:
    """Hash of the script files as written (names and bytes), before rendering.

    The CDK app puts it in the custom resource's properties so that any SQL change re-runs the
    migrations, and the handler compares it with the scripts it carries.
    """
    digest = hashlib.sha256()
    for path in sorted(directory.glob("*.sql")):
        digest.update(path.name.encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def split(sql: str) -> list[str]:
    """Split rendered SQL into statements (``$$`` bodies and quoted ``;`` stay whole)."""
    return [
        statement.rstrip(";").strip()
        for statement, _ in split_statements(io.StringIO(sql), remove_comments=True)
        if statement.strip().rstrip(";").strip()
    ]


def checksum(sql: str) -> str:
    """What the history table records for a script: SHA-256 of its rendered SQL.

    Unchanged since the first release, so scripts applied by earlier versions keep matching.
    Because it covers the rendered text, a setting rendered into an applied ``V`` script that
    changes after the first deploy makes that script differ; the plan then names the setting.
    """
    return hashlib.sha256(sql.encode("utf-8")).hexdigest()


def settings_rendered(template_text: str) -> frozenset[str]:
    """The variables (settings) a script template uses."""
    return frozenset(jinja2.meta.find_undeclared_variables(_JINJA.parse(template_text)))


@dataclass(frozen=True)
class MigrationScript:
    """One change script, rendered for an environment."""

    name: str
    kind: ScriptKind
    version: tuple[int, ...] | None
    description: str
    sql: str
    # The file as written (a Jinja template), to explain why a rendered checksum changed.
    template: str = ""

    @property
    def checksum(self) -> str:
        return checksum(self.sql)

    @property
    def settings(self) -> frozenset[str]:
        return settings_rendered(self.template)

    def checksum_with(self, variables: SqlVariables) -> str:
        """The checksum this script had when rendered with other ``variables``."""
        return checksum(render(self.template, variables))

    @property
    def version_label(self) -> str | None:
        return None if self.version is None else ".".join(str(part) for part in self.version)

    def statements(self) -> list[str]:
        return split(self.sql)


def parse_name(file_name: str) -> tuple[ScriptKind, tuple[int, ...] | None, str]:
    match = SCRIPT_NAME.fullmatch(file_name)
    if match is None:
        raise ValueError(f"{file_name}: not a V<n>__x.sql, R__x.sql or A__x.sql script name")
    kind = ScriptKind(match["kind"])
    raw_version = match["version"]
    if kind is ScriptKind.VERSIONED and raw_version is None:
        raise ValueError(f"{file_name}: versioned script without a version")
    version = tuple(int(part) for part in raw_version.split("_")) if raw_version else None
    return kind, version, match["description"]


def _order_key(script: MigrationScript) -> tuple[int, tuple[int, ...], str]:
    kind_rank = {ScriptKind.VERSIONED: 0, ScriptKind.REPEATABLE: 1, ScriptKind.ALWAYS: 2}
    return kind_rank[script.kind], script.version or (), script.description


class NoScriptsError(ValueError):
    """The scripts folder is missing or holds no ``.sql`` file: applying it would do nothing."""


def discover(directory: Path, variables: SqlVariables) -> list[MigrationScript]:
    """All scripts in apply order: V by version, then R, then A, each by description.

    A missing or empty folder is an error naming the path: a wrong path must never look like a
    successful apply of nothing.
    """
    paths = sorted(directory.glob("*.sql")) if directory.is_dir() else []
    if not paths:
        state = "holds no .sql scripts" if directory.is_dir() else "does not exist"
        raise NoScriptsError(f"migration scripts folder {directory.resolve()} {state}")
    scripts: list[MigrationScript] = []
    seen_versions: dict[tuple[int, ...], str] = {}
    for path in paths:
        kind, version, description = parse_name(path.name)
        if version is not None:
            if version in seen_versions:
                raise ValueError(f"{path.name} repeats version of {seen_versions[version]}")
            seen_versions[version] = path.name
        template = path.read_text(encoding="utf-8")
        sql = render(template, variables)
        scripts.append(MigrationScript(path.name, kind, version, description, sql, template))
    return sorted(scripts, key=_order_key)


def iter_statements(scripts: list[MigrationScript]) -> Iterator[tuple[MigrationScript, str]]:
    for script in scripts:
        for statement in script.statements():
            yield script, statement
