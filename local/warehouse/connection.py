"""The runner's DB-API connection: fakesnow's, with streams, MERGE in transactions and the
statements fakesnow lacks (streams, tasks, procedures, CALL, role/grant/warehouse no-ops).

Ordinary statements still go through fakesnow's parser and transforms; the runner adds named
rewrites on fakesnow's output (see ``streams`` and ``merge``) and intercepts the statements
listed in ``commands`` before fakesnow sees them.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import duckdb
import snowflake.connector
from fakesnow.conn import FakeSnowflakeConnection
from fakesnow.cursor import (
    SQL_DELETED_ROWS,
    SQL_INSERTED_ROWS,
    SQL_UPDATED_ROWS,
    FakeSnowflakeCursor,
)
from fakesnow.dialect import parse_one
from fakesnow.params import MutableParams
from snowflake.connector.cursor import DictCursor, SnowflakeCursor
from snowflake.connector.errors import DatabaseError, ProgrammingError
from sqlglot import exp

from local.warehouse import commands, merge, numeric, prepared, streams, task_history
from local.warehouse.access.gate import SessionAccess
from local.warehouse.access.grants import Rows
from local.warehouse.access.requirements import (
    NO_ACCESS,
    StatementAccess,
    access_creates_container,
)
from local.warehouse.access.session import Session
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
        session: Session,
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
        # Who this connection acts as; every statement is checked against its current role.
        self.access = SessionAccess(runtime.access, session)
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
        # While fakesnow runs a statement whose text can be cached: what _transform produced.
        self._recording: list[_Recorded | None] | None = None
        # The last result came from a prepared statement (described without sqlglot).
        self._prepared_result = False
        # What the statement being run creates or drops, applied once it succeeded.
        self._access_effect: StatementAccess = NO_ACCESS

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
            if isinstance(result, Rows):
                self.emit_rows(result)
            else:
                self.emit(result)
            return self

        connection = self._runner
        self._consumed = {}
        leading = without_leading_comments(command)[:20].upper()
        ends_transaction = leading.startswith(("COMMIT", "ROLLBACK"))
        key = self._cache_key(command, params, kwargs)
        cached = None if key is None else connection.runtime.statements.get(key)
        try:
            try:
                if cached is not None:
                    # The cached statement's objects, checked for this session's role.
                    connection.access.check(cached.access)
                    self._run_prepared(cached, kwargs.get("binding_params") or params)
                else:
                    self._recording = None if key is None else []
                    try:
                        super().execute(command, params, *args, **kwargs)
                        if key is not None:
                            self._remember(key)
                    finally:
                        self._recording = None
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

    # statement cache ---------------------------------------------------------------------------
    def _cache_key(
        self, command: str, params: Sequence[Any] | dict[Any, Any] | None, kwargs: dict[str, Any]
    ) -> prepared.CacheKey | None:
        """The key of this statement in the cache, or None when its text is not the whole story:
        pyformat parameters (fakesnow formats them into the text), dict parameters, no-op
        regexes."""
        connection = self._runner
        server_params = kwargs.get("binding_params")
        if connection.nop_regexes or isinstance(server_params or params, dict):
            return None
        if params and not server_params and connection._paramstyle in ("pyformat", "format"):
            return None
        return (
            self._inline_variables(command),
            connection.database,
            connection.schema,
            connection.database_set,
            connection.schema_set,
            connection.runtime.registry.stream_generation,
        )

    def _remember(self, key: prepared.CacheKey) -> None:
        """Cache what fakesnow made of the statement just run, if it was one cacheable statement."""
        recorded = self._recording
        if not recorded or len(recorded) != 1 or recorded[0] is None:
            return
        transformed, reads, consumes, access = recorded[0]
        operations: tuple[str, ...] = ()
        if isinstance(transformed, exp.Merge):
            operations = merge.operation_names(transformed)
        self._runner.runtime.statements.put(
            key,
            prepared.PreparedStatement(
                sql=transformed.sql(dialect="duckdb"),
                command=prepared.key_command(transformed),
                expression=transformed,
                streams=reads,
                consumes=consumes,
                has_binds=transformed.find(exp.Placeholder) is not None,
                merge_operations=operations,
                access=access,
            ),
        )

    def _run_prepared(self, statement: prepared.PreparedStatement, values: Any) -> None:
        """Run a cached statement on the DuckDB cursor, with fakesnow's result shape (rows, row
        counts of DML, Snowflake's MERGE counts, description, RESULT_SCAN)."""
        connection = self._runner
        params = prepared.as_params(values) if statement.has_binds else None
        self._sqlstate = None
        try:
            if statement.streams:
                self._bind_streams(statement.streams, statement.consumes)
            if statement.command == "MERGE":
                self._run_merge(statement.sql, params, statement.merge_operations)
                return
            self._arrow_table = None
            self._arrow_table_fetch_index = None
            self._rowcount = None
            self._sfqid = None
            is_dml = statement.command in prepared.DML_COMMANDS
            if is_dml and not connection._autocommit and not connection._in_transaction:
                self._duck_conn.begin()  # fakesnow's implicit transaction of autocommit=False
                connection._in_transaction = True
            try:
                self._duck_conn.execute(statement.sql, params)
            except duckdb.Error as error:
                raise _as_snowflake_error(error) from error
            result_sql: str | None = None
            affected: int | None = None
            if statement.command in _DML_RESULTS:
                (affected,) = self._duck_conn.fetchall()[0]
                result_sql = _DML_RESULTS[statement.command].substitute(count=affected)
                self._duck_conn.execute(result_sql)
            self._keep_result(
                result_sql or statement.sql,
                None if result_sql else params,
                statement.expression,
                affected,
            )
        except ProgrammingError as error:
            sqlstate: Any = error.sqlstate
            self._sqlstate = sqlstate
            raise

    def _keep_result(
        self, sql: str, params: list[Any] | None, transformed: exp.Expr, affected: int | None
    ) -> None:
        arrow_table: Any = self._duck_conn.to_arrow_table()
        rowcount: Any = affected if affected is not None else arrow_table.num_rows
        query_id: Any = str(uuid.uuid4())
        last_sql: Any = sql
        last_params: Any = params
        last_transformed: Any = transformed
        self._arrow_table = arrow_table
        self._rowcount = rowcount
        self._sfqid = query_id
        self._last_sql = last_sql
        self._last_params = last_params
        self._last_transformed = last_transformed
        self._conn.results_cache[query_id] = (arrow_table, rowcount, sql, params, transformed)
        self._prepared_result = True

    def _describe_last_sql(self) -> list[Any]:
        if not self._prepared_result:
            return super()._describe_last_sql()
        # What fakesnow runs, without parsing and regenerating the SQL through sqlglot.
        return self._duck_conn.execute(f"DESCRIBE {self._last_sql}", self._last_params).fetchall()

    def _bind_streams(self, reads: Sequence[StreamDefinition], consumes: bool) -> None:
        """Fix the stream ranges this statement reads (once per transaction) and set the DuckDB
        variables its rewritten text reads them from."""
        connection = self._runner
        if consumes and not connection.in_transaction():
            # The offset must move in the same transaction as the statement's effects.
            self._duck_conn.begin()
            connection.runner_transaction = True
        ranges = [connection.stream_range(stream) for stream in reads]
        if consumes:
            self._consumed.update((each.stream.name, each) for each in ranges)
        streams.bind_ranges(self._duck_conn, ranges)

    # fakesnow hooks -------------------------------------------------------------------------
    def _transform_explode(self, expression: exp.Expr) -> list[exp.Expr]:
        # MERGE stays one statement: DuckDB's native MERGE INTO replaces fakesnow's emulation.
        if isinstance(expression, exp.Merge):
            return [expression]
        return super()._transform_explode(expression)

    def _transform(self, expression: exp.Expr, params: MutableParams | None) -> exp.Expr:
        connection = self._runner
        # Access control: what the statement needs, checked for this session before it runs;
        # what it creates or drops is recorded once it has run (_execute).
        access = connection.access.analyse(expression, connection)
        connection.access.check(access)
        self._access_effect = access
        if access_creates_container(access):
            # fakesnow attaches a database (or schema) a connection names before anyone created
            # it; the catalog decides whether it exists, so creating one is idempotent on disk.
            expression.set("exists", True)
        params_before = len(params) if isinstance(params, list) else None
        # INFORMATION_SCHEMA.TASK_HISTORY(...) becomes a subquery over the recorded runs, answered
        # now (the visible tasks and the 7-day window): such a statement is not cached.
        expression, answered_history = task_history.answer_from_runs(
            expression, connection, self._evaluate
        )
        numeric.mark_sum_arguments(expression)
        transformed = numeric.scale_per_row(super()._transform(expression, params))
        # SYSTEM$STREAM_HAS_DATA is answered now, into the text: such a statement is not cached.
        answered_now = any(
            str(node.this).upper() == streams.STREAM_HAS_DATA
            for node in transformed.find_all(exp.Anonymous)
        )
        transformed = streams.stream_has_data_as_literal(transformed, connection.stream_has_data)
        reads = streams.find_stream_reads(transformed, connection.lookup_stream)
        consumes = bool(reads) and streams.consumes(transformed)
        if reads:
            self._bind_streams(reads, consumes)
            positions = {stream.name: position for position, stream in enumerate(reads)}
            transformed = streams.stream_reads_as_rowid_ranges(
                transformed, connection.lookup_stream, positions
            )
        if isinstance(transformed, exp.Merge):
            transformed = merge.merge_returning_action(
                merge.merge_update_set_unqualified(transformed)
            )
        transformed = numeric.exact_sums(transformed, self._binds)
        if self._recording is not None:
            params_after = len(params) if isinstance(params, list) else None
            keep = (
                params_before == params_after  # IDENTIFIER(?) consumes its parameter
                and not answered_now
                and not answered_history
                and prepared.cacheable(transformed)
            )
            self._recording.append((transformed, tuple(reads), consumes, access) if keep else None)
        return transformed

    def _evaluate(self, select: str) -> Any:
        """The one value of ``SELECT <constant expression>``, on a cursor of its own."""
        cursor = RunnerCursor(self._runner, self._runner.duck, use_dict_result=False)
        row = cursor.execute(select).fetchone()
        return None if row is None else row[0]

    def _binds(self, statement: exp.Expr) -> bool:
        """Whether DuckDB binds ``statement`` (its types check): EXPLAIN (which plans without
        running; PREPARE refuses MERGE) with NULL for every parameter, on a cursor of its own so
        that a refusal cannot abort this connection's transaction."""
        probe = self._runner.runtime.duck()
        try:
            database, schema = self._runner.database, self._runner.schema
            if database:
                probe.execute(f"SET schema='{database}.{schema or 'main'}'")
            parameters = [None] * len(list(statement.find_all(exp.Placeholder)))
            probe.execute(f"EXPLAIN {statement.sql(dialect='duckdb')}", parameters or None)
            return True
        except duckdb.Error:
            return False
        finally:
            probe.close()

    def _execute(self, transformed: exp.Expr, params: MutableParams | None = None) -> None:
        self._prepared_result = False
        if isinstance(transformed, exp.Merge):
            self._run_merge(
                transformed.sql(dialect="duckdb"), params, merge.operation_names(transformed)
            )
            return
        super()._execute(transformed, params)
        effect, self._access_effect = self._access_effect, NO_ACCESS
        connection_access = self._runner.access
        connection_access.apply(effect.effect)
        if created := transformed.args.get("create_db_name"):
            # fakesnow has just (re)defined its macros in the new database.
            self._runner.runtime.install_flatten(self._duck_conn, str(created))

    def _run_merge(self, sql: str, params: Any, operations: Sequence[str]) -> None:
        connection = self._runner
        if not connection._autocommit and not connection._in_transaction:
            self._duck_conn.begin()
            connection._in_transaction = True
        try:
            rows = self._duck_conn.execute(sql, params).fetchall()
        except duckdb.Error as error:
            raise ProgrammingError(
                msg=str(error).split("\n")[0], errno=100090, sqlstate="22000"
            ) from error
        columns = merge.counts(operations, (row[0] for row in rows))
        self.emit([(name, "NUMBER", count) for name, count in columns])
        self._rowcount = sum(count for _, count in columns)  # type: ignore[assignment]

    # results ----------------------------------------------------------------------------------
    def emit(self, columns: list[ResultColumn]) -> None:
        """Make ``columns`` this cursor's one-row result, typed as Snowflake would type them."""
        select = ", ".join(f'CAST(? AS {sql_type}) AS "{name}"' for name, sql_type, _ in columns)
        values = [value for _, _, value in columns]
        self._run_constant_select(f"SELECT {select}", values)

    def emit_rows(self, result: Rows) -> None:
        """Make ``result`` (several rows, typed columns) this cursor's result."""
        names = ", ".join(f'"{name}"' for name, _ in result.columns)
        casts = ", ".join(
            f'CAST("{name}" AS {sql_type}) AS "{name}"' for name, sql_type in result.columns
        )
        if result.rows:
            row = "(" + ", ".join("?" for _ in result.columns) + ")"
            source = f"(VALUES {', '.join(row for _ in result.rows)}) AS ROWS_({names})"
            values = [value for each in result.rows for value in each]
        else:
            nulls = ", ".join(f'NULL AS "{name}"' for name, _ in result.columns)
            source = f"(SELECT {nulls} WHERE FALSE) AS ROWS_"
            values = []
        self._run_constant_select(f"SELECT {casts} FROM {source}", values)

    def _run_constant_select(self, text: str, values: list[Any]) -> None:
        """Run a SELECT of bound values the runner built itself (no tables), through the
        statement cache: keyed apart from statements (no database, generation -1)."""
        key: prepared.CacheKey = (text, None, None, False, False, -1)
        statements = self._runner.runtime.statements
        statement = statements.get(key)
        if statement is None:
            transformed = FakeSnowflakeCursor._transform(self, parse_one(text), list(values))
            statement = prepared.PreparedStatement(
                sql=transformed.sql(dialect="duckdb"),
                command=prepared.key_command(transformed),
                expression=transformed,
                streams=(),
                consumes=False,
                has_binds=transformed.find(exp.Placeholder) is not None,
            )
            statements.put(key, statement)
        self._run_prepared(statement, values)


