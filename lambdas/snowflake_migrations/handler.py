"""Custom resource that applies ``snowflake/`` (the ``custom_resources.Provider`` onEvent handler).

- Create/Update: read the deploy user's key pair from Secrets Manager, apply what is new or changed
  (``apply_migrations``: versioned scripts once, an edited applied one refused, repeatables when
  their checksum changed, always-scripts such as resuming tasks last) and return a short summary.
  A failure raises; the Provider framework sends its message to CloudFormation as the reason.
- Update whose scripts fingerprint differs from the scripts this code carries: CloudFormation is
  rolling back to an older template while this newer code still runs. Migrations are forward-only,
  so nothing is applied (a forward fix is a new deploy).
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

from lambdas.snowflake_migrations.apply import MigrationError, apply_migrations
from lambdas.snowflake_migrations.connect import KeyPair, connect
from lambdas.snowflake_migrations.scripts import (
    PACKAGED_SCRIPTS_DIR,
    SqlVariables,
    scripts_fingerprint,
)
from lambdas.snowflake_migrations.tasks import suspend_tasks

logger = Logger(service="pos-snowflake-migrations")

# The asset holds lambdas/ and snowflake/ side by side, as the repository does.
DEFAULT_SCRIPTS_DIR = PACKAGED_SCRIPTS_DIR
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


def _apply(request_type: str, properties: MigrationProperties) -> dict[str, Any]:
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
        result = apply_migrations(connection, directory, properties.variables)
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
            "`pos migrate suspend-tasks ...`"
        )
        return {"PhysicalResourceId": physical_id, "Data": {"TasksSuspended": "unknown"}}
    logger.info("Tasks suspended; all data kept", extra={"suspended": suspended})
    return {"PhysicalResourceId": physical_id, "Data": {"TasksSuspended": str(len(suspended))}}


@logger.inject_lambda_context(log_event=False)
def on_event(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request_type = str(event["RequestType"])
    properties = MigrationProperties.from_event(event["ResourceProperties"])
    logger.info("Custom resource request", extra={"request_type": request_type})
    if request_type == "Delete":
        return _delete(str(event["PhysicalResourceId"]), properties)
    try:
        return _apply(request_type, properties)
    except Exception:
        logger.exception("Migrations failed")
        raise
