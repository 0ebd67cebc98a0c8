"""SQL mutation operators over the procedures in ``snowflake/``, found by pattern (no line numbers),
so the harness keeps working as the procedures change.

Only the ``$$`` body of each ``R__proc_*.sql`` script is mutated, and never inside a string literal
or a comment (the text is masked first). Operators:

- ``overwrite``: ``tgt.A + src.B`` (or ``-``) becomes ``src.B``: a MERGE that overwrites instead of
  accumulating;
- ``increment-dropped``: the same becomes ``tgt.A``: the new rows' amount is ignored;
- ``greatest-one-side``: ``GREATEST(x, y)`` becomes ``y``: the latest value overwrites the max;
- ``qualify-dropped``: a ``QUALIFY ...`` clause removed (the dedupe before a MERGE);
- ``rule-flipped``: in a rule statement (one whose SELECTs name ``... AS RULE_ID``), an ordering
  comparison negated (``<`` to ``>=``, ``<>`` to ``=``, ...);
- ``rule-boundary``: the same comparison moved by one (``<`` to ``<=``, ``>`` to ``>=``, ...);
- ``rule-dropped``: one ``UNION ALL`` branch of a rule statement removed (a rule never applied).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PROCEDURE_GLOB = "R__proc_*.sql"


@dataclass(frozen=True)
class Mutant:
    script: str
    operator: str
    line: int
    start: int
    end: int
    replacement: str
    original: str

    @property
    def name(self) -> str:
        return f"{self.script}:{self.line}:{self.operator}"

    def describe(self) -> str:
        before = " ".join(self.original.split())
        after = " ".join(self.replacement.split()) or "(removed)"
        if len(before) > 90:
            before = before[:87] + "..."
        return f"{before}  ->  {after}"

    def apply(self, text: str) -> str:
        return text[: self.start] + self.replacement + text[self.end :]


def masked(text: str) -> str:
    """The text with string literals and comments blanked (same length, newlines kept)."""
    out = list(text)
    index = 0
    while index < len(text):
        if text.startswith("--", index):
            end = text.find("\n", index)
            end = len(text) if end == -1 else end
        elif text[index] == "'":
            end = index + 1
            while end < len(text):
                if text[end] == "'" and text[end + 1 : end + 2] == "'":
                    end += 2
                    continue
                if text[end] == "'":
                    end += 1
                    break
                end += 1
        else:
            index += 1
            continue
        for position in range(index, end):
            if out[position] != "\n":
                out[position] = " "
        index = end
    return "".join(out)


def _body(text: str) -> tuple[int, int]:
    start = text.index("$$") + 2
    return start, text.index("$$", start)


def _statements(hidden: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    position = start
    for match in re.finditer(";", hidden[start:end]):
        yield position, start + match.start()
        position = start + match.end()


def _closing(hidden: str, open_paren: int) -> int:
    depth = 0
    for index in range(open_paren, len(hidden)):
        depth += {"(": 1, ")": -1}.get(hidden[index], 0)
        if depth == 0:
            return index
    raise ValueError("unbalanced parentheses")


def _top_level_commas(hidden: str, start: int, end: int) -> list[int]:
    depth, commas = 0, []
    for index in range(start, end):
        character = hidden[index]
        depth += {"(": 1, ")": -1}.get(character, 0)
        if character == "," and depth == 0:
            commas.append(index)
    return commas


ACCUMULATION = re.compile(r"\btgt\.(\w+)\s*([+-])\s*src\.(\w+)", re.IGNORECASE)
COMPARISON = re.compile(r"(?<![<>=!|-])(<=|>=|<>|<|>)(?![=>])")
NEGATED = {"<": ">=", ">=": "<", ">": "<=", "<=": ">", "<>": "="}
BOUNDARY = {"<": "<=", "<=": "<", ">": ">=", ">=": ">"}
UNION_ALL = re.compile(r"\bUNION\s+ALL\b", re.IGNORECASE)
RULE_ID = re.compile(r"\bAS\s+RULE_ID\b", re.IGNORECASE)
QUALIFY = re.compile(r"\bQUALIFY\b", re.IGNORECASE)
GREATEST = re.compile(r"\bGREATEST\s*\(", re.IGNORECASE)


def mutants_of(script: str, text: str) -> list[Mutant]:
    hidden = masked(text)
    body_start, body_end = _body(text)
    found: list[Mutant] = []

    def add(operator: str, start: int, end: int, replacement: str) -> None:
        line = text.count("\n", 0, start) + 1
        found.append(Mutant(script, operator, line, start, end, replacement, text[start:end]))

    body = hidden[body_start:body_end]
    for match in ACCUMULATION.finditer(body):
        start, end = body_start + match.start(), body_start + match.end()
        add("overwrite", start, end, f"src.{match[3]}")
        add("increment-dropped", start, end, f"tgt.{match[1]}")
    for match in GREATEST.finditer(body):
        open_paren = body_start + match.end() - 1
        close = _closing(hidden, open_paren)
        commas = _top_level_commas(hidden, open_paren + 1, close)
        if len(commas) == 1:
            second = text[commas[0] + 1 : close].strip()
            add("greatest-one-side", body_start + match.start(), close + 1, second)
    for match in QUALIFY.finditer(body):
        start = body_start + match.start()
        end = hidden.index("\n", start)
        add("qualify-dropped", start, end, "")
    for statement_start, statement_end in _statements(hidden, body_start, body_end):
        statement = hidden[statement_start:statement_end]
        if not RULE_ID.search(statement):
            continue
        for match in COMPARISON.finditer(statement):
            start, end = statement_start + match.start(), statement_start + match.end()
            add("rule-flipped", start, end, NEGATED[match[1]])
            if match[1] in BOUNDARY:
                add("rule-boundary", start, end, BOUNDARY[match[1]])
        unions = [statement_start + match.start() for match in UNION_ALL.finditer(statement)]
        if not unions:
            continue
        # Branch k runs from its SELECT to the next UNION ALL; drop it with the UNION ALL that
        # joins it to the one before (or after, for the first branch).
        first_select = statement_start + re.search(r"\bSELECT\b", statement).start()  # type: ignore[union-attr]
        edges = [first_select, *unions, statement_end]
        for index in range(len(edges) - 1):
            if index == 0:
                start, end = first_select, edges[1] + len("UNION ALL")
            else:
                start, end = edges[index], edges[index + 1]
            add("rule-dropped", start, end, "")
    return found


def all_mutants(scripts_dir: Path) -> list[Mutant]:
    mutants: list[Mutant] = []
    for path in sorted(scripts_dir.glob(PROCEDURE_GLOB)):
        mutants.extend(mutants_of(path.name, path.read_text(encoding="utf-8")))
    return mutants
