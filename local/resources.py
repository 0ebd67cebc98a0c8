"""Where the project's packaged resources are, whatever the current directory.

Every path here is derived from a package's own file (``Path(__file__)``), never from the current
directory, so ``pos`` works from any folder. A missing resource is a ``MissingResourceError`` that
names the exact path looked for (an installed copy without the repository's ``snowflake/`` folder,
say), instead of a command that quietly finds nothing.

Deployed Lambda code does not import this module (it may not import ``local/``): the migrations
handler keeps its own ``PACKAGED_SCRIPTS_DIR``, which ``snowflake_scripts`` reuses.
"""

from __future__ import annotations

from pathlib import Path

import dashboards
from lambdas.snowflake_migrations.scripts import PACKAGED_SCRIPTS_DIR

DASHBOARDS_DIR = Path(dashboards.__file__).resolve().parent


class MissingResourceError(FileNotFoundError):
    """A packaged file or folder is not where the package says it is."""

    def __init__(self, what: str, path: Path) -> None:
        super().__init__(f"{what} not found: looked for {path}")
        self.path = path


def _existing(what: str, path: Path, *, folder: bool) -> Path:
    if (folder and not path.is_dir()) or (not folder and not path.is_file()):
        raise MissingResourceError(what, path)
    return path


def snowflake_scripts() -> Path:
    """The ``snowflake/`` folder of migration scripts (holding at least one ``.sql`` file)."""
    folder = _existing("the Snowflake migration scripts folder", PACKAGED_SCRIPTS_DIR, folder=True)
    if not any(folder.glob("*.sql")):
        raise MissingResourceError("a .sql migration script", folder / "*.sql")
    return folder


def dashboards_app() -> Path:
    """The Streamlit entry point of the dashboards (``dashboards/app.py``)."""
    return _existing("the dashboards' Streamlit app", DASHBOARDS_DIR / "app.py", folder=False)


def dashboards_queries() -> Path:
    """The dashboards' query files (``dashboards/queries/``)."""
    return _existing("the dashboards' query folder", DASHBOARDS_DIR / "queries", folder=True)
