"""``pos redrive rejected | firehose-errors``: send dead-letter records back after a fix.

``rejected`` calls ``SILVER.REDRIVE_REJECTED`` (snowflake/R__proc_silver_redrive_rejected.sql),
which moves the selected records out of ``SILVER.RETAIL_POS_REJECTED`` in one transaction and
hands them to ``PROCESS_RAW_POS``, the path every new record takes; then it reports where each
ended (``SILVER.RETAIL_POS_REDRIVE_OUTCOME``). Against an account the task does that work within
its trigger interval, and the command waits for it; with ``--local`` it runs the local warehouse's
tasks itself. ``--dry-run`` reads the forecast view (``SILVER.RETAIL_POS_REJECTED_REDRIVABLE``)
and changes nothing. Connection options are ``pos migrate``'s (the deploy user and role, a key
file or a Secrets Manager secret, or ``--local --workdir``).

``firehose-errors`` reads Firehose's S3 error output under a prefix and puts the records back on
the Kinesis stream (``pos/firehose_errors.py``); with ``--local`` it reads the run's error folder
and delivers through the local twin (``local/firehose/redrive.py``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer

from pos import migrate

SQL_DIR = Path(__file__).parent / "sql"
DEFAULT_WAIT_SECONDS = 180.0
POLL_SECONDS = 5.0

EPILOG = """Examples:

  pos redrive rejected --rule UNKNOWN_PRODUCT --dry-run --local --workdir .local/demo

  pos redrive rejected --rule UNKNOWN_PRODUCT --since 2026-12-01T00:00:00Z --local \\
      --workdir .local/demo

  pos redrive rejected --rule TOTAL_MISMATCH --transaction-id 7d1c... \\
      --account myorg-myaccount --user POS_DEPLOY --private-key-file deploy.p8 --role POS_DEPLOY

  pos redrive firehose-errors --prefix processing-failed/2026/12/02/ --bucket my-error-bucket \\
      --stream-name retail-pos-sales --dry-run"""

app = typer.Typer(
    help=(
        "Send dead-letter records back through the pipeline after the cause is fixed, exactly"
        " once, with an audit trail."
    ),
    epilog=EPILOG,
    no_args_is_help=True,
    add_completion=False,
)


class RedriveError(Exception):
    """A request the redrive refuses, with a message for the person who made it."""


@cache
def _sql(name: str, variables: Any) -> str:
    from lambdas.snowflake_migrations.scripts import render

    return render((SQL_DIR / f"{name}.sql").read_text(encoding="utf-8"), variables)


def _rows(connection: Any, name: str, variables: Any, params: Mapping[str, Any]) -> list[Any]:
    cursor = connection.cursor()
    cursor.execute(_sql(name, variables), dict(params))
    return list(cursor.fetchall())


def _since(value: str | None) -> str | None:
    """An ISO-8601 time with its offset, as text for ``::TIMESTAMP_TZ``; else a clear error."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not an ISO-8601 time (e.g. 2026-12-01T00:00:00Z)", param_hint="--since"
        ) from None
    if moment.tzinfo is None:
        raise typer.BadParameter(
            f"{value!r} has no UTC offset (add Z or +hh:mm)", param_hint="--since"
        )
    return moment.isoformat()


def check_rule(connection: Any, variables: Any, rule_id: str) -> None:
    known = [str(row[0]) for row in _rows(connection, "dq_rule_ids", variables, {})]
    if rule_id not in known:
        raise RedriveError(f"unknown rule id {rule_id!r}; the rule ids are: {', '.join(known)}")


def preview(connection: Any, variables: Any, selection: Mapping[str, Any]) -> list[str]:
    """The dry run's report lines: would accept / would still fail / already accepted, and the
    rules the still failing would fail."""
    verdicts: dict[str, int] = {}
    still: dict[str, int] = {}
    for kind, name, records in _rows(connection, "redrive_preview", variables, selection):
        (verdicts if kind == "VERDICT" else still)[str(name)] = int(records)
    selected = sum(verdicts.values())
    lines = [
        f"dry run: {selected} rejected records match --rule {selection['rule_id']}"
        + "".join(
            f" --{option.replace('_', '-')} {selection[option]}"
            for option in ("since", "transaction_id")
            if selection[option] is not None
        ),
        f"  would be accepted      {verdicts.get('ACCEPT', 0)}",
        f"  would still fail       {verdicts.get('STILL_FAIL', 0)}",
    ]
    if verdicts.get("DUPLICATE"):
        lines.append(f"  already accepted (copy) {verdicts['DUPLICATE']}")
    for rule_id, records in sorted(still.items()):
        lines.append(f"    still failing {rule_id}: {records}")
    lines.append(
        "  (a forecast from today's dimensions and transaction keys; the redrive itself applies"
        " every rule)"
    )
    return lines


