"""Stored procedures: CREATE PROCEDURE (LANGUAGE SQL) and CALL, interpreted statement by statement.

Transactions follow Snowflake: statements between BEGIN TRANSACTION and COMMIT form one
transaction (one DuckDB transaction, including the stream offsets it consumes); statements
outside it autocommit. An error rolls back the open transaction before the EXCEPTION handler
runs; a procedure that ends with a transaction open is rolled back and fails, as in Snowflake.

DML status: after an INSERT, UPDATE, DELETE or MERGE, SQLROWCOUNT is the rows it affected and
SQLFOUND / SQLNOTFOUND whether that was more than none; "After a DML command is executed
(excluding the TRUNCATE TABLE command), Snowflake Scripting sets the following global variables"
(Snowflake Scripting, "Determining the number of rows affected by SQL statements"). Any other
statement (a query, DDL, BEGIN TRANSACTION, COMMIT, ROLLBACK) sets them to NULL: "the variables
return NULL when a non-DML statement is executed after the last DML statement" (2025_01 behavior
change bundle, enabled by default). Assignments and IF conditions are expressions, not
statements, and leave them as they are.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache
from typing import Any

from snowflake.connector.errors import ProgrammingError
from sqlglot import TokenType

from local import failpoints
from local.warehouse.failures import FailurePlan, InjectedFailure
from local.warehouse.noops import without_leading_comments
from local.warehouse.objects import ObjectName
from local.warehouse.scripting import (
    DML_STATUS_VARIABLES,
    ERROR_VARIABLES,
    Assign,
    BeginTransaction,
    Commit,
    ExceptionDeclaration,
    If,
    Raise,
    Return,
    Rollback,
    ScriptBlock,
    Sql,
    Statement,
    UnsupportedConstructError,
    check_binds,
    parse_block,
)
from local.warehouse.sql_text import SqlTextError, TokenReader, replace_binds, split_statements

# Snowflake result type codes of VARIANT, OBJECT and ARRAY: their values arrive as JSON text.
_SEMI_STRUCTURED_TYPE_CODES = {5, 9, 10}
_SEMI_STRUCTURED_TYPES = ("VARIANT", "OBJECT", "ARRAY")
# Statements after which SQLROWCOUNT holds a row count (TRUNCATE is excluded, as in Snowflake).
_DML_WORDS = ("INSERT", "UPDATE", "DELETE", "MERGE")
# Keywords that end the RETURNS type in a CREATE PROCEDURE header.
_HEADER_KEYWORDS = {
    "LANGUAGE", "NOT", "NULL", "CALLED", "RETURNS", "STRICT", "IMMUTABLE", "VOLATILE",
    "COMMENT", "EXECUTE", "AS", "COPY",
}  # fmt: skip


@dataclass(frozen=True)
class ProcedureDefinition:
    name_text: str
    or_replace: bool
    if_not_exists: bool
    arguments: tuple[tuple[str, str], ...]
    returns: str
    block: ScriptBlock


def parse_create_procedure(sql: str) -> ProcedureDefinition:
    """``CREATE [OR REPLACE] [SECURE] PROCEDURE [IF NOT EXISTS] n(args) RETURNS t LANGUAGE SQL
    [...] AS $$ body $$`` (or a quoted body)."""
    reader = TokenReader(sql)
    reader.expect("CREATE")
    or_replace = reader.accept("OR", "REPLACE")
    reader.accept("SECURE")
    reader.expect("PROCEDURE")
    if_not_exists = reader.accept("IF", "NOT", "EXISTS")
    name = reader.name()
    arguments = _arguments(reader.value_text())
    reader.accept("COPY", "GRANTS")
    reader.expect("RETURNS")
    type_start = reader.position()
    while not reader.at_end() and reader.peek() not in _HEADER_KEYWORDS:
        reader.index += 1
    returns = sql[type_start : reader.position()].strip()
    language = "SQL"
    while not reader.at_end() and reader.peek() != "AS":
        if reader.accept("LANGUAGE"):
            language = reader.peek()
        elif reader.accept("EXECUTE", "AS"):
            reader.accept("RESTRICTED")  # EXECUTE AS [RESTRICTED] CALLER | OWNER
        reader.index += 1
    reader.expect("AS")
    if language != "SQL":
        raise UnsupportedConstructError(f"procedure {name}: only LANGUAGE SQL is emulated")
    if reader.at_end():
        raise SqlTextError(f"procedure {name}: no body after AS")
    token = reader.tokens[reader.index]
    if token.token_type not in (TokenType.RAW_STRING, TokenType.HEREDOC_STRING, TokenType.STRING):
        raise SqlTextError(f"procedure {name}: the body must be a $$ or quoted string")
    block = parse_block(token.text)
    check_binds(block, {argument for argument, _ in arguments})
    return ProcedureDefinition(name, or_replace, if_not_exists, arguments, returns, block)


def _arguments(parenthesised: str) -> tuple[tuple[str, str], ...]:
    inner = parenthesised.strip()[1:-1].strip()
    if not inner:
        return ()
    arguments: list[tuple[str, str]] = []
    for piece in split_statements(inner.replace(",", ";")):
        if len(piece.tokens) < 2 or "DEFAULT" in piece.words(len(piece.tokens)):
            raise UnsupportedConstructError(f"unsupported procedure argument {piece.text!r}")
        type_text = piece.text[piece.tokens[1].start :].strip()
        arguments.append((piece.tokens[0].text.upper(), type_text))
    return tuple(arguments)


def parse_call(sql: str) -> tuple[str, str]:
    """``CALL name(args)`` -> (name, argument list text without parentheses)."""
    reader = TokenReader(sql)
    reader.expect("CALL")
    name = reader.name()
    arguments = reader.value_text()
    if not reader.at_end():
        raise SqlTextError("CALL ... INTO and trailing text are not supported")
    return name, arguments.strip()[1:-1].strip()


def parse_drop_procedure(sql: str) -> tuple[str, bool]:
    reader = TokenReader(sql)
    reader.expect("DROP", "PROCEDURE")
    if_exists = reader.accept("IF", "EXISTS")
    return reader.name(), if_exists


class ProcedureError(ProgrammingError):
    """An uncaught error ended a procedure (its open transaction was rolled back)."""


class UserExceptionError(ProgrammingError):
    """``RAISE name`` of a declared ``name EXCEPTION (code, 'message')``: SQLCODE is the code,
    SQLERRM the message and SQLSTATE P0001 (Snowflake Scripting, "Handling exceptions")."""

    def __init__(self, declared: ExceptionDeclaration) -> None:
        super().__init__(msg=declared.message, errno=declared.code, sqlstate="P0001")
        self.exception_name = declared.name


class _ReturnSignal(Exception):  # noqa: N818 - control flow, never escapes this module
    def __init__(self, value: _Variable) -> None:
        self.value = value


class _ReRaise(Exception):  # noqa: N818 - control flow, never escapes this module
    pass


@dataclass
class _Variable:
    type: str | None
    value: Any = None
    is_json: bool = False  # value is JSON text (it came from a VARIANT, OBJECT or ARRAY)


def is_semi_structured(sql_type: str | None) -> bool:
    return bool(sql_type) and sql_type.strip().upper().startswith(_SEMI_STRUCTURED_TYPES)  # type: ignore[union-attr]


def as_json_text(value: Any, is_json: bool) -> Any:
    """A value bound where a VARIANT is expected: JSON text, as PARSE_JSON would read it."""
    if is_json or value is None:
        return value
    return json.dumps(value, default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    raise TypeError(f"cannot represent {type(value).__name__} in a VARIANT")


class ProcedureRun:
    """One CALL: runs the block on ``cursor`` (a runner cursor with qmark binds)."""

    def __init__(
        self,
        name: ObjectName,
        definition: ProcedureDefinition,
        cursor: Any,
        in_transaction: Callable[[], bool],
        fail_at: int | None,
    ) -> None:
        self.name = name
        self.definition = definition
        self.cursor = cursor
        self.in_transaction = in_transaction
        self.fail_at = fail_at
        self.variables: dict[str, _Variable] = {}
        self.statement_number = 0
        self.caught: BaseException | None = None
        # SQLROWCOUNT of the last statement: None before any DML and after a non-DML statement.
        self.rows_affected: int | None = None
        self.exceptions: dict[str, ExceptionDeclaration] = {
            declared.name: declared for declared in definition.block.exceptions
        }

    def run(self, arguments: Sequence[Any]) -> Any:
        block = self.definition.block
        for (name, type_text), value in zip(self.definition.arguments, arguments, strict=True):
            self.variables[name] = _Variable(type_text, value)
        result: _Variable | None = None
        try:
            for declaration in block.declarations:
                variable = _Variable(declaration.type)
                if declaration.default is not None:
                    variable = self._evaluate(declaration.default, declaration.type)
                self.variables[declaration.name] = variable
            self._run_statements(block.body, counted=True)
        except _ReturnSignal as returned:
            result = returned.value
        except Exception as error:
            result = self._handle(error)
        if self.in_transaction():
            self.cursor.execute("ROLLBACK")
            raise ProcedureError(
                msg=f"{self.name}: procedure ended with a transaction open; it was rolled back",
                errno=90232,
                sqlstate="25000",
            )
        if result is None:
            return None
        if is_semi_structured(self.definition.returns):
            return as_json_text(result.value, result.is_json)
        return result.value

    def _handle(self, error: Exception) -> _Variable | None:
        self._rollback_if_open()
        handler = self.definition.block.handler
        if handler is None:
            raise _uncaught(self.name, error) from error
        self.caught = error
        try:
            self._run_statements(handler, counted=False)
            return None
        except _ReturnSignal as returned:
            return returned.value
        except _ReRaise:
            self._rollback_if_open()
            raise _uncaught(self.name, error) from error
        except Exception as handler_error:
            self._rollback_if_open()
            raise _uncaught(self.name, handler_error) from handler_error

    def _rollback_if_open(self) -> None:
        if self.in_transaction():
            self.cursor.execute("ROLLBACK")

    def _run_statements(self, statements: Sequence[Statement], *, counted: bool) -> None:
        for statement in statements:
            if counted:
                self.statement_number += 1
                if self.statement_number == self.fail_at:
                    raise InjectedFailure(
                        msg=f"injected failure at statement {self.fail_at} of {self.name}",
                        errno=100999,
                        sqlstate="P0001",
                    )
            self._run(statement)
            if counted and failpoints.ARMED:
                failpoints.reached(f"procedure.{self.name}.after_statement_{self.statement_number}")

    def _run(self, statement: Statement, *, counted: bool = True) -> None:
        if isinstance(statement, BeginTransaction):
            self.rows_affected = None
            self.cursor.execute("BEGIN TRANSACTION")
        elif isinstance(statement, Commit):
            self.rows_affected = None
            self.cursor.execute("COMMIT")
        elif isinstance(statement, Rollback):
            self.rows_affected = None
            self.cursor.execute("ROLLBACK")
        elif isinstance(statement, If):
            for condition, branch in statement.branches:
                if self._evaluate(condition, "BOOLEAN").value:
                    self._run_statements(branch, counted=counted)
                    return
            self._run_statements(statement.otherwise, counted=counted)
        elif isinstance(statement, Assign):
            existing = self.variables.get(statement.name)
            declared = statement.type if existing is None or statement.declares else existing.type
            self.variables[statement.name] = self._evaluate(statement.expression, declared)
        elif isinstance(statement, Return):
            if statement.expression is None:
                raise _ReturnSignal(_Variable(None))
            raise _ReturnSignal(self._evaluate(statement.expression, None))
        elif isinstance(statement, Raise):
            if statement.name is not None:
                raise UserExceptionError(self.exceptions[statement.name])
            if self.caught is None:
                raise ProgrammingError(msg=f"{self.name}: RAISE outside an exception handler")
            raise _ReRaise()
        elif isinstance(statement, Sql):
            sql, params = self._bind(statement.text, bare=False)
            self.rows_affected = None
            self.cursor.execute(sql, params)
            if _is_dml(statement.text):
                self.rows_affected = int(self.cursor.rowcount or 0)

    def _evaluate(self, expression: str, declared_type: str | None) -> _Variable:
        literal = _LITERAL.fullmatch(expression.strip())
        if literal is not None:  # DEFAULT 0, := TRUE, ...: no round trip to DuckDB
            return _Variable(declared_type, _literal_value(literal[0]))
        sql, params = self._bind(expression, bare=True)
        self.cursor.execute(f"SELECT {sql}", params)
        row = self.cursor.fetchone()
        is_json = self.cursor.description[0].type_code in _SEMI_STRUCTURED_TYPE_CODES
        return _Variable(declared_type, None if row is None else row[0], is_json)

    def _bind(self, text: str, *, bare: bool) -> tuple[str, list[Any]]:
        # In an expression Snowflake also accepts a variable without its colon, e.g. SQLERRM.
        # Inside a query (a scalar subquery) a bare name would be a column, so it stays as is.
        bare_names: list[str] = []
        if bare:
            bare_names = [*ERROR_VARIABLES, *DML_STATUS_VARIABLES]
            if "SELECT" not in text.upper():
                bare_names += list(self.variables)
        values: list[Any] = []

        def placeholder(name: str) -> str:
            variable = self._variable(name)
            if variable.is_json or is_semi_structured(variable.type):
                values.append(as_json_text(variable.value, variable.is_json))
                return f"CAST(? AS {variable.type or 'VARIANT'})"
            values.append(variable.value)
            return f"CAST(? AS {variable.type})" if variable.type else "?"

        sql, _ = replace_binds(text, placeholder, bare_names)
        return sql, values

    def _variable(self, name: str) -> _Variable:
        if name in ERROR_VARIABLES:
            return _Variable(None, _error_variable(name, self.caught))
        if name in DML_STATUS_VARIABLES:
            return _dml_status(name, self.rows_affected)
        if name not in self.variables:
            raise ProgrammingError(msg=f"{self.name}: variable {name} is not declared or not set")
        return self.variables[name]


def _error_variable(name: str, error: BaseException | None) -> Any:
    if error is None:
        return None
    if name == "SQLERRM":
        if isinstance(error, UserExceptionError):
            return error.raw_msg  # the declared message, as Snowflake's SQLERRM
        return getattr(error, "msg", None) or str(error)
    if name == "SQLCODE":
        return getattr(error, "errno", None) or -1
    return getattr(error, "sqlstate", None) or "P0000"


# A plain literal an expression may be: NULL, TRUE, FALSE, an integer or a quote-free string.
_LITERAL = re.compile(r"NULL|TRUE|FALSE|-?[0-9]+|'[^'\\]*'", re.IGNORECASE)


def _literal_value(text: str) -> Any:
    upper = text.upper()
    if upper in ("NULL", "TRUE", "FALSE"):
        return {"NULL": None, "TRUE": True, "FALSE": False}[upper]
    if text.startswith("'"):
        return text[1:-1]
    return int(text)


@lru_cache(maxsize=1024)
def _is_dml(sql: str) -> bool:
    words = without_leading_comments(sql).split(None, 1)
    return bool(words) and words[0].upper() in _DML_WORDS


def _dml_status(name: str, rows_affected: int | None) -> _Variable:
    if name == "SQLROWCOUNT":
        return _Variable("NUMBER", rows_affected)
    if rows_affected is None:
        return _Variable("BOOLEAN", None)
    found = rows_affected > 0
    return _Variable("BOOLEAN", found if name == "SQLFOUND" else not found)


def _uncaught(name: ObjectName, error: BaseException) -> ProcedureError:
    message = getattr(error, "msg", None) or str(error)
    # "-20002 (P0001): Uncaught exception of type 'MY_EXCEPTION' ... : Raised MY_EXCEPTION."
    kind = error.exception_name if isinstance(error, UserExceptionError) else "STATEMENT_ERROR"
    return ProcedureError(
        msg=f"Uncaught exception of type '{kind}' in {name}: {message}",
        errno=getattr(error, "errno", None) or 100132,
        sqlstate=getattr(error, "sqlstate", None) or "P0000",
    )


def call(
    name: ObjectName,
    definition: ProcedureDefinition,
    cursor: Any,
    in_transaction: Callable[[], bool],
    arguments: Sequence[Any],
    failures: FailurePlan,
) -> Any:
    if len(arguments) != len(definition.arguments):
        raise ProgrammingError(
            msg=f"{name} takes {len(definition.arguments)} arguments, {len(arguments)} given"
        )
    fail_at = failures.take(str(name))
    return ProcedureRun(name, definition, cursor, in_transaction, fail_at).run(arguments)
