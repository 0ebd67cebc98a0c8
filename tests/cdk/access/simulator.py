"""Runs the IAM policy evaluator (``@cloud-copilot/iam-simulate``, pinned in package-lock.json).

Why this evaluator and not moto's access control: docs/deploy.md, "How the access tests judge the
template". It runs under Node from ``node_modules`` (``npm ci``; ``make test`` does it), one
process for the whole table. It is a test-time tool: AGPL-3.0, never bundled into a Lambda asset.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stacks.requirements import REPO_ROOT

SCRIPT = Path(__file__).with_name("simulate.mjs")
PACKAGE = REPO_ROOT / "node_modules" / "@cloud-copilot" / "iam-simulate" / "package.json"


class EvaluatorMissingError(RuntimeError):
    """Node or the pinned evaluator is not installed."""


def node_executable() -> str | None:
    """The Node that ``npx`` would use: the pinned one in node_modules first, then PATH's."""
    pinned = REPO_ROOT / "node_modules" / ".bin" / "node"
    if pinned.exists():
        return str(pinned)
    return shutil.which("node")


def evaluator_problem() -> str | None:
    """Why the evaluator cannot run here, or None when it can."""
    if node_executable() is None:
        return "Node.js is not installed (the CDK CLI needs it too: docs/deploy.md, Prerequisites)"
    if not PACKAGE.exists():
        return "@cloud-copilot/iam-simulate is not installed: run `npm ci` (make test does)"
    return None


@dataclass(frozen=True)
class Verdict:
    result: str  # Allowed | ImplicitlyDenied | ExplicitlyDenied | Error
    denials: list[dict[str, Any]]
    errors: Any


def evaluate(simulations: dict[str, dict[str, Any]]) -> dict[str, Verdict]:
    """Evaluate each named simulation (iam-simulate's ``Simulation`` shape)."""
    problem = evaluator_problem()
    if problem:
        raise EvaluatorMissingError(problem)
    node = node_executable()
    assert node is not None
    payload = json.dumps([{"id": k, "simulation": v} for k, v in simulations.items()])
    completed = subprocess.run(  # fixed argv: our own script
        [node, str(SCRIPT)],
        input=payload,
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env={**os.environ, "NODE_NO_WARNINGS": "1"},
        check=False,
        timeout=300,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"iam-simulate failed: {completed.stderr[-2000:]}")
    return {
        row["id"]: Verdict(result=row["result"], denials=row["denials"], errors=row["errors"])
        for row in json.loads(completed.stdout)
    }
