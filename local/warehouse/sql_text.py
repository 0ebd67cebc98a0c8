"""Lexical helpers over Snowflake SQL text, built on sqlglot's Snowflake tokenizer.

The runner needs to split procedure bodies into statements, find ``:name`` binds and read the
leading keywords of a statement without being fooled by quotes, comments or ``::`` casts. The
tokenizer gives each token's exact character span, so rewrites edit the original text in place
instead of regenerating it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from sqlglot import Token, TokenType
from sqlglot.dialects.snowflake import Snowflake

_TOKENIZER_DIALECT = Snowflake()
IDENTIFIER_TEXT = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")
# A colon right after one of these characters is VARIANT path access or part of a cast, not a bind.
_COMMANDS = (TokenType.COMMAND, TokenType.EXECUTE)
_LITERALS = (TokenType.STRING, TokenType.IDENTIFIER, TokenType.HEREDOC_STRING)
_NOT_BIND_AFTER = set('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$]):"')


class SqlTextError(ValueError):
    """The text could not be tokenized."""


def tokenize(sql: str) -> list[Token]:
    try:
        tokens = list(_TOKENIZER_DIALECT.tokenize(sql))
    except Exception as exc:  # sqlglot raises its own TokenError
        raise SqlTextError(f"cannot tokenize SQL: {exc}") from exc
    if len(tokens) == 2 and tokens[0].token_type in _COMMANDS:
        # sqlglot keeps the rest of a command (CALL x(), EXECUTE TASK t) as one opaque string;
        # tokenize that rest too, with positions relative to the whole statement.
        offset = tokens[0].end + 1
        tail = tokenize(sql[offset:])
        tokens[1:] = [
            Token(t.token_type, t.text, t.line, t.col, t.start + offset, t.end + offset, t.comments)
            for t in tail
        ]
    return tokens


@dataclass(frozen=True)
class Piece:
    """A statement of a script: its text and its tokens (spans relative to ``text``)."""

    text: str
    tokens: list[Token]

    def words(self, count: int) -> list[str]:
        """The first ``count`` tokens, upper-cased (keywords and names alike)."""
        return [token.text.upper() for token in self.tokens[:count]]


def split_statements(sql: str, separator: TokenType = TokenType.SEMICOLON) -> list[Piece]:
    """Split on top-level semicolons (or another separator: commas for a list); empty pieces
    are dropped."""
    pieces: list[Piece] = []
    start = 0
    depth = 0
    for token in [*tokenize(sql), None]:
        if token is not None and token.token_type in (TokenType.L_PAREN, TokenType.L_BRACKET):
            depth += 1
        elif token is not None and token.token_type in (TokenType.R_PAREN, TokenType.R_BRACKET):
            depth -= 1
        if token is None or (token.token_type is separator and depth == 0):
            end = len(sql) if token is None else token.start
            text = sql[start:end].strip()
            if text:
                pieces.append(Piece(text, tokenize(text)))
            start = end + 1
    return pieces


def strip_leading_words(piece: Piece, count: int) -> Piece:
    """The statement without its first ``count`` tokens (e.g. the block's BEGIN)."""
    if len(piece.tokens) <= count:
        return Piece("", [])
    text = piece.text[piece.tokens[count].start :].strip()
    return Piece(text, tokenize(text))


def leading_words(sql: str, count: int) -> list[str]:
    """Upper-cased first tokens of a statement, ignoring leading comments."""
    return [token.text.upper() for token in tokenize(sql)[:count]]


def replace_binds(
    sql: str, bind: Callable[[str], str], bare_names: Sequence[str] = ()
) -> tuple[str, list[str]]:
    """Replace ``:name`` binds (and bare ``bare_names``) using ``bind``; return the names in order.

    A colon is a bind only when it follows neither an identifier character, ``]``, ``)`` nor
    another colon (``RECORD_CONTENT:payload`` and ``x::string`` are not binds). Bare names are
    replaced only as whole tokens that are not qualified (``t.name``), not function calls and
    not path keys. ``bind`` is called once per site, in text order.
    """
    sites = bind_sites(sql, frozenset(name.upper() for name in bare_names))
    edits = [(start, end, bind(name)) for start, end, name in sites]
    for start, end, replacement in reversed(edits):
        sql = sql[:start] + replacement + sql[end:]
    return sql, [name for _, _, name in sites]


@lru_cache(maxsize=1024)
def bind_sites(sql: str, bare: frozenset[str]) -> tuple[tuple[int, int, str], ...]:
    """(start, end, NAME) of each bind of ``sql`` in text order (see :func:`replace_binds`);
    cached, because a procedure's statements are bound on every CALL."""
    tokens = tokenize(sql)
    sites: list[tuple[int, int, str]] = []
    skip_next = False
    for index, token in enumerate(tokens):
        if skip_next:
            skip_next = False
            continue
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if token.token_type is TokenType.COLON:
            before = sql[token.start - 1] if token.start > 0 else " "
            if (
                before not in _NOT_BIND_AFTER
                and following is not None
                and following.start == token.end + 1
                and IDENTIFIER_TEXT.match(following.text)
            ):
                sites.append((token.start, following.end + 1, following.text.upper()))
                skip_next = True
            continue
        if (
            token.text.upper() in bare
            and IDENTIFIER_TEXT.match(token.text)
            and token.token_type not in _LITERALS
        ):
            before = sql[token.start - 1] if token.start > 0 else " "
            is_call = following is not None and following.token_type is TokenType.L_PAREN
            if before not in ".:" and not is_call:
                sites.append((token.start, token.end + 1, token.text.upper()))
    return tuple(sites)


class TokenReader:
    """Reads a statement's tokens left to right (for the DDL headers fakesnow cannot parse)."""

    def __init__(self, sql: str) -> None:
        self.sql = sql
        self.tokens = tokenize(sql)
        self.index = 0

    def at_end(self) -> bool:
        return self.index >= len(self.tokens)

    def peek(self, offset: int = 0) -> str:
        position = self.index + offset
        return self.tokens[position].text.upper() if position < len(self.tokens) else ""

    def accept(self, *words: str) -> bool:
        """Consume ``words`` if the next tokens are exactly them."""
        if all(self.peek(i) == word for i, word in enumerate(words)):
            self.index += len(words)
            return True
        return False

    def expect(self, *words: str) -> None:
        if not self.accept(*words):
            raise SqlTextError(f"expected {' '.join(words)} near {self.peek()!r}")

    def name(self) -> str:
        """A possibly qualified object name, as written (``db.schema.obj``)."""
        parts: list[str] = []
        while True:
            if self.at_end():
                raise SqlTextError("expected an object name")
            token = self.tokens[self.index]
            if token.token_type is TokenType.IDENTIFIER:
                parts.append(f'"{token.text}"')
            elif IDENTIFIER_TEXT.match(token.text):
                parts.append(token.text)
            else:
                raise SqlTextError(f"expected an object name near {token.text!r}")
            self.index += 1
            if not self.accept("."):
                return ".".join(parts)

    def value_text(self) -> str:
        """One option value: a literal, a name, or a parenthesised list (as raw text)."""
        if self.at_end():
            raise SqlTextError("expected a value")
        first = self.tokens[self.index]
        if first.token_type is TokenType.L_PAREN:
            depth = 0
            while not self.at_end():
                token = self.tokens[self.index]
                depth += {TokenType.L_PAREN: 1, TokenType.R_PAREN: -1}.get(token.token_type, 0)
                self.index += 1
                if depth == 0:
                    return self.sql[first.start : token.end + 1]
            raise SqlTextError("unbalanced parentheses")
        self.index += 1
        return first.text if first.token_type is TokenType.STRING else first.text.upper()

    def position(self) -> int:
        """Character offset of the next token (len(sql) at the end)."""
        return self.tokens[self.index].start if not self.at_end() else len(self.sql)

    def rest(self) -> str:
        return self.sql[self.position() :].strip()
