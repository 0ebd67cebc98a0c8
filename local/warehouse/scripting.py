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
        IF (condition) THEN <statements>
        [ELSEIF (condition) THEN <statements>] ...
        [ELSE <statements>]
        END IF;
        RETURN [expr];
        RAISE;                          -- in the handler: re-raise the caught error
        RAISE name;                     -- a declared exception: name EXCEPTION (-20nnn, 'text')
        <any SQL statement>;            -- variables referenced as :name
    [EXCEPTION
        WHEN OTHER THEN
            <statements as above>]
    END;

SQLROWCOUNT, SQLFOUND and SQLNOTFOUND (the DML status variables) are readable like the error
variables; ``procedures`` sets them after each statement.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeAlias

from sqlglot import TokenType

from local.warehouse.sql_text import Piece, replace_binds, split_statements, strip_leading_words

# Statements that start with these words are control flow or objects outside the subset.
UNSUPPORTED_LEADING_WORDS = {
    "FOR", "WHILE", "REPEAT", "LOOP", "CASE", "OPEN", "FETCH", "CLOSE", "BREAK",
    "CONTINUE", "EXIT", "EXECUTE", "DECLARE", "AWAIT", "CANCEL", "BEGIN", "NULL",
}  # fmt: skip
UNSUPPORTED_TYPES = {"CURSOR", "RESULTSET"}
# Readable in an exception handler (bare or as :name).
ERROR_VARIABLES = ("SQLERRM", "SQLCODE", "SQLSTATE")
# Set after every statement: the rows the last DML statement affected (see procedures.py).
DML_STATUS_VARIABLES = ("SQLROWCOUNT", "SQLFOUND", "SQLNOTFOUND")
# Words that end the statements of an IF branch.
_IF_BRANCH_ENDS = ("ELSEIF", "ELSE", "END")


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
    """``RAISE;`` re-raises the caught error (name None); ``RAISE name;`` a declared exception."""

    name: str | None = None


@dataclass(frozen=True)
class If:
    """``IF (c) THEN ... [ELSEIF (c) THEN ...] [ELSE ...] END IF``: the first branch whose
    condition is TRUE runs, else ``otherwise``."""

    branches: tuple[tuple[str, tuple[Statement, ...]], ...]
    otherwise: tuple[Statement, ...]


@dataclass(frozen=True)
class ExceptionDeclaration:
    """``name EXCEPTION (code, 'message')`` in DECLARE (Snowflake: code -20000 to -20999)."""

    name: str
    code: int
    message: str


@dataclass(frozen=True)
class Sql:
    text: str


Statement: TypeAlias = BeginTransaction | Commit | Rollback | Assign | Return | Raise | Sql | If


def walk(statements: Sequence[Statement]) -> Iterator[Statement]:
    """Every statement, including those inside IF branches (depth first, in text order)."""
    for statement in statements:
        yield statement
        if isinstance(statement, If):
            for _, branch in statement.branches:
                yield from walk(branch)
            yield from walk(statement.otherwise)


@dataclass(frozen=True)
class ScriptBlock:
    declarations: tuple[Declaration, ...]
    body: tuple[Statement, ...]
    handler: tuple[Statement, ...] | None
    exceptions: tuple[ExceptionDeclaration, ...] = ()

    def statements(self) -> Iterator[Statement]:
        """Every statement of the body and the handler, nested ones included."""
        yield from walk(self.body)
        yield from walk(self.handler or ())

    def variable_names(self) -> set[str]:
        names = {d.name for d in self.declarations}
        for statement in self.statements():
            if isinstance(statement, Assign):
                names.add(statement.name)
        return names


def parse_block(body: str) -> ScriptBlock:
    pieces = split_statements(body)
    if not pieces:
        raise UnsupportedConstructError("empty procedure body")
    index = 0
    declarations: list[Declaration] = []
    exceptions: list[ExceptionDeclaration] = []
    if pieces[0].words(1) == ["DECLARE"]:
        pieces[0] = strip_leading_words(pieces[0], 1)
        while index < len(pieces) and pieces[index].words(1) != ["BEGIN"]:
            if pieces[index].words(2)[1:] == ["EXCEPTION"]:
                exceptions.append(_exception_declaration(pieces[index]))
            else:
                declarations.append(_declaration(pieces[index]))
            index += 1
    if index >= len(pieces) or pieces[index].words(1) != ["BEGIN"]:
        raise UnsupportedConstructError("the body must be one BEGIN ... END block")
    pieces[index] = strip_leading_words(pieces[index], 1)
    parser = _BlockParser(pieces, index)
    body_statements = parser.statements(_ends_body)
    handler: list[Statement] | None = None
    if parser.at(lambda piece: piece.words(1) == ["EXCEPTION"]):
        piece = parser.take()
        if piece.words(4) != ["EXCEPTION", "WHEN", "OTHER", "THEN"]:
            raise UnsupportedConstructError(
                "only EXCEPTION WHEN OTHER THEN is supported (no named exceptions)"
            )
        parser.push(strip_leading_words(piece, 4))
        handler = parser.statements(_ends_body)
        if parser.at(lambda piece: piece.words(1) == ["EXCEPTION"]):
            raise UnsupportedConstructError("a block has one EXCEPTION section")
    if not parser.at(_is_end):
        raise UnsupportedConstructError("the block has no END")
    parser.take()
    if not parser.done():
        raise UnsupportedConstructError("statements after the block's END")
    block = ScriptBlock(
        tuple(declarations),
        tuple(body_statements),
        None if handler is None else tuple(handler),
        tuple(exceptions),
    )
    known = {declared.name for declared in exceptions}
    for statement in block.statements():
        if isinstance(statement, Raise) and statement.name and statement.name not in known:
            raise UnsupportedConstructError(f"RAISE {statement.name}: no such declared exception")
    return block


