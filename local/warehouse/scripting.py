"""Parse the Snowflake Scripting subset that procedures in ``snowflake/`` are written in.

Supported (and nothing else; anything else is an :class:`UnsupportedConstructError` at CREATE
time, so a deploy fails loudly instead of a run misbehaving later)::

    [DECLARE
        name TYPE [DEFAULT expr | := expr];
        ...]
    BEGIN
        BEGIN TRANSACTION; COMMIT; ROLLBACK;
        name := expr;
        LET name [TYPE] { := | DEFAULT } expr;
        RETURN [expr];
        RAISE;                          -- in the handler: re-raise the caught error
        <any SQL statement>;            -- variables referenced as :name
    [EXCEPTION
        WHEN OTHER THEN
            <statements as above>]
    END;
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from sqlglot import TokenType

from local.warehouse.sql_text import Piece, replace_binds, split_statements, strip_leading_words

# Statements that start with these words are control flow or objects outside the subset.
UNSUPPORTED_LEADING_WORDS = {
    "IF", "FOR", "WHILE", "REPEAT", "LOOP", "CASE", "OPEN", "FETCH", "CLOSE", "BREAK",
    "CONTINUE", "EXIT", "EXECUTE", "DECLARE", "AWAIT", "CANCEL", "BEGIN", "NULL",
}  # fmt: skip
UNSUPPORTED_TYPES = {"CURSOR", "RESULTSET", "EXCEPTION"}
# Readable in an exception handler (bare or as :name).
ERROR_VARIABLES = ("SQLERRM", "SQLCODE", "SQLSTATE")


class UnsupportedConstructError(ValueError):
    """The procedure body uses Snowflake Scripting outside the subset the runner interprets."""


@dataclass(frozen=True)
class Declaration:
    name: str
    type: str | None
    default: str | None


@dataclass(frozen=True)
class BeginTransaction:
    pass


@dataclass(frozen=True)
class Commit:
    pass


@dataclass(frozen=True)
class Rollback:
    pass


@dataclass(frozen=True)
class Assign:
    name: str
    type: str | None
    expression: str
    declares: bool  # LET: declares the variable here


@dataclass(frozen=True)
class Return:
    expression: str | None


@dataclass(frozen=True)
class Raise:
    pass


@dataclass(frozen=True)
class Sql:
    text: str


Statement: TypeAlias = BeginTransaction | Commit | Rollback | Assign | Return | Raise | Sql


@dataclass(frozen=True)
class ScriptBlock:
    declarations: tuple[Declaration, ...]
    body: tuple[Statement, ...]
    handler: tuple[Statement, ...] | None

    def variable_names(self) -> set[str]:
        names = {d.name for d in self.declarations}
        for statement in (*self.body, *(self.handler or ())):
            if isinstance(statement, Assign):
                names.add(statement.name)
        return names


def parse_block(body: str) -> ScriptBlock:
    pieces = split_statements(body)
    if not pieces:
        raise UnsupportedConstructError("empty procedure body")
    index = 0
    declarations: list[Declaration] = []
    if pieces[0].words(1) == ["DECLARE"]:
        pieces[0] = strip_leading_words(pieces[0], 1)
        while index < len(pieces) and pieces[index].words(1) != ["BEGIN"]:
            declarations.append(_declaration(pieces[index]))
            index += 1
    if index >= len(pieces) or pieces[index].words(1) != ["BEGIN"]:
        raise UnsupportedConstructError("the body must be one BEGIN ... END block")
    pieces[index] = strip_leading_words(pieces[index], 1)

    body_statements: list[Statement] = []
    handler: list[Statement] | None = None
    current = body_statements
    while index < len(pieces):
        piece = pieces[index]
        index += 1
        if piece.words(2) == ["END"] or (not piece.text and index == len(pieces)):
            if index != len(pieces):
                raise UnsupportedConstructError("statements after the block's END")
            return ScriptBlock(
                tuple(declarations),
                tuple(body_statements),
                None if handler is None else tuple(handler),
            )
        if piece.words(1) == ["EXCEPTION"]:
            if handler is not None:
                raise UnsupportedConstructError("a block has one EXCEPTION section")
            if piece.words(4) != ["EXCEPTION", "WHEN", "OTHER", "THEN"]:
                raise UnsupportedConstructError(
                    "only EXCEPTION WHEN OTHER THEN is supported (no named exceptions)"
                )
            handler = []
            current = handler
            piece = strip_leading_words(piece, 4)
        current.append(_statement(piece))
    raise UnsupportedConstructError("the block has no END")


def _declaration(piece: Piece) -> Declaration:
    tokens = piece.tokens
    if not tokens:
        raise UnsupportedConstructError("empty declaration")
    name = tokens[0].text.upper()
    type_text, value = _type_and_value(piece, 1, allow_default=True)
    if type_text and type_text.split("(")[0].strip().upper() in UNSUPPORTED_TYPES:
        raise UnsupportedConstructError(f"declaration of {name}: {type_text} is not supported")
    return Declaration(name, type_text, value)


def _type_and_value(piece: Piece, start: int, allow_default: bool) -> tuple[str | None, str | None]:
    """Split ``[TYPE] [DEFAULT expr | := expr]`` starting at token ``start``."""
    tokens = piece.tokens
    for position in range(start, len(tokens)):
        token = tokens[position]
        is_default = allow_default and token.token_type is TokenType.DEFAULT
        if token.token_type is TokenType.COLON_EQ or is_default:
            type_text = (
                piece.text[tokens[start].start : token.start].strip() if position > start else ""
            )
            return type_text or None, piece.text[token.end + 1 :].strip()
    type_text = piece.text[tokens[start].start :].strip() if start < len(tokens) else ""
    return type_text or None, None


def _statement(piece: Piece) -> Statement:
    words = piece.words(3)
    if not words:
        raise UnsupportedConstructError("empty statement")
    first = words[0]
    if first in ("BEGIN", "START") and words[1:2] in (["TRANSACTION"], ["WORK"]):
        return BeginTransaction()
    if words in (["COMMIT"], ["COMMIT", "WORK"]):
        return Commit()
    if words in (["ROLLBACK"], ["ROLLBACK", "WORK"]):
        return Rollback()
    if first == "LET":
        if len(piece.tokens) < 3:
            raise UnsupportedConstructError(f"incomplete LET: {piece.text}")
        type_text, value = _type_and_value(piece, 2, allow_default=True)
        if value is None:
            raise UnsupportedConstructError(f"LET without a value: {piece.text}")
        if type_text and type_text.split("(")[0].strip().upper() in UNSUPPORTED_TYPES:
            raise UnsupportedConstructError(f"LET ... {type_text} is not supported")
        return Assign(piece.tokens[1].text.upper(), type_text, value, declares=True)
    if len(piece.tokens) > 1 and piece.tokens[1].token_type is TokenType.COLON_EQ:
        return Assign(first, None, piece.text[piece.tokens[1].end + 1 :].strip(), declares=False)
    if first == "RETURN":
        rest = strip_leading_words(piece, 1).text
        return Return(rest or None)
    if first == "RAISE":
        if len(piece.tokens) > 1:
            raise UnsupportedConstructError("only a bare RAISE; (re-raise) is supported")
        return Raise()
    if first in UNSUPPORTED_LEADING_WORDS:
        raise UnsupportedConstructError(f"unsupported construct {first!r} in: {piece.text[:80]}")
    return Sql(piece.text)


def check_binds(block: ScriptBlock, arguments: set[str]) -> None:
    """Every ``:name`` must be a declared variable, argument, or an error variable."""
    known = block.variable_names() | arguments | set(ERROR_VARIABLES)
    texts: list[str] = [d.default for d in block.declarations if d.default]
    for statement in (*block.body, *(block.handler or ())):
        if isinstance(statement, Sql):
            texts.append(statement.text)
        elif isinstance(statement, (Assign, Return)):
            texts.append(statement.expression or "")
    for text in texts:
        _, names = replace_binds(text, lambda name: "?")
        unknown = sorted(set(names) - known)
        if unknown:
            raise UnsupportedConstructError(f"undeclared variables {unknown} in: {text[:80]}")
