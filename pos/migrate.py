"""``pos migrate apply | plan | status | suspend-tasks | bootstrap-sql``: the Snowflake migrations,
by hand.

The same core the CloudFormation custom resource runs (``lambdas/snowflake_migrations``), against
a real account or against a local warehouse (``--local``). Account login is key-pair only: a PEM
key file (its passphrase from ``SNOWFLAKE_PRIVATE_KEY_FILE_PWD``, never the command line, where it
would land in shell history and the process list) or a Secrets Manager secret in the shape
Firehose reads (``{"user", "private_key", "key_passphrase"?}``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

PASSPHRASE_ENV = "SNOWFLAKE_PRIVATE_KEY_FILE_PWD"  # noqa: S105 - a variable name, not a secret
DEFAULT_WORKDIR = Path(".local")

EPILOG = """Examples:

  export SNOWFLAKE_ACCOUNT=myorg-myaccount SNOWFLAKE_USER=POS_DEPLOY

  export SNOWFLAKE_PRIVATE_KEY_FILE_PWD=...   # only if the key is encrypted

  pos migrate status --private-key-file deploy.p8 --role POS_DEPLOY

  pos migrate apply --secret-arn arn:aws:secretsmanager:...:secret:pos/deploy --role POS_DEPLOY

  pos migrate status --local --workdir .local/demo"""

app = typer.Typer(
    help=(
        "Apply snowflake/ (schemachange naming: V once, R when changed, A always) to an account"
        " or a local warehouse, and see what is applied and pending."
    ),
    epilog=EPILOG,
    no_args_is_help=True,
    add_completion=False,
)

Account = Annotated[
    str | None,
    typer.Option(envvar="SNOWFLAKE_ACCOUNT", help="orgname-account, or the account URL."),
]
User = Annotated[
    str | None,
    typer.Option(envvar="SNOWFLAKE_USER", help="Deploy user (with --private-key-file)."),
]
KeyFile = Annotated[
    Path | None,
    typer.Option(
        exists=True, dir_okay=False, help=f"PKCS#8 PEM key; passphrase from ${PASSPHRASE_ENV}."
    ),
]
SecretArn = Annotated[
    str | None,
    typer.Option(help="Secrets Manager secret with user, private_key, key_passphrase."),
]
Region = Annotated[
    str | None, typer.Option(envvar="AWS_REGION", help="Region of the secret (default: AWS chain).")
]
Role = Annotated[str | None, typer.Option(help="Role to deploy as, e.g. POS_DEPLOY.")]
Local = Annotated[bool, typer.Option("--local", help="Use the local warehouse of --workdir.")]
Workdir = Annotated[Path, typer.Option(help="With --local: the run's workdir.")]
ScriptsDir = Annotated[
    Path | None,
    typer.Option(file_okay=False, help="Scripts folder (default: the packaged snowflake/)."),
]
Database = Annotated[str, typer.Option(help="Database the scripts create and use.")]
Variables = Annotated[
    list[str] | None,
    typer.Option("--var", help="Another SQL variable, NAME=VALUE (e.g. warehouse=POS_WH)."),
]


@dataclass(frozen=True)
class Target:
    """Where to connect and which scripts: what every subcommand is given."""

    account: str | None
    user: str | None
    private_key_file: Path | None
    secret_arn: str | None
    region: str | None
    role: str | None
    local: bool
    workdir: Path
    scripts_dir: Path | None
    database: str
    variables: list[str] | None


def _sql_variables(target: Target) -> Any:
    from lambdas.snowflake_migrations.scripts import SqlVariables

    values = {"database": target.database}
    values |= _named_values(target.variables, SqlVariables().as_dict())
    return SqlVariables.from_mapping(values)


def _named_values(items: list[str] | None, known: dict[str, Any] | None = None) -> dict[str, str]:
    """``NAME=VALUE`` options as a mapping; with ``known``, only the names it has."""
    values: dict[str, str] = {}
    for item in items or []:
        name, separator, value = item.partition("=")
        if not separator:
            raise typer.BadParameter(f"expected NAME=VALUE, got {item!r}", param_hint="--var")
        key = name.strip().lower()
        if known is None or key in known:
            values[key] = value.strip()
    return values


def _key_pair(target: Target) -> Any:
    from lambdas.snowflake_migrations.connect import KeyPair

    if (target.private_key_file is None) == (target.secret_arn is None):
        raise typer.BadParameter(
            "give either --private-key-file (with --user) or --secret-arn",
            param_hint="--private-key-file / --secret-arn",
        )
    if target.secret_arn is not None:
        import boto3

        client = boto3.client("secretsmanager", region_name=target.region)
        secret = client.get_secret_value(SecretId=target.secret_arn)
        return KeyPair.from_secret_string(secret["SecretString"])
    assert target.private_key_file is not None
    if not target.user:
        raise typer.BadParameter("give --user with --private-key-file", param_hint="--user")
    return KeyPair.from_pem(
        target.user, target.private_key_file.read_bytes(), os.environ.get(PASSPHRASE_ENV)
    )


@contextmanager
def _session(
    target: Target, variables: Any, scripts_dir: Path, *, deploying: bool
) -> Iterator[Any]:
    """A DB-API connection as the deploy user: to the account, or with ``--local`` to the local
    warehouse of ``--workdir`` (which ``apply`` first bootstraps, as an admin would once)."""
    if target.local:
        from local.warehouse import LocalWarehouse

        with LocalWarehouse(target.workdir / "warehouse", variables) as warehouse:
            if deploying:
                warehouse.prepare_deploy(scripts_dir)
            connection = warehouse.connect_as(warehouse.principals.deploy)
            try:
                yield connection
            finally:
                connection.close()
        return
    from lambdas.snowflake_migrations.connect import connect

    if not target.account or not target.role:
        raise typer.BadParameter(
            "give --account and --role (or --local)", param_hint="--account / --role"
        )
    key_pair = _key_pair(target)
    connection = connect(
        account=target.account,
        key_pair=key_pair,
        role=target.role,
        warehouse=variables.warehouse,
        database=variables.database,
        application="retail-pos-pipeline-cli",
    )
    try:
        yield connection
    finally:
        connection.close()


def _scripts_dir(target: Target) -> Path:
    if target.scripts_dir is not None:
        return target.scripts_dir
    from local.resources import snowflake_scripts

    return snowflake_scripts()


def _run(target: Target, body: Callable[[Any, Any, Path], None]) -> None:
    """Open the session, run ``body(connection, variables, scripts_dir)``; known failures are
    one line on stderr and exit code 1, never a traceback."""
    import snowflake.connector

    from lambdas.snowflake_migrations.apply import MigrationError
    from local.resources import MissingResourceError

    try:
        from lambdas.snowflake_migrations.scripts import discover

        variables = _sql_variables(target)
        scripts_dir = _scripts_dir(target)
        discover(scripts_dir, variables)  # a wrong folder is named before anything connects
        with _session(target, variables, scripts_dir, deploying=body is _apply) as connection:
            body(connection, variables, scripts_dir)
    except typer.BadParameter:
        raise
    except (
        MigrationError,
        MissingResourceError,
        ValueError,
        OSError,
        snowflake.connector.errors.Error,
    ) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None


def _apply(connection: Any, variables: Any, scripts_dir: Path) -> None:
    from lambdas.snowflake_migrations.apply import apply_migrations

    result = apply_migrations(connection, scripts_dir, variables)
    for name in result.applied:
        typer.echo(f"applied  {name}")
    typer.echo(f"{len(result.applied)} applied, {len(result.skipped)} unchanged")


def _plan(connection: Any, variables: Any, scripts_dir: Path) -> None:
    from lambdas.snowflake_migrations.apply import pending_scripts

    pending = pending_scripts(connection, scripts_dir, variables)
    for script in pending:
        typer.echo(f"pending  {script.name}")
    typer.echo(f"{len(pending)} pending")


def _status(connection: Any, variables: Any, scripts_dir: Path) -> None:
    from lambdas.snowflake_migrations.apply import pending_scripts, script_history

    history = script_history(connection, variables)
    pending = pending_scripts(connection, scripts_dir, variables)
    if history:
        width = max(len(record.script) for record in history)
        typer.echo(f"{'script':<{width}}  {'status':<7}  {'installed on':<25}  ms")
        for record in history:
            installed = str(record.installed_on)[:25]
            typer.echo(
                f"{record.script:<{width}}  {record.status:<7}  {installed:<25}"
                f"  {record.execution_ms if record.execution_ms is not None else '-'}"
            )
            if record.error_message:
                typer.echo(f"    {record.error_message}")
    else:
        typer.echo(f"nothing applied yet in {variables.database}")
    for script in pending:
        typer.echo(f"pending  {script.name}")
    applied = sum(1 for record in history if record.status == "SUCCESS")
    failed = sum(1 for record in history if record.status != "SUCCESS")
    typer.echo(f"{applied} applied, {failed} failed, {len(pending)} pending")


def _suspend(connection: Any, variables: Any, scripts_dir: Path) -> None:
    from lambdas.snowflake_migrations.tasks import suspend_tasks

    suspended = suspend_tasks(connection, variables)
    for name in suspended:
        typer.echo(f"suspended  {name}")
    typer.echo(f"{len(suspended)} tasks suspended; no data was touched")


def _command(
    name: str, body: Callable[[Any, Any, Path], None], doc: str, example: str
) -> Callable[..., None]:
    def command(
        account: Account = None,
        user: User = None,
        private_key_file: KeyFile = None,
        secret_arn: SecretArn = None,
        region: Region = None,
        role: Role = None,
        local: Local = False,
        workdir: Workdir = DEFAULT_WORKDIR,
        scripts_dir: ScriptsDir = None,
        database: Database = "POS_DB",
        var: Variables = None,
    ) -> None:
        target = Target(
            account, user, private_key_file, secret_arn, region, role, local, workdir,
            scripts_dir, database, var,
        )  # fmt: skip
        _run(target, body)

    command.__doc__ = doc
    app.command(name, epilog=f"Example:\n\n  {example}")(command)
    return command


apply = _command(
    "apply",
    _apply,
    "Apply what is new or changed: V scripts once (an edited applied one is refused), R scripts"
    " when their checksum changed, A scripts every time.",
    "pos migrate apply --local --workdir .local",
)
plan = _command(
    "plan",
    _plan,
    "List the scripts `apply` would run now, in order; changes nothing.",
    "pos migrate plan --account myorg-myaccount --user POS_DEPLOY --private-key-file deploy.p8"
    " --role POS_DEPLOY",
)
status = _command(
    "status",
    _status,
    "List each applied script's latest attempt from OPS.SCHEMA_CHANGE_HISTORY, then what is"
    " pending; changes nothing.",
    "pos migrate status --local --workdir .local/demo",
)
suspend_tasks = _command(
    "suspend-tasks",
    _suspend,
    "Suspend the pipeline's tasks, root tasks first; data is kept (`apply` resumes them).",
    "pos migrate suspend-tasks --account myorg-myaccount --secret-arn ARN --role POS_DEPLOY",
)


@app.command(
    "bootstrap-sql",
    epilog="Example:\n\n  pos migrate bootstrap-sql --database SALES_DB"
    " --var deploy_role=SALES_DEPLOY",
)
def bootstrap_sql(
    scripts_dir: ScriptsDir = None,
    database: Database = "POS_DB",
    var: Annotated[
        list[str] | None,
        typer.Option(
            "--var",
            help="A SQL variable or a bootstrap name, NAME=VALUE (e.g. deploy_role=SALES_DEPLOY,"
            " pipeline_daily_credits=40).",
        ),
    ] = None,
) -> None:
    """Print the one-time admin bootstrap (snowflake/admin/bootstrap.sql) with your names, for a
    person holding ACCOUNTADMIN to run; needs no connection."""
    from lambdas.snowflake_migrations.bootstrap import AccountNames, render_bootstrap
    from lambdas.snowflake_migrations.scripts import SqlVariables
    from local.resources import MissingResourceError

    target = Target(None, None, None, None, None, None, False, DEFAULT_WORKDIR, scripts_dir,
                    database, var)  # fmt: skip
    defaults = AccountNames().as_dict()
    try:
        variables = _sql_variables(target)
        named = _named_values(var, defaults)
        names = AccountNames(**{key: type(defaults[key])(value) for key, value in named.items()})
        unknown = set(_named_values(var)) - set(defaults) - set(SqlVariables().as_dict())
        if unknown:
            raise ValueError(f"unknown names: {sorted(unknown)}")
        typer.echo(render_bootstrap(_scripts_dir(target), variables, names), nl=False)
    except (ValueError, OSError, MissingResourceError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="migrate")