def redrive(
    connection: Any,
    variables: Any,
    selection: Mapping[str, Any],
    run_tasks: Callable[[], Any] | None,
    wait_seconds: float,
) -> list[str]:
    """Call the procedure, let PROCESS_RAW_POS decide the records, report where they ended."""
    ((result,),) = [tuple(row)[-1:] for row in _rows(connection, "redrive_rejected", variables,
                                                      selection)]  # fmt: skip
    answer = orjson.loads(result) if isinstance(result, str | bytes) else dict(result)
    redrive_id, sent = str(answer["redrive_id"]), int(answer["records_sent"])
    lines = [f"redrive {redrive_id}: {sent} records sent back from the dead letter"]
    if run_tasks is not None:
        run_tasks()  # also completes what an interrupted earlier redrive left waiting
    if sent == 0:
        return lines
    deadline = time.monotonic() + wait_seconds
    while True:
        if run_tasks is not None:
            run_tasks()
        outcomes, still = _outcomes(connection, variables, redrive_id)
        decided = sum(records for _, _, records in outcomes)
        if decided >= sent or time.monotonic() >= deadline:
            break
        time.sleep(POLL_SECONDS)
    for outcome, run_id, records in sorted(outcomes):
        where = {"ACCEPTED": "accepted into Silver", "REJECTED": "rejected again",
                 "DUPLICATE": "copies of content already placed"}.get(outcome, outcome)  # fmt: skip
        lines.append(f"  {where:<34} {records:>6}  (run {run_id})")
    for rule_id, records in sorted(still.items()):
        lines.append(f"    still failing {rule_id}: {records}")
    if decided < sent:
        lines.append(
            f"  {sent - decided} not decided yet: PROCESS_RAW_POS_TASK will take them (see"
            f" SILVER.RETAIL_POS_REDRIVE_OUTCOME, REDRIVE_ID = '{redrive_id}')"
        )
    return lines


def _outcomes(
    connection: Any, variables: Any, redrive_id: str
) -> tuple[list[tuple[str, str, int]], dict[str, int]]:
    outcomes: list[tuple[str, str, int]] = []
    still: dict[str, int] = {}
    rows = _rows(connection, "redrive_outcomes", variables, {"redrive_id": redrive_id})
    for kind, name, run_id, records in rows:
        if kind == "OUTCOME":
            outcomes.append((str(name), str(run_id), int(records)))
        else:
            still[str(name)] = int(records)
    return outcomes, still


@contextmanager
def _session(target: migrate.Target) -> Iterator[tuple[Any, Any, Callable[[], Any] | None]]:
    """(connection as the deploy user, variables, how to run the tasks now or None)."""
    variables = migrate._sql_variables(target)
    if target.local:
        from local.warehouse import LocalWarehouse

        if not (target.workdir / "warehouse").is_dir():
            raise RedriveError(f"{target.workdir} holds no local warehouse (pos local run first)")

        with LocalWarehouse(target.workdir / "warehouse", variables) as warehouse:
            connection = warehouse.connect_as(warehouse.principals.deploy)
            try:
                yield connection, variables, warehouse.run_until_idle
            finally:
                connection.close()
        return
    with migrate._session(target, variables, Path(), deploying=False) as connection:
        yield connection, variables, None


@app.command(
    "rejected",
    epilog="Example:\n\n  pos redrive rejected --rule UNKNOWN_PRODUCT --dry-run --local"
    " --workdir .local/demo",
)
def rejected(
    rule: Annotated[str, typer.Option(help="Records that failed this rule (SILVER.DQ_RULE).")],
    since: Annotated[
        str | None, typer.Option(help="Only records rejected at or after this ISO-8601 time.")
    ] = None,
    transaction_id: Annotated[str | None, typer.Option(help="Only this transaction.")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would happen; change nothing.")
    ] = False,
    wait: Annotated[
        float, typer.Option(help="Seconds to wait for the task to decide the records.")
    ] = DEFAULT_WAIT_SECONDS,
    account: migrate.Account = None,
    user: migrate.User = None,
    private_key_file: migrate.KeyFile = None,
    secret_arn: migrate.SecretArn = None,
    region: migrate.Region = None,
    role: migrate.Role = None,
    local: migrate.Local = False,
    workdir: migrate.Workdir = migrate.DEFAULT_WORKDIR,
    database: migrate.Database = "POS_DB",
    var: migrate.Variables = None,
) -> None:
    """Re-evaluate the rejected records that failed RULE against today's rules and dimensions:
    those that pass enter Silver (inventory and Gold follow), the others stay with today's
    reasons. Running it again sends nothing twice."""
    import snowflake.connector

    target = migrate.Target(
        account, user, private_key_file, secret_arn, region, role, local, workdir, None,
        database, var,
    )  # fmt: skip
    rule_id = rule.strip().upper()
    selection = {"rule_id": rule_id, "since": _since(since), "transaction_id": transaction_id}
    try:
        with _session(target) as (connection, variables, run_tasks):
            check_rule(connection, variables, rule_id)
            if dry_run:
                lines = preview(connection, variables, selection)
            else:
                lines = redrive(connection, variables, selection, run_tasks, wait)
    except typer.BadParameter:
        raise
    except (RedriveError, ValueError, OSError, snowflake.connector.errors.Error) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    except Exception as error:  # e.g. the local warehouse held by a running pipeline
        typer.echo(f"error: {type(error).__name__}: {error}", err=True)
        raise typer.Exit(1) from None
    for line in lines:
        typer.echo(line)


