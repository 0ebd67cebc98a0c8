"""The root of the ``pos`` command: registers each command group's module.

Adding a group is a new module in ``pos/`` with a ``register(app)`` function, plus one line in
``COMMAND_GROUPS`` below.
"""

from __future__ import annotations

from typing import Any

import typer

from pos import invoke, local_commands, migrate, produce, redrive, verify

EPILOG = """Examples:

  pos local run --events 3000 --bad-rate 0.1 --duplicate-rate 0.05

  pos local dashboards

  pos produce --stream-name retail-pos-sales --events 1000 --rate 100

  pos migrate status --local --workdir .local/demo

  pos invoke-transform events/firehose_kinesis_mixed_bad.json --decode

  pos verify --local

Every command has its own --help with an example."""

app = typer.Typer(
    name="pos",
    help=(
        "Retail POS pipeline: run it locally end to end, send sales to Kinesis, apply the "
        "Snowflake migrations, invoke the transform on an event file."
    ),
    epilog=EPILOG,
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# One module per command group, in the order `pos --help` lists them.
COMMAND_GROUPS = (
    local_commands,
    produce,
    migrate,
    verify,
    redrive,
    invoke,
)
for group in COMMAND_GROUPS:
    group.register(app)


def main(**kwargs: Any) -> None:
    """The console script's entry point."""
    app(**kwargs)
