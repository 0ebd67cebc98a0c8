"""Durable per-shard read positions of the Firehose worker.

All of a stream's shard positions live in one small JSON file, ``positions.json``, replaced
atomically (temporary file, fsync, rename, directory fsync) once per delivered batch, and only
AFTER the batch it covers is durably in Bronze or the error output: one fsync pair per batch
instead of one per shard. A restart resumes after the saved sequence number, so a crash between
delivery and checkpoint redelivers that batch: at-least-once, as Firehose is.

Positions only move forward. ``load_all`` also reads the older one-file-per-shard layout
(``<shard>.json``) a workdir may still hold, taking the higher position where both exist.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import orjson

from local.firehose.error_output import write_atomically

_SAFE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
POSITIONS_FILE = "positions.json"


class CheckpointStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._positions: dict[str, str] | None = None

    def load(self, shard_id: str) -> str | None:
        return self.load_all().get(_checked(shard_id))

    def save(self, shard_id: str, sequence_number: str) -> None:
        self.save_all({shard_id: sequence_number})

    def save_all(self, positions: Mapping[str, str]) -> None:
        """Moves the given shards forward and writes every shard's position in one replace."""
        current = dict(self._positions if self._positions is not None else self.load_all())
        for shard_id, sequence_number in positions.items():
            previous = current.get(_checked(shard_id))
            if previous is None or int(sequence_number) > int(previous):
                current[shard_id] = sequence_number
        write_atomically(self.directory / POSITIONS_FILE, orjson.dumps({"shards": current}))
        self._positions = current

    def load_all(self) -> dict[str, str]:
        if not self.directory.exists():
            return {}
        positions: dict[str, str] = {}
        for path in self.directory.glob("*.json"):
            data = orjson.loads(path.read_bytes())
            if path.name == POSITIONS_FILE:
                found = {str(shard): str(sequence) for shard, sequence in data["shards"].items()}
            else:  # the one-file-per-shard layout
                found = {str(data["shardId"]): str(data["sequenceNumber"])}
            for shard_id, sequence_number in found.items():
                previous = positions.get(shard_id)
                if previous is None or int(sequence_number) > int(previous):
                    positions[shard_id] = sequence_number
        return positions


def _checked(shard_id: str) -> str:
    if not _SAFE_NAME.fullmatch(shard_id):
        raise ValueError(f"unexpected shard id {shard_id!r}")
    return shard_id
