"""The registry of emulated objects: streams (with their offsets), tasks and procedures.

Definitions persist in each database's ``_LOCAL`` schema (so they survive restarts and a stream's
offset commits with the transaction that consumed it) and are cached in memory for lookups.
Tasks and procedures are stored as their original CREATE statement and parsed again on load.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from local.warehouse import internal_sql
from local.warehouse.objects import ObjectName


class DefinitionKind(StrEnum):
    TASK = "TASK"
    PROCEDURE = "PROCEDURE"


@dataclass(frozen=True)
class StreamDefinition:
    name: ObjectName
    source: ObjectName
    append_only: bool


@dataclass(frozen=True)
class StoredDefinition:
    """A task or procedure as created: its CREATE text and the session context it was made in."""

    kind: DefinitionKind
    name: ObjectName
    database: str
    schema: str
    definition: str
    state: str | None


class Registry:
    """In-memory view of every database's ``_LOCAL`` registry; writes go through the caller's
    DuckDB cursor so they join the caller's transaction."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._prepared: set[str] = set()
        self._streams: dict[ObjectName, StreamDefinition] = {}
        self._definitions: dict[tuple[DefinitionKind, ObjectName], StoredDefinition] = {}
        # Bumped whenever the set of streams changes: rewritten statements cached under an older
        # value may read a table that is now a stream (or a stream that is gone).
        self.stream_generation = 0

    def prepare(self, duck: Any, database: str) -> None:
        """Create the registry tables of ``database`` if needed and load what they hold."""
        with self._lock:
            if database in self._prepared:
                return
            for statement in internal_sql.statements("registry_create", database=database):
                duck.execute(statement)
            for stream_name, source, append_only in duck.execute(
                internal_sql.render("stream_list", database=database)
            ).fetchall():
                stream = StreamDefinition(_name(stream_name), _name(source), bool(append_only))
                self._streams[stream.name] = stream
            for kind, name, db, schema, definition, state in duck.execute(
                internal_sql.render("definition_list", database=database)
            ).fetchall():
                stored = StoredDefinition(
                    DefinitionKind(kind), _name(name), db, schema, definition, state
                )
                self._definitions[(stored.kind, stored.name)] = stored
            self._prepared.add(database)

    # Streams -------------------------------------------------------------------------------
    def stream(self, name: ObjectName) -> StreamDefinition | None:
        with self._lock:
            return self._streams.get(name)

    def streams(self) -> list[StreamDefinition]:
        with self._lock:
            return sorted(self._streams.values(), key=lambda s: s.name)

    def save_stream(self, duck: Any, stream: StreamDefinition, offset: int) -> None:
        database = stream.name.database
        self.prepare(duck, database)
        duck.execute(
            internal_sql.render("stream_save", database=database),
            [str(stream.name), str(stream.source), stream.append_only, offset],
        )
        with self._lock:
            self._streams[stream.name] = stream
            self.stream_generation += 1

    def drop_stream(self, duck: Any, name: ObjectName) -> None:
        self.prepare(duck, name.database)
        duck.execute(internal_sql.render("stream_drop", database=name.database), [str(name)])
        with self._lock:
            self._streams.pop(name, None)
            self.stream_generation += 1

    # Tasks and procedures -------------------------------------------------------------------
    def definition(self, kind: DefinitionKind, name: ObjectName) -> StoredDefinition | None:
        with self._lock:
            return self._definitions.get((kind, name))

    def definitions(self, kind: DefinitionKind) -> list[StoredDefinition]:
        with self._lock:
            return sorted(
                (d for (k, _), d in self._definitions.items() if k is kind), key=lambda d: d.name
            )

    def save_definition(self, duck: Any, stored: StoredDefinition) -> None:
        database = stored.name.database
        self.prepare(duck, database)
        duck.execute(
            internal_sql.render("definition_save", database=database),
            [
                stored.kind.value,
                str(stored.name),
                stored.database,
                stored.schema,
                stored.definition,
                stored.state,
            ],
        )
        with self._lock:
            self._definitions[(stored.kind, stored.name)] = stored

    def drop_definition(self, duck: Any, kind: DefinitionKind, name: ObjectName) -> None:
        self.prepare(duck, name.database)
        duck.execute(
            internal_sql.render("definition_drop", database=name.database), [kind.value, str(name)]
        )
        with self._lock:
            self._definitions.pop((kind, name), None)

    def set_state(self, duck: Any, kind: DefinitionKind, name: ObjectName, state: str) -> None:
        duck.execute(
            internal_sql.render("definition_set_state", database=name.database),
            [state, kind.value, str(name)],
        )
        with self._lock:
            current = self._definitions[(kind, name)]
            self._definitions[(kind, name)] = StoredDefinition(
                current.kind,
                current.name,
                current.database,
                current.schema,
                current.definition,
                state,
            )


def _name(qualified: str) -> ObjectName:
    database, schema, name = qualified.split(".")
    return ObjectName(database, schema, name)
