"""Durable per-shard read positions of the Firehose worker.

One small JSON file per shard, replaced atomically, written only AFTER the batch it covers is
durably in Bronze or the error output. A restart resumes after the saved sequence number, so a
crash between delivery and checkpoint redelivers that batch: at-least-once, as Firehose is.
"""

from __future__ import annotations

import re
from pathlib import Path

import orjson

from local.firehose.error_output import write_atomically

_SAFE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")


class CheckpointStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, shard_id: str) -> Path:
        if not _SAFE_NAME.fullmatch(shard_id):
            raise ValueError(f"unexpected shard id {shard_id!r}")
        return self.directory / f"{shard_id}.json"

    def load(self, shard_id: str) -> str | None:
        path = self._path(shard_id)
        if not path.exists():
            return None
        sequence = orjson.loads(path.read_bytes())["sequenceNumber"]
        return str(sequence)

    def save(self, shard_id: str, sequence_number: str) -> None:
        content = orjson.dumps({"shardId": shard_id, "sequenceNumber": sequence_number})
        write_atomically(self._path(shard_id), content)

    def load_all(self) -> dict[str, str]:
        if not self.directory.exists():
            return {}
        positions = {}
        for path in self.directory.glob("*.json"):
            data = orjson.loads(path.read_bytes())
            positions[str(data["shardId"])] = str(data["sequenceNumber"])
        return positions
