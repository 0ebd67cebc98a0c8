"""Names of Snowflake objects as the runner stores them: ``DATABASE.SCHEMA.NAME``, upper-cased.

Every name that reaches SQL text is validated as a plain identifier here, so registry entries
can be rendered into the runner's statements safely.
"""

from __future__ import annotations

from dataclasses import dataclass

from lambdas.snowflake_migrations.scripts import validate_identifier


class ObjectNameError(ValueError):
    """A name cannot be resolved (no current database/schema) or is not a plain identifier."""


@dataclass(frozen=True, order=True)
class ObjectName:
    database: str
    schema: str
    name: str

    def __str__(self) -> str:
        return f"{self.database}.{self.schema}.{self.name}"

    @classmethod
    def parse(cls, text: str, database: str | None, schema: str | None) -> ObjectName:
        """Resolve ``name``, ``schema.name`` or ``db.schema.name`` against the session's context."""
        parts = [_normalise(part) for part in text.strip().split(".")]
        if len(parts) > 3 or not all(parts):
            raise ObjectNameError(f"invalid object name {text!r}")
        if len(parts) < 3 and not database:
            raise ObjectNameError(f"{text}: no current database; qualify the name")
        if len(parts) < 2 and not schema:
            raise ObjectNameError(f"{text}: no current schema; qualify the name")
        full = [database or "", schema or ""][: 3 - len(parts)] + parts
        for part in full:
            validate_identifier("object name", part)
        return cls(full[0].upper(), full[1].upper(), full[2])


def _normalise(part: str) -> str:
    # Unquoted identifiers are case-insensitive (stored upper-case); quoted ones keep their case.
    part = part.strip()
    if len(part) >= 2 and part[0] == part[-1] == '"':
        return part[1:-1]
    return part.upper()