def _is_end(piece: Piece) -> bool:
    return piece.words(2) == ["END"]


def _ends_body(piece: Piece) -> bool:
    return _is_end(piece) or piece.words(1) == ["EXCEPTION"]


def _ends_branch(piece: Piece) -> bool:
    return piece.words(1)[0:1] in (["ELSEIF"], ["ELSE"]) or piece.words(2) == ["END", "IF"]


class _BlockParser:
    """Statements of a block from its ``;``-separated pieces; an IF spans several pieces."""

    def __init__(self, pieces: list[Piece], index: int) -> None:
        self.pieces = pieces
        self.index = index

    def done(self) -> bool:
        return self.index >= len(self.pieces)

    def at(self, predicate: Callable[[Piece], bool]) -> bool:
        return not self.done() and predicate(self.pieces[self.index])

    def take(self) -> Piece:
        piece = self.pieces[self.index]
        self.index += 1
        return piece

    def push(self, piece: Piece) -> None:
        """Put back the rest of a piece (the first statement after THEN, ELSE or EXCEPTION...)."""
        if piece.text:
            self.pieces.insert(self.index, piece)

    def statements(self, ends: Callable[[Piece], bool]) -> list[Statement]:
        found: list[Statement] = []
        while not self.done() and not ends(self.pieces[self.index]):
            piece = self.take()
            found.append(self._if(piece) if piece.words(1) == ["IF"] else _statement(piece))
        return found

    def _if(self, piece: Piece) -> If:
        branches: list[tuple[str, tuple[Statement, ...]]] = []
        otherwise: list[Statement] = []
        condition, rest = _condition_then(piece)
        while True:
            self.push(rest)
            branches.append((condition, tuple(self.statements(_ends_branch))))
            if self.done():
                raise UnsupportedConstructError("IF without END IF")
            following = self.take()
            if following.words(1) != ["ELSEIF"]:
                break
            condition, rest = _condition_then(following)
        if following.words(1) == ["ELSE"]:
            self.push(strip_leading_words(following, 1))
            otherwise = self.statements(_ends_branch)
            following = self.take() if not self.done() else Piece("", [])
        if following.words(3) != ["END", "IF"]:
            raise UnsupportedConstructError(f"expected END IF, found {following.text[:40]!r}")
        return If(tuple(branches), tuple(otherwise))


def _condition_then(piece: Piece) -> tuple[str, Piece]:
    """``IF|ELSEIF (condition) THEN rest`` -> the condition (with its parentheses), rest."""
    tokens = piece.tokens
    if len(tokens) < 4 or tokens[1].token_type is not TokenType.L_PAREN:
        keyword = piece.words(1)[0]
        raise UnsupportedConstructError(f"{keyword} needs a (condition): {piece.text[:80]}")
    depth = 0
    for position in range(1, len(tokens)):
        depth += {TokenType.L_PAREN: 1, TokenType.R_PAREN: -1}.get(tokens[position].token_type, 0)
        if depth == 0:
            break
    else:
        raise UnsupportedConstructError(f"unbalanced condition: {piece.text[:80]}")
    if position + 1 >= len(tokens) or tokens[position + 1].text.upper() != "THEN":
        raise UnsupportedConstructError(f"expected THEN after the condition: {piece.text[:80]}")
    condition = piece.text[tokens[1].start : tokens[position].end + 1]
    return condition, strip_leading_words(piece, position + 2)


def _exception_declaration(piece: Piece) -> ExceptionDeclaration:
    """``name EXCEPTION (-20001, 'message')``."""
    tokens = piece.tokens
    name = tokens[0].text.upper()
    values = [t for t in tokens[2:] if t.token_type not in (TokenType.L_PAREN, TokenType.R_PAREN)]
    if (
        len(values) != 4
        or values[0].text != "-"
        or values[1].token_type is not TokenType.NUMBER
        or values[2].token_type is not TokenType.COMMA
        or values[3].token_type is not TokenType.STRING
    ):
        raise UnsupportedConstructError(
            f"declaration of {name}: only EXCEPTION (-20nnn, 'message') is supported"
        )
    return ExceptionDeclaration(name, -int(values[1].text), values[3].text)


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
        if len(piece.tokens) > 2:
            raise UnsupportedConstructError("RAISE takes at most a declared exception's name")
        return Raise(piece.tokens[1].text.upper() if len(piece.tokens) == 2 else None)
    if first in UNSUPPORTED_LEADING_WORDS:
        raise UnsupportedConstructError(f"unsupported construct {first!r} in: {piece.text[:80]}")
    return Sql(piece.text)


def check_binds(block: ScriptBlock, arguments: set[str]) -> None:
    """Every ``:name`` must be a declared variable, argument, or an error variable."""
    known = block.variable_names() | arguments | set(ERROR_VARIABLES) | set(DML_STATUS_VARIABLES)
    texts: list[str] = [d.default for d in block.declarations if d.default]
    for statement in block.statements():
        if isinstance(statement, Sql):
            texts.append(statement.text)
        elif isinstance(statement, (Assign, Return)):
            texts.append(statement.expression or "")
        elif isinstance(statement, If):
            texts.extend(condition for condition, _ in statement.branches)
    for text in texts:
        _, names = replace_binds(text, lambda name: "?")
        unknown = sorted(set(names) - known)
        if unknown:
            raise UnsupportedConstructError(f"undeclared variables {unknown} in: {text[:80]}")
