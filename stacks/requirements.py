"""The pinned requirements a Lambda bundle installs, taken from the project's pyproject.toml.

pyproject.toml is the one place versions live. A function names the distributions it needs; the
version (and, unless overridden, the extras) come from ``[project].dependencies``, so the tests,
the local mode and the deployed functions run the same code. A dependency that is not pinned with
``==`` is refused: a bundle must rebuild identically.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO_ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = REPO_ROOT / "pyproject.toml"


class UnpinnedRequirementError(ValueError):
    """A bundled dependency is missing from pyproject.toml or not pinned exactly."""


def project_pins(pyproject: Path = PYPROJECT) -> dict[str, Requirement]:
    """``[project].dependencies`` keyed by canonical distribution name."""
    with pyproject.open("rb") as handle:
        dependencies = tomllib.load(handle)["project"]["dependencies"]
    return {canonicalize_name(r.name): r for r in map(Requirement, dependencies)}


def bundle_requirements(
    wanted: Mapping[str, frozenset[str] | None], pyproject: Path = PYPROJECT
) -> list[str]:
    """``name[extras]==version`` lines for ``wanted`` (name -> extras, None = as pinned)."""
    pins = project_pins(pyproject)
    lines: list[str] = []
    for name, extras_override in sorted(wanted.items()):
        requirement = pins.get(canonicalize_name(name))
        if requirement is None:
            raise UnpinnedRequirementError(f"{name} is not a [project] dependency in {pyproject}")
        specifiers = list(requirement.specifier)
        if len(specifiers) != 1 or specifiers[0].operator != "==":
            raise UnpinnedRequirementError(f"{requirement} must be pinned with == to be bundled")
        extras = requirement.extras if extras_override is None else extras_override
        extras_part = f"[{','.join(sorted(extras))}]" if extras else ""
        lines.append(f"{requirement.name}{extras_part}=={specifiers[0].version}")
    return lines


# What a Lambda that logs in to Snowflake with a key pair needs (the migrations and the monitor).
# The connector's [pandas] extra would add ~150 MB these functions never use.
SNOWFLAKE_CLIENT_PACKAGES: Mapping[str, frozenset[str] | None] = {
    "snowflake-connector-python": frozenset(),
    "jinja2": None,
    "aws-lambda-powertools": frozenset(),
}
