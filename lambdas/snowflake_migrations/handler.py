"""Custom resource that applies ``snowflake/`` (the ``custom_resources.Provider`` onEvent handler).

- Create/Update: read the deploy user's key pair from Secrets Manager, apply what is new or changed
  (``apply_migrations``: versioned scripts once, an edited applied one refused, repeatables when
  their checksum changed, always-scripts such as resuming tasks last) and return a short summary.
  A failure raises; the Provider framework sends its message to CloudFormation as the reason. An
  applied V script that renders differently because a setting changed is refused naming the
  setting (the Update's ``OldResourceProperties`` hold the previous settings).
- Update rollback: CloudFormation first reverts this function's code, then sends an Update with
  the previous properties, so it is the *previous* release's code that runs, with matching
  fingerprints. What tells it apart is the history table: it holds versioned scripts this code
  does not carry (``AccountAheadError``). Then nothing is applied and the Update succeeds, so the
  rollback completes; the log and the response say why. Every release carries this rule, so the
  code that runs in a future rollback (today's) follows it. A release that changed only
  repeatable scripts rolls back by re-applying the previous ones over the same schema, which is
  what returning to the previous template means.
- Update whose scripts fingerprint differs from the scripts this code carries (the properties
  name other scripts than the function holds): nothing is applied either.
- Delete: never drops anything. It suspends the tasks, best effort: an unreachable account must not
  block removing the stack, and the log says what to run by hand.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.snowflake_migrations.apply import AccountAheadError, MigrationError, apply_migrations
from lambdas.snowflake_migrations.connect import KeyPair, connect
from lambdas.snowflake_migrations.scripts import SqlVariables, scripts_fingerprint
from lambdas.snowflake_migrations.tasks import suspend_tasks

logger = Logger(service="pos-snowflake-migrations")

# The asset holds lambdas/ and snowflake/ side by side, as the repository does.
DEFAULT_SCRIPTS_DIR = Path(__file__).resolve().parents[2] / "snowflake"
# CloudFormation accepts at most 4 KB of response; the list of applied scripts is cut to fit.
MAX_LISTED_SCRIPTS = 20


@dataclass(frozen=True)
class MigrationProperties:
    """The custom resource's properties (CloudFormation passes them as strings)."""

    account_url: str
    secret_arn: str
    role: str
    variables: SqlVariables
    scripts_fingerprint: str

    @classmethod
    def from_event(cls, properties: Mapping[str, Any]) -> MigrationProperties:
        missing = {"AccountUrl", "SecretArn", "Role", "SqlVariables", "ScriptsFingerprint"} - set(
            properties
        )
        if missing:
            raise MigrationError(f"custom resource properties missing: {sorted(missing)}")
        return cls(
            account_url=str(properties["AccountUrl"]),
            secret_arn=str(properties["SecretArn"]),
            role=str(properties["Role"]),
            variables=SqlVariables.from_mapping(properties["SqlVariables"]),
            scripts_fingerprint=str(properties["ScriptsFingerprint"]),
        )

    @property
    def physical_id(self) -> str:
        # Stable per database: a new id would make CloudFormation send a Delete for the old one.
        return f"snowflake-migrations:{self.variables.database}"


def scripts_dir() -> Path:
    return Path(os.environ.get("MIGRATIONS_SCRIPTS_DIR") or DEFAULT_SCRIPTS_DIR)


def _open_session(properties: MigrationProperties) -> Any:
    secret = boto3.client("secretsmanager").get_secret_value(SecretId=properties.secret_arn)
    key_pair = KeyPair.from_secret_string(secret["SecretString"])
    try:
        return connect(
            account=properties.account_url,
            key_pair=key_pair,
            role=properties.role,
            warehouse=properties.variables.warehouse,
            database=properties.variables.database,
        )
    except Exception as exc:
        raise MigrationError(
            f"could not log in to {properties.account_url} as {key_pair.user} "
            f"with role {properties.role}: {exc}"
        ) from exc


def _apply(
    request_type: str,
    properties: MigrationProperties,
    previous: MigrationProperties | None = None,
) -> dict[str, Any]:
    directory = scripts_dir()
    carried = scripts_fingerprint(directory)
    if carried != properties.scripts_fingerprint:
        if request_type == "Update":
            logger.warning(
                "Scripts fingerprint differs from the request (rollback to an older template): "
                "migrations are forward-only, nothing applied",
                extra={"requested": properties.scripts_fingerprint, "carried": carried},
            )
            return {"PhysicalResourceId": properties.physical_id, "Data": {"Applied": "0"}}
        raise MigrationError(
            f"the function carries scripts {carried[:12]} but was asked to apply "
            f"{properties.scripts_fingerprint[:12]}; redeploy the stack"
        )
    connection = _open_session(properties)
    try:
        result = apply_migrations(
            connection,
            directory,
            properties.variables,
            previous=previous.variables if previous else None,
        )
    except AccountAheadError as ahead:
        if request_type != "Update":
            raise
        logger.warning(
            "The account was migrated by a newer release (an update rollback runs the previous "
            "code): nothing applied",
            extra={"newer_scripts": ahead.newer, "reason": str(ahead)},
        )
        return {
            "PhysicalResourceId": properties.physical_id,
            "Data": {"Applied": "0", "Skipped": f"account is ahead: {', '.join(ahead.newer)}"},
        }
    finally:
        connection.close()
    logger.info("Migrations applied", extra={"applied": result.applied, "skipped": result.skipped})
    listed = result.applied[:MAX_LISTED_SCRIPTS]
    more = len(result.applied) - len(listed)
    return {
        "PhysicalResourceId": properties.physical_id,
        "Data": {
            "Applied": str(len(result.applied)),
            "AppliedScripts": ", ".join(listed) + (f" and {more} more" if more else ""),
        },
    }


def _delete(physical_id: str, properties: MigrationProperties) -> dict[str, Any]:
    try:
        connection = _open_session(properties)
        try:
            suspended = suspend_tasks(connection, properties.variables)
        finally:
            connection.close()
    except Exception:
        logger.exception(
            "Could not suspend the Snowflake tasks; nothing was dropped. Suspend them with "
            "`python -m lambdas.snowflake_migrations.cli suspend-tasks ...`"
        )
        return {"PhysicalResourceId": physical_id, "Data": {"TasksSuspended": "unknown"}}
    logger.info("Tasks suspended; all data kept", extra={"suspended": suspended})
    return {"PhysicalResourceId": physical_id, "Data": {"TasksSuspended": str(len(suspended))}}


def _previous_properties(event: Mapping[str, Any]) -> MigrationProperties | None:
    """The last deploy's properties, used only to explain errors: never a reason to fail."""
    try:
        return MigrationProperties.from_event(event.get("OldResourceProperties") or {})
    except (MigrationError, ValueError):
        return None


@logger.inject_lambda_context(log_event=False)
def on_event(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request_type = str(event["RequestType"])
    properties = MigrationProperties.from_event(event["ResourceProperties"])
    logger.info("Custom resource request", extra={"request_type": request_type})
    if request_type == "Delete":
        return _delete(str(event["PhysicalResourceId"]), properties)
    previous = _previous_properties(event) if request_type == "Update" else None
    try:
        return _apply(request_type, properties, previous)
    except Exception:
        logger.exception("Migrations failed")
        raise
