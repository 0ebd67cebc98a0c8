"""The dashboards package deploys to Streamlit in Snowflake too: it imports nothing from the local
runtime (``local/``), directly or through another module."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

DASHBOARDS = Path(__file__).resolve().parents[2] / "dashboards"
# Modules that are libraries (the pages in views/ are scripts that run queries when imported).
LIBRARY_MODULES = ["dashboards", "dashboards.settings", "dashboards.ui", "dashboards.warehouse"]

BLOCK_LOCAL = """
import importlib, sys
class RefuseLocal:
    def find_spec(self, name, path=None, target=None):
        if name == "local" or name.startswith("local."):
            raise ImportError(f"dashboards imported {name}")
        return None
sys.meta_path.insert(0, RefuseLocal())
for module in sys.argv[1:]:
    importlib.import_module(module)
loaded = sorted(m for m in sys.modules if m == "local" or m.startswith("local."))
print("imported", len(sys.argv) - 1, "modules;", loaded)
"""


def imported_top_level_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_no_dashboards_file_imports_local() -> None:
    files = sorted(DASHBOARDS.rglob("*.py"))
    assert len(files) >= 7  # the package modules and the three pages
    offenders = [str(path) for path in files if "local" in imported_top_level_names(path)]
    assert offenders == []


def test_dashboards_modules_import_with_the_local_runtime_unimportable() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", BLOCK_LOCAL, *LIBRARY_MODULES],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr.decode()[-2000:]
    assert completed.stdout.decode().strip().endswith("modules; []")
