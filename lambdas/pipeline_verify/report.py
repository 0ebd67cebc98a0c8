"""One verification result per row: what was checked, what was found, and when it fails, what was
expected and the likely fix. Rendered as a plain-text table (the CLI prints it, the canary Lambda
logs it)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Check:
    area: str  # aws, snowflake, canary
    name: str
    ok: bool
    found: str
    expected: str = ""
    fix: str = ""
    # Informational rows (figures, earlier canary runs) never fail a verification.
    info: bool = False


def passed(area: str, name: str, found: str) -> Check:
    return Check(area, name, True, found)


def failed(area: str, name: str, expected: str, found: str, fix: str) -> Check:
    return Check(area, name, False, found, expected, fix)


def info(area: str, name: str, found: str) -> Check:
    return Check(area, name, True, found, info=True)


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)

    def extend(self, checks: Iterable[Check]) -> None:
        self.checks.extend(checks)

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [check for check in self.checks if not check.ok]

    def render(self) -> str:
        """A table (area, check, result, found); each failure adds its expected and fix lines."""
        width = max([len(check.name) for check in self.checks] + [5])
        lines = [f"{'area':<9}  {'check':<{width}}  {'result':<6}  found", "-" * (width + 40)]
        for check in self.checks:
            mark = "info" if check.info else ("OK" if check.ok else "FAIL")
            lines.append(f"{check.area:<9}  {check.name:<{width}}  {mark:<6}  {check.found}")
            if not check.ok:
                pad = " " * (width + 21)
                lines.append(f"{pad}expected: {check.expected}")
                lines.append(f"{pad}fix: {check.fix}")
        failures = len(self.failures)
        verdict = "verified" if failures == 0 else f"NOT verified: {failures} check(s) failed"
        lines.append(f"Result: {verdict}")
        return "\n".join(lines)
