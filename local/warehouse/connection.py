"""The runner's DB-API connection: fakesnow's, with streams, MERGE in transactions and the
statements fakesnow lacks (streams, tasks, procedures, CALL, role/grant/warehouse no-ops).

Ordinary statements still go through fakesnow's parser and transforms; the runner adds named
rewrites on fakesnow's output (see ``streams`` and ``merge``) and intercepts the statements
listed in ``commands`` before fakesnow sees them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import duckdb
import snowflake.connector
from fakesnow.conn import FakeSnowflakeConnection
from fakesnow.cursor import FakeSnowflakeCursor
from fakesnow.dialect import parse_one
from fakesnow.params import MutableParams
from snowflake.connector.cursor import DictCursor, SnowflakeCursor
from snowflake.connector.errors import ProgrammingError
from sqlglot import exp

from local.warehouse import commands, merge, streams
from local.warehouse.noops import without_leading_comments
from local.warehouse.objects import ObjectName
from local.warehouse.registry import StreamDefinition

if TYPE_CHECKING:
    from local.warehouse.runtime import WarehouseRuntime

# (column name, Snowflake type, value) of a result the runner produces itself.
ResultColumn = tuple[str, str, Any]


class RunnerConnection(FakeSnowflakeConnection):
    def __init__(
        self,
        runtime: WarehouseRuntime,
        duck: duckdb.DuckDBPyConnection,
        *,
        database: str | None,
        schema: str | None,
        paramstyle: str | None,
        autocommit: bool,
    ) -> None:
        options: dict[str, Any] = {"autocommit": autocommit}
        if paramstyle is not None:
            options["paramstyle"] = paramstyle
        super().__init__(
            duck,
            runtime.fakesnow.results_cache,
            database,
            schema,
            db_path=runtime.db_dir,
            **options,
        )
        self.runtime = runtime
        self.duck = duck
        # BEGIN TRANSACTION seen and not yet ended by COMMIT/ROLLBACK.
        self.explicit_transaction = False
        # Opened by the runner around one autocommit statement that consumes a stream.
        self.runner_transaction = False
        # Repeatable read: the stream ranges this transaction has seen.
        self.stream_ranges: dict[ObjectName, streams.StreamRange] = {}

    def cursor(self, cursor_class: type[SnowflakeCursor] = SnowflakeCursor) -> RunnerCursor:
        return RunnerCursor(self, self.duck, use_dict_result=issubclass(cursor_class, DictCursor))

    def in_transaction(self) -> bool:
        return (
            self.explicit_transaction
            or self.runner_transaction
            or (not self._autocommit and self._in_transaction)
        )

    def end_transaction(self) -> None:
        self.explicit_transaction = False
        self.runner_transaction = False
        self.stream_ranges.clear()

    def lookup_stream(self, table: exp.Table) -> StreamDefinition | None:
        registry = self.runtime.registry
        if not registry.streams():
            return None
        database = table.catalog or self.database
        schema = table.db or self.schema
        if not database or not schema:
            return None
        return registry.stream(ObjectName(database.upper(), schema.upper(), table.name))

    def stream_range(self, stream: StreamDefinition) -> streams.StreamRange:
        if not self.in_transaction():
            return streams.read_range(self.duck, stream)
        if stream.name not in self.stream_ranges:
            self.stream_ranges[stream.name] = streams.read_range(self.duck, stream)
        return self.stream_ranges[stream.name]

    def stream_has_data(self, name_text: str) -> bool:
        name = ObjectName.parse(name_text, self.database, self.schema)
        stream = self.runtime.registry.stream(name)
        if stream is None:
            raise ProgrammingError(
                msg=f"Stream '{name}' does not exist or not authorized.",
                errno=2003,
                sqlstate="02000",
            )
        return streams.pending_rows(self.duck, stream) > 0


class RunnerCursor(FakeSnowflakeCursor):
    def __init__(
        self, conn: RunnerConnection, duck: duckdb.DuckDBPyConnection, use_dict_result: bool
    ) -> None:
        super().__init__(conn, duck, use_dict_result)
        self._runner = conn
        self._consumed: dict[ObjectName, streams.StreamRange] = {}

    def execute(
        self,
        command: str,
        params: Sequence[Any] | dict[Any, Any] | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> RunnerCursor:
        handler = commands.handler_for(command)
        if handler is not None:
            bound = kwargs.get("binding_params") or params
            try:
                result = handler(self._runner, command, bound)
            except ProgrammingError:
                raise
            except ValueError as error:
                raise ProgrammingError(msg=str(error), errno=1003, sqlstate="42601") from error
            self.emit(result)
            return self

        connection = self._runner
        self._consumed = {}
        leading = without_leading_comments(command)[:20].upper()
        ends_transaction = leading.startswith(("COMMIT", "ROLLBACK"))
        try:
            try:
                super().execute(command, params, *args, **kwargs)
                for stream_range in self._consumed.values():
                    streams.advance(self._duck_conn, stream_range)
                if connection.runner_transaction:
                    self._duck_conn.commit()
                    connection.end_transaction()
            except duckdb.Error as error:
                # fakesnow passes some DuckDB errors through (constraints, conflicts); callers
                # and procedure handlers expect the connector's error type, as from Snowflake.
                message = str(error).split("\n")[0]
                raise ProgrammingError(msg=message, errno=100000, sqlstate="22000") from error
        except BaseException:
            if connection.runner_transaction:
                self._duck_conn.rollback()
                connection.end_transaction()
            raise
        finally:
            if ends_transaction:
                connection.end_transaction()
        if leading.startswith("BEGIN") or leading.startswith("START TRANSACTION"):
            connection.explicit_transaction = True
        return self

    # fakesnow hooks -------------------------------------------------------------------------
    def _transform_explode(self, expression: exp.Expr) -> list[exp.Expr]:
        # MERGE stays one statement: DuckDB's native MERGE INTO replaces fakesnow's emulation.
        if isinstance(expression, exp.Merge):
            return [expression]
        return super()._transform_explode(expression)

    def _transform(self, expression: exp.Expr, params: MutableParams | None) -> exp.Expr:
        connection = self._runner
        transformed = super()._transform(expression, params)
        transformed = streams.stream_has_data_as_literal(transformed, connection.stream_has_data)
        reads = streams.find_stream_reads(transformed, connection.lookup_stream)
        if reads:
            if streams.consumes(transformed) and not connection.in_transaction():
                # The offset must move in the same transaction as the statement's effects.
                self._duck_conn.begin()
                connection.runner_transaction = True
            ranges = {stream.name: connection.stream_range(stream) for stream in reads}
            if streams.consumes(transformed):
                self._consumed.update(ranges)
            transformed = streams.stream_reads_as_rowid_ranges(
                transformed, connection.lookup_stream, ranges
            )
        if isinstance(transformed, exp.Merge):
            transformed = merge.merge_returning_action(
                merge.merge_update_set_unqualified(transformed)
            )
        return transformed

    def _execute(self, transformed: exp.Expr, params: MutableParams | None = None) -> None:
        if not isinstance(transformed, exp.Merge):
            super()._execute(transformed, params)
            return
        connection = self._runner
        if not connection._autocommit and not connection._in_transaction:
            self._duck_conn.begin()
            connection._in_transaction = True
        try:
            rows = self._duck_conn.execute(transformed.sql(dialect="duckdb"), params).fetchall()
        except duckdb.Error as error:
            raise ProgrammingError(
                msg=str(error).split("\n")[0], errno=100090, sqlstate="22000"
            ) from error
        columns = merge.result_columns(transformed, (row[0] for row in rows))
        self.emit([(name, "NUMBER", count) for name, count in columns])
        self._rowcount = sum(count for _, count in columns)  # type: ignore[assignment]

    # results ----------------------------------------------------------------------------------
    def emit(self, columns: list[ResultColumn]) -> None:
        """Make ``columns`` this cursor's one-row result, typed as Snowflake would type them."""
        select = ", ".join(f'CAST(? AS {sql_type}) AS "{name}"' for name, sql_type, _ in columns)
        values = [value for _, _, value in columns]
        transformed = FakeSnowflakeCursor._transform(self, parse_one(f"SELECT {select}"), values)
        FakeSnowflakeCursor._execute(self, transformed, values)


def success(message: str = "Statement executed successfully.") -> list[ResultColumn]:
    return [("status", "VARCHAR", message)]


__all__ = ["RunnerConnection", "RunnerCursor", "snowflake"]