@app.command(
    "firehose-errors",
    epilog="Example:\n\n  pos redrive firehose-errors --prefix processing-failed/2026/12/02/"
    " --local --workdir .local/demo",
)
def firehose_errors(
    prefix: Annotated[
        str, typer.Option(help="processing-failed/YYYY/MM/DD/ or snowflake-failed/YYYY/MM/DD/.")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would be sent; send nothing.")
    ] = False,
    bucket: Annotated[str | None, typer.Option(help="The S3 error output bucket.")] = None,
    stream_name: Annotated[
        str | None, typer.Option(help="The Kinesis stream the records go back to.")
    ] = None,
    region: migrate.Region = None,
    endpoint_url: Annotated[
        str | None, typer.Option(help="Another S3/Kinesis endpoint (moto, for tests).")
    ] = None,
    manifest: Annotated[
        Path | None,
        typer.Option(help="Records already sent (default: under --workdir, or .pos-redrive/)."),
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1, max=500, help="Records per put.")] = 500,
    local: migrate.Local = False,
    workdir: migrate.Workdir = migrate.DEFAULT_WORKDIR,
) -> None:
    """Put the records of Firehose's error output under PREFIX back on the Kinesis stream, as
    the POS sent them; a manifest makes an interrupted redrive resume without resending."""
    from pos import firehose_errors as errors

    try:
        errors.kind_of(prefix)
    except ValueError as problem:
        raise typer.BadParameter(str(problem), param_hint="--prefix") from None
    slug = prefix.strip("/").replace("/", "_")
    try:
        if local:
            path = manifest or workdir / "firehose" / "redrive-manifests" / f"{slug}.jsonl"
            report = _local_firehose_redrive(workdir, prefix, errors.Manifest(path), dry_run,
                                             batch_size)  # fmt: skip
        else:
            if not bucket or not stream_name:
                raise typer.BadParameter(
                    "give --bucket and --stream-name (or --local)", param_hint="--bucket"
                )
            import boto3

            path = manifest or Path(".pos-redrive") / bucket / f"{slug}.jsonl"
            s3 = boto3.client("s3", region_name=region, endpoint_url=endpoint_url)
            kinesis = boto3.client("kinesis", region_name=region, endpoint_url=endpoint_url)
            from local.firehose.redrive import put_on_kinesis

            send = None if dry_run else put_on_kinesis(kinesis, stream_name)
            report = errors.redrive(errors.S3Objects(s3, bucket), prefix, errors.Manifest(path),
                                    send, batch_size)  # fmt: skip
    except typer.BadParameter:
        raise
    except RedriveError as problem:
        typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(1) from None
    except Exception as problem:  # boto3, the connector, files: one line, never a traceback
        typer.echo(f"error: {type(problem).__name__}: {problem}", err=True)
        raise typer.Exit(1) from None
    for line in report.lines(dry_run):
        typer.echo(line)
    typer.echo(f"manifest: {path}")
    if report.malformed:
        raise typer.Exit(1)


def _local_firehose_redrive(
    workdir: Path, prefix: str, manifest: Any, dry_run: bool, batch_size: int
) -> Any:
    from lambdas.transform.handler import lambda_handler
    from local.firehose.redrive import error_root, through_local_firehose
    from local.pipeline.lock import WorkdirLock
    from local.warehouse import LocalWarehouse
    from pos import firehose_errors as errors

    if not (workdir / "warehouse").is_dir():
        raise RedriveError(f"{workdir} holds no local warehouse (pos local run first)")
    objects = errors.FolderObjects(error_root(workdir))
    if dry_run:
        return errors.redrive(objects, prefix, manifest, None, batch_size)
    lock = WorkdirLock(workdir).acquire()
    try:
        with (
            LocalWarehouse(workdir / "warehouse") as warehouse,
            through_local_firehose(workdir, warehouse, lambda_handler) as send,
        ):
            report = errors.redrive(objects, prefix, manifest, send, batch_size)
            warehouse.run_until_idle()
            return report
    finally:
        lock.release()


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="redrive")
