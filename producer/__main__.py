"""``python -m producer ...``: an alias of ``pos produce ...``."""

import typer

from pos.produce import produce

typer.run(produce)