# What fakesnow answers for DML: one row of Snowflake's counts.
_DML_RESULTS = {
    "INSERT": SQL_INSERTED_ROWS,
    "UPDATE": SQL_UPDATED_ROWS,
    "DELETE": SQL_DELETED_ROWS,
}
# Recorded by _transform: the transformed statement, the streams it reads, whether it consumes,
# and what it needs from access control.
_Recorded = tuple[exp.Expr, tuple[StreamDefinition, ...], bool, StatementAccess]


_DUPLICATE_KEY_MESSAGES = ("Duplicate struct entry name", "Duplicate named argument")


def _as_snowflake_error(error: duckdb.Error) -> Exception:
    """The connector error fakesnow raises for this DuckDB error (others pass through as is)."""
    message = str(error.args[0]) if error.args else str(error)
    first_line = message.split("\n")[0]
    if isinstance(error, duckdb.BinderException):
        duplicate = any(text in message for text in _DUPLICATE_KEY_MESSAGES)
        errno, sqlstate = (100103, "22000") if duplicate else (2043, "02000")
        return ProgrammingError(msg=message, errno=errno, sqlstate=sqlstate)
    if isinstance(error, duckdb.CatalogException):
        return ProgrammingError(msg=first_line, errno=2003, sqlstate="42S02")
    if isinstance(error, duckdb.ParserException):
        return ProgrammingError(msg=message, errno=1003, sqlstate="42000")
    if isinstance(error, duckdb.ConversionException):
        return ProgrammingError(msg=first_line, errno=100035, sqlstate="22007")
    if isinstance(error, duckdb.ConnectionException):
        return DatabaseError(msg=message, errno=250002, sqlstate="08003")
    return error


def success(message: str = "Statement executed successfully.") -> list[ResultColumn]:
    return [("status", "VARCHAR", message)]


__all__ = ["RunnerConnection", "RunnerCursor", "snowflake"]
