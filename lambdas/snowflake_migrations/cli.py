"""Apply ``snowflake/`` without CDK: the same code the custom resource runs, from a terminal or CI.

    python -m lambdas.snowflake_migrations.cli apply --account myorg-myaccount --user POS_DEPLOY \\
        --private-key-file deploy_key.p8 --role POS_DEPLOY --database POS_DB

The key passphrase is read from ``SNOWFLAKE_PRIVATE_KEY_FILE_PWD`` (never from the command line,
where it would land in shell history and the process list). ``plan`` lists what ``apply`` would
run; ``suspend-tasks`` stops the pipeline's tasks without touching data; ``bootstrap-sql``
prints the one-time admin bootstrap (``snowflake/admin/bootstrap.sql``) rendered with your names,
for a person holding ACCOUNTADMIN to run (it needs no connection).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lambdas.snowflake_migrations.apply import (
    MigrationError,
    applied_checksums,
    apply_migrations,
    plan,
)
from lambdas.snowflake_migrations.bootstrap import AccountNames, render_bootstrap
from lambdas.snowflake_migrations.connect import KeyPair, connect
from lambdas.snowflake_migrations.handler import DEFAULT_SCRIPTS_DIR
from lambdas.snowflake_migrations.scripts import SqlVariables, discover
from lambdas.snowflake_migrations.tasks import suspend_tasks

PASSPHRASE_ENV = "SNOWFLAKE_PRIVATE_KEY_FILE_PWD"  # noqa: S105 - a variable name, not a secret


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m lambdas.snowflake_migrations.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    defaults = SqlVariables()
    for name, help_text in (
        ("apply", "apply new and changed scripts"),
        ("plan", "list the scripts apply would run"),
        ("suspend-tasks", "suspend the pipeline's tasks (data is kept)"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("--account", required=True, help="orgname-account or account URL")
        command.add_argument("--user", required=True)
        command.add_argument("--private-key-file", required=True, type=Path)
        command.add_argument("--role", required=True)
        command.add_argument("--scripts-dir", type=Path, default=DEFAULT_SCRIPTS_DIR)
        for variable, default in defaults.as_dict().items():
            command.add_argument(f"--{variable.replace('_', '-')}", default=default)
    bootstrap = commands.add_parser(
        "bootstrap-sql", help="print the admin bootstrap for your names (run it as ACCOUNTADMIN)"
    )
    bootstrap.add_argument("--scripts-dir", type=Path, default=DEFAULT_SCRIPTS_DIR)
    for variable, default in defaults.as_dict().items():
        bootstrap.add_argument(f"--{variable.replace('_', '-')}", default=default)
    for name, value in AccountNames().as_dict().items():
        bootstrap.add_argument(f"--{name.replace('_', '-')}", default=value, type=type(value))
    return parser


def _account_names(args: argparse.Namespace) -> AccountNames:
    return AccountNames(**{name: getattr(args, name) for name in AccountNames().as_dict()})


def _variables(args: argparse.Namespace) -> SqlVariables:
    return SqlVariables.from_mapping(
        {name: getattr(args, name) for name in SqlVariables().as_dict()}
    )


def _session(args: argparse.Namespace, variables: SqlVariables) -> Any:
    key_pair = KeyPair.from_pem(
        args.user, args.private_key_file.read_bytes(), os.environ.get(PASSPHRASE_ENV)
    )
    return connect(
        account=args.account,
        key_pair=key_pair,
        role=args.role,
        warehouse=variables.warehouse,
        database=variables.database,
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "bootstrap-sql":
        try:
            print(render_bootstrap(args.scripts_dir, _variables(args), _account_names(args)))
        except (ValueError, OSError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        return 0
    try:
        variables = _variables(args)
        connection = _session(args, variables)
        try:
            if args.command == "apply":
                result = apply_migrations(connection, args.scripts_dir, variables)
                for name in result.applied:
                    print(f"applied  {name}")
                print(f"{len(result.applied)} applied, {len(result.skipped)} unchanged")
            elif args.command == "plan":
                scripts = discover(args.scripts_dir, variables)
                applied = applied_checksums(connection, variables)
                for script in plan(scripts, applied, variables=variables):
                    print(f"pending  {script.name}")
            else:
                for name in suspend_tasks(connection, variables):
                    print(f"suspended  {name}")
        finally:
            connection.close()
    except (MigrationError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
