"""The run's parameters and restart counter in ``<workdir>/run.json``, replaced atomically.

A restarted run must continue the same run: same seed, same base time, same source. Restarting
with different parameters is refused instead of mixing two runs in one warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from local.firehose.error_output import write_atomically


class RunConflictError(RuntimeError):
    """The workdir holds a different run."""


@dataclass
class RunState:
    params: dict[str, Any]
    incarnations: int = 0
    source_exhausted: bool = False
    finished: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load_or_create(cls, path: Path, params: dict[str, Any]) -> RunState:
        if not path.exists():
            state = cls(params=params)
            state.save(path)
            return state
        data = orjson.loads(path.read_bytes())
        stored = data["params"]
        # An unset base time means "whatever the run started with".
        wanted = {key: value for key, value in params.items() if value is not None}
        differing = sorted(key for key, value in wanted.items() if stored.get(key) != value)
        if differing:
            raise RunConflictError(
                f"{path.parent} holds a run with different {', '.join(differing)};"
                " use --fresh to start over or another --workdir"
            )
        return cls(
            params=stored,
            incarnations=data["incarnations"],
            source_exhausted=data["source_exhausted"],
            finished=data["finished"],
            extra=data.get("extra", {}),
        )

    @classmethod
    def load(cls, path: Path) -> RunState:
        """The run a workdir holds, whatever its parameters."""
        if not path.exists():
            raise FileNotFoundError(f"{path.parent} holds no run ({path.name} is missing)")
        return cls.load_or_create(path, {})

    def save(self, path: Path) -> None:
        content = {
            "params": self.params,
            "incarnations": self.incarnations,
            "source_exhausted": self.source_exhausted,
            "finished": self.finished,
            "extra": self.extra,
        }
        write_atomically(path, orjson.dumps(content, option=orjson.OPT_INDENT_2))
