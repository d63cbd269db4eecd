"""Statements prepared once for the scan path: compiled for the database the first time
they run, then, on SQLite, run on the driver's cursor inside the caller's transaction.

Through SQLAlchemy each execution builds an execution context, fires its events and wraps
the cursor in a result (~70 µs of CPU a statement here, for the scan's read ~87 µs against
the driver's 18 µs); a scan runs three of these statements (four when its unit has an
order), and that work was a third of what a scan added to the bare transaction (issue #17,
docs/performance.md). SQLAlchemy still writes the SQL and converts each value as it
would (a datetime as SQLite stores it, a flag read back as a bool); what is left out is its
per-execution machinery. They run through SQLAlchemy itself on PostgreSQL, and wherever
something listens to its statements (`before_cursor_execute`, as tests that check what
SQL a scan writes do).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Insert, Select, Update
from sqlalchemy.exc import DBAPIError, StatementError

Process = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # the parameters in the order the SQL takes them
    fixed: dict[str, Any]  # parameters the statement itself holds (a literal compared to)
    binds: dict[str, Process]  # name -> how SQLAlchemy would convert the value
    results: tuple[Process, ...]  # per column of a SELECT: how SQLAlchemy would read it

    def args(self, params: Mapping[str, Any]) -> tuple[Any, ...]:
        values = []
        for name in self.names:
            if name in params:
                value = params[name]
            elif name in self.fixed:
                value = self.fixed[name]
            else:  # as SQLAlchemy refuses it
                raise ValueError(f"a value is required for bind parameter {name!r}")
            process = self.binds[name]
            values.append(value if process is None or value is None else process(value))
        return tuple(values)


class Prepared:
    """One statement (a SELECT, an INSERT or an UPDATE, no IN lists), compiled once per set
    of parameters it is given (an UPDATE's SET is the columns its parameters name, as
    SQLAlchemy does) and run on the driver's cursor on SQLite."""

    def __init__(self, statement: Select[Any] | Insert | Update) -> None:
        self.statement = statement
        self._compiled: dict[tuple[str, ...], _Compiled] = {}

    def rows(self, connection: Connection, params: Mapping[str, Any]) -> list[Sequence[Any]]:
        """The rows of a SELECT, each value converted as SQLAlchemy would."""
        if not _on_driver(connection):
            return list(connection.execute(self.statement, dict(params)))
        compiled = self._compile(connection, params)
        results = compiled.results
        with _as_sqlalchemy_raises(connection, compiled, params):
            args = compiled.args(params)
            cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
            try:
                rows = cursor.execute(compiled.sql, args).fetchall()
            finally:
                cursor.close()
            return [
                tuple(
                    v if p is None or v is None else p(v) for v, p in zip(row, results, strict=True)
                )
                for row in rows
            ]

    def run(self, connection: Connection, many: Sequence[Mapping[str, Any]]) -> int:
        """Run an INSERT or UPDATE once for each set of parameters (all naming the same
        columns); returns the rows it changed."""
        if not _on_driver(connection):
            return connection.execute(self.statement, [dict(p) for p in many]).rowcount
        compiled = self._compile(connection, many[0])
        with _as_sqlalchemy_raises(connection, compiled, many[0]):
            args = [compiled.args(params) for params in many]
            cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
            try:
                if len(args) == 1:
                    cursor.execute(compiled.sql, args[0])
                else:
                    cursor.executemany(compiled.sql, args)
                return int(cursor.rowcount)
            finally:
                cursor.close()

    def _compile(self, connection: Connection, params: Mapping[str, Any]) -> _Compiled:
        key = (connection.dialect.name, *params)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = _compile(self.statement, connection, tuple(params))
        return compiled


def _on_driver(connection: Connection) -> bool:
    """Whether to run on the driver's cursor: SQLite, inside a transaction begun the
    store's way (BEGIN IMMEDIATE for a writer), with no listener to SQLAlchemy's statements."""
    if connection.dialect.name != "sqlite":
        return False
    if not connection.in_transaction():  # the driver would commit each statement at once
        raise RuntimeError("a prepared statement runs inside a transaction (Store.write/read)")
    dispatch = connection.dispatch
    return not (dispatch.before_cursor_execute or dispatch.after_cursor_execute)


@contextmanager
def _as_sqlalchemy_raises(
    connection: Connection, compiled: _Compiled, params: Mapping[str, Any]
) -> Iterator[None]:
    """Failures as SQLAlchemy raises them: the driver's errors as its DBAPIError kinds
    (Store makes the one-line StoreError of an OperationalError; an IntegrityError stays
    one), a value its type cannot convert as a StatementError."""
    dbapi_error = connection.dialect.loaded_dbapi.Error
    try:
        yield
    except dbapi_error as exc:
        raise DBAPIError.instance(compiled.sql, dict(params), exc, dbapi_error) from exc
    except (ValueError, TypeError) as exc:
        raise StatementError(str(exc), compiled.sql, dict(params), exc) from exc


def _compile(statement: Any, connection: Connection, keys: tuple[str, ...]) -> _Compiled:
    dialect = connection.dialect
    defaults = _defaults(statement, keys) if isinstance(statement, Insert) else {}
    if isinstance(statement, Update):
        _refuse_onupdate(statement)
    compiled = statement.compile(dialect=dialect, column_keys=[*keys, *defaults])
    if not compiled.positional:
        raise ValueError(f"{dialect.name}: statements are prepared for positional drivers")
    binds = {}
    fixed = {}
    for bind, name in compiled.bind_names.items():
        if bind.expanding or bind.literal_execute:
            raise ValueError(f"{name}: an IN list is not prepared (its length varies)")
        if bind.type.should_evaluate_none:  # SQLAlchemy converts None too (JSON's 'null')
            raise ValueError(f"{name}: a type that writes None as a value is not prepared")
        binds[name] = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if name in defaults:
            fixed[name] = defaults[name]
        elif name not in keys and not bind.required:  # a value the statement holds
            fixed[name] = bind.effective_value
    results: tuple[Process, ...] = ()
    if isinstance(statement, Select):
        results = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in statement.selected_columns
        )
    return _Compiled(str(compiled), tuple(compiled.positiontup or ()), fixed, binds, results)


def _defaults(statement: Insert, keys: tuple[str, ...]) -> dict[str, Any]:
    """The fixed defaults of the columns an INSERT is not given (SQLAlchemy fills them in
    at each execution; here they are written into the prepared statement's parameters)."""
    defaults = {}
    for column in statement.table.c:
        if column.key in keys or column.default is None:
            continue
        if not column.default.is_scalar:  # made per row (a function): give it each time
            raise ValueError(f"insert into {statement.table}: give {column.key}")
        defaults[column.key] = column.default.arg  # type: ignore[attr-defined]
    return defaults


def _refuse_onupdate(statement: Update) -> None:
    """An UPDATE of a table with a column SQLAlchemy sets on every update is not prepared
    (none of the scan path's tables has one)."""
    for column in statement.table.c:
        if column.onupdate is not None:
            raise ValueError(f"update {statement.table}: {column.key} is set on every update")
