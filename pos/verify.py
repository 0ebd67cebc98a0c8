"""``pos verify``: proves a deployed pipeline works end to end (AWS resources, Snowflake objects and
grants, a canary through every hop), or with ``--local`` the same checks, through the same code,
against the local twin (moto holding the synthesized stack, the served local warehouse).

Options and output only; the checks are ``lambdas/pipeline_verify`` (deployed code: the scheduled
canary runs them too) and the twin is ``local/twin``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

PASSPHRASE_ENV = "SNOWFLAKE_PRIVATE_KEY_FILE_PWD"  # noqa: S105 - a variable name, not a secret
DEFAULT_LOCAL_WORKDIR = Path(".local/verify")
EPILOG = """Examples:

  pos verify --local                                   # the local twin, every check

  pos verify -c snowflake_account_url=https://myorg-myaccount.snowflakecomputing.com \\
      -c firehose_secret_arn=arn:... -c migrations_secret_arn=arn:... \\
      --user ME --private-key-file me.p8 --grants-role SECURITYADMIN

  pos verify --skip canary                             # resources and grants only

Settings are the CDK app's (cdk.json, -c NAME=VALUE, POS_<NAME> variables; docs/deploy.md
section 4). Exit code 0 when every check passes, 1 when one fails, 2 when it cannot run."""


class VerifySetupError(Exception):
    """Verify cannot start: a setting, credential or the stack is missing (one line, no trace)."""


@dataclass(frozen=True)
class CanaryOptions:
    sales: int
    deadline_s: float
    run_id: str | None


def _parts(skip: list[str] | None) -> tuple[str, ...]:
    from lambdas.pipeline_verify.verify import PARTS

    unknown = sorted(set(skip or []) - set(PARTS))
    if unknown:
        raise typer.BadParameter(
            f"unknown part {unknown}; parts: {list(PARTS)}", param_hint="--skip"
        )
    return tuple(part for part in PARTS if part not in (skip or []))


def _context(values: list[str] | None) -> dict[str, Any]:
    from stacks.requirements import REPO_ROOT

    # cdk.json's context, as the CDK app reads it (stacks.application.project_context), without
    # starting the CDK library's node runtime.
    context: dict[str, Any] = json.loads((REPO_ROOT / "cdk.json").read_text())["context"]
    for item in values or []:
        name, separator, value = item.partition("=")
        if not separator:
            raise typer.BadParameter(f"expected NAME=VALUE, got {item!r}", param_hint="-c")
        context[name.strip()] = value.strip()
    return context


@contextmanager
def _local_target(workdir: Path) -> Iterator[tuple[Any, str]]:
    """Attach to the twin ``pos local twin`` runs for ``workdir``, or bring one up."""
    from lambdas.pipeline_verify.aws_checks import AwsClients
    from lambdas.pipeline_verify.verify import VerifyTarget
    from lambdas.snowflake_migrations.bootstrap import AccountNames
    from lambdas.snowflake_migrations.scripts import SqlVariables
    from local.resources import snowflake_scripts
    from local.twin.provision import client
    from local.twin.twin import LocalTwin, TwinOptions, connect_served, running_twin
    from local.warehouse.access.principals import LocalPrincipals

    options = TwinOptions(workdir)
    variables = SqlVariables()
    principals = LocalPrincipals.of(variables, AccountNames())
    with ExitStack() as stack:
        attached = running_twin(workdir)
        if attached is not None:
            typer.echo(f"attached to the local twin of {workdir} (pid {attached.pid})", err=True)
            url, (host, port), view = (
                attached.endpoint_url,
                attached.warehouse_address,
                attached.stack,
            )
        else:
            twin = stack.enter_context(LocalTwin(options))
            assert twin.stack is not None
            url, (host, port), view = twin.endpoint_url, twin.warehouse_address, twin.stack
        deploy = principals.deploy
        connection = connect_served(host, port, deploy.user, str(deploy.role), variables)
        stack.callback(connection.close)
        # A person holding SECURITYADMIN reads every role's grants (MANAGE GRANTS).
        grants = connect_served(host, port, principals.admin.user, "SECURITYADMIN", variables)
        stack.callback(grants.close)
        aws = AwsClients(
            *(client(s, url) for s in ("kinesis", "firehose", "lambda", "cloudwatch", "sns"))
        )
        target = VerifyTarget(view, aws, connection, grants, snowflake_scripts(), variables)
        yield target, f"local:{options.buffer_interval_s},{options.task_interval_s}"


@contextmanager
def _cloud_target(
    context: dict[str, Any],
    user: str | None,
    private_key_file: Path | None,
    secret_arn: str | None,
    grants_role: str | None,
) -> Iterator[tuple[Any, str]]:
    import boto3

    from lambdas.pipeline_verify.aws_checks import AwsClients
    from lambdas.pipeline_verify.stack import from_cloudformation
    from lambdas.pipeline_verify.verify import VerifyTarget
    from lambdas.snowflake_migrations.connect import KeyPair, connect
    from local.resources import snowflake_scripts
    from stacks.config import load_config

    config = load_config(context)
    session = boto3.session.Session(region_name=config.region)
    if session.region_name is None:
        raise VerifySetupError(
            "no AWS region: set the region setting (-c region=...) or AWS_REGION"
        )
    if session.get_credentials() is None:
        raise VerifySetupError("no AWS credentials: set AWS_PROFILE or the usual credential chain")
    stack = from_cloudformation(session.client("cloudformation"), config.stack_name)
    if private_key_file is not None:
        if not user:
            raise VerifySetupError("--private-key-file needs --user")
        key_pair = KeyPair.from_pem(
            user, private_key_file.read_bytes(), os.environ.get(PASSPHRASE_ENV)
        )
    else:
        secret = session.client("secretsmanager").get_secret_value(
            SecretId=secret_arn or config.migrations_secret_arn
        )
        key_pair = KeyPair.from_secret_string(secret["SecretString"])
    variables = config.sql_variables

    def login(role: str) -> Any:
        return connect(
            account=config.snowflake_account_url,
            key_pair=key_pair,
            role=role,
            warehouse=config.warehouse,
            database=config.database,
            application="retail-pos-pipeline-verify",
        )

    with ExitStack() as exits:
        connection = login(config.deploy_role)
        exits.callback(connection.close)
        grants = login(grants_role) if grants_role else connection
        if grants_role:
            exits.callback(grants.close)
        aws = AwsClients(
            *(session.client(s) for s in ("kinesis", "firehose", "lambda", "cloudwatch", "sns"))
        )
        budget = (
            f"cloud:{config.processor_buffer_interval_seconds},"
            f"{config.destination_buffer_interval_seconds}"
        )
        yield VerifyTarget(stack, aws, connection, grants, snowflake_scripts(), variables), budget


def _window_settings(local: bool) -> Any:
    from datetime import timedelta

    from lambdas.pipeline_verify.windows import WindowSettings

    if local:  # the twin's latency is seconds: short windows, the canary's own among them
        return WindowSettings(
            width=timedelta(seconds=5), settle=timedelta(seconds=2), count=6, wait_for_canary=True
        )
    return WindowSettings()


def verify(
    local: Annotated[bool, typer.Option("--local", help="Verify the local twin instead.")] = False,
    workdir: Annotated[
        Path, typer.Option(help="With --local: the twin's workdir.")
    ] = DEFAULT_LOCAL_WORKDIR,
    context: Annotated[
        list[str] | None, typer.Option("--context", "-c", help="A CDK app setting, NAME=VALUE.")
    ] = None,
    user: Annotated[
        str | None,
        typer.Option(envvar="SNOWFLAKE_USER", help="Snowflake user (with --private-key-file)."),
    ] = None,
    private_key_file: Annotated[
        Path | None,
        typer.Option(
            exists=True, dir_okay=False, help=f"PKCS#8 PEM key; passphrase from ${PASSPHRASE_ENV}."
        ),
    ] = None,
    secret_arn: Annotated[
        str | None, typer.Option(help="Key-pair secret (default: migrations_secret_arn).")
    ] = None,
    grants_role: Annotated[
        str | None,
        typer.Option(
            help="Role that reads every role's grants (MANAGE GRANTS), e.g. SECURITYADMIN."
        ),
    ] = None,
    skip: Annotated[
        list[str] | None, typer.Option(help="Leave a part out: aws, snowflake, canary, windows.")
    ] = None,
    events: Annotated[
        int, typer.Option(min=1, max=500, help="Canary sales (plus 2 bad records).")
    ] = 20,
    deadline: Annotated[
        float, typer.Option(min=1, help="Seconds the canary waits for every record.")
    ] = 300.0,
    run_id: Annotated[
        str | None, typer.Option(help="Reuse a canary run id (puts the same bytes again).")
    ] = None,
) -> None:
    """Check a deployment end to end: AWS resources against the stack, Snowflake objects, history,
    tasks, streams and grants against the privilege matrix, then a canary through every hop."""
    import botocore.exceptions
    import snowflake.connector

    from lambdas.pipeline_verify.canary import CanarySettings
    from lambdas.pipeline_verify.stack import StackNotFoundError
    from lambdas.pipeline_verify.verify import run_verify
    from lambdas.snowflake_migrations.connect import CredentialsError
    from stacks.config import ConfigError

    parts = _parts(skip)
    try:
        with (
            _local_target(workdir)
            if local
            else _cloud_target(_context(context), user, private_key_file, secret_arn, grants_role)
        ) as (target, budget):
            settings = CanarySettings(
                sales=events,
                deadline_s=deadline,
                run_id=run_id,
                budget=budget,
                poll_interval_s=0.5 if local else 5.0,
            )
            report, _ = run_verify(target, settings, parts, _window_settings(local))
    except (
        VerifySetupError,
        ConfigError,
        CredentialsError,
        StackNotFoundError,
        OSError,
        botocore.exceptions.BotoCoreError,
        botocore.exceptions.ClientError,
        snowflake.connector.errors.Error,
    ) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    typer.echo(report.render())
    raise typer.Exit(0 if report.ok else 1)


def register(root: typer.Typer) -> None:
    root.command("verify", epilog=EPILOG)(verify)
