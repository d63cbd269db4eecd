"""Statements prepared once for the scan path: compiled for the database the first time
they run, then, on SQLite, run on the driver's cursor inside the caller's transaction.

Through SQLAlchemy each execution builds an execution context, fires its events and wraps
the cursor in a result (~70 µs of CPU a statement here, for the scan's read ~87 µs against
the driver's 18 µs); a scan runs three statements, and that work was a third of what a scan
added to the bare transaction (issue #17, docs/performance.md). SQLAlchemy still writes
the SQL and converts each value as it would (a datetime as SQLite stores it, a flag read
back as a bool); what is left out is its per-execution machinery. On PostgreSQL the
statements run through SQLAlchemy as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Insert, Select, Update
from sqlalchemy.exc import DBAPIError

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
            value = params[name] if name in params else self.fixed[name]
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
        if connection.dialect.name != "sqlite":
            return list(connection.execute(self.statement, dict(params)))
        compiled = self._compile(connection, params)
        cursor = self._execute(connection, compiled, [compiled.args(params)])
        try:
            rows = cursor.fetchall()
        finally:
            cursor.close()
        results = compiled.results
        return [
            tuple(v if p is None or v is None else p(v) for v, p in zip(row, results, strict=True))
            for row in rows
        ]

    def run(self, connection: Connection, many: Sequence[Mapping[str, Any]]) -> int:
        """Run an INSERT or UPDATE once for each set of parameters (all naming the same
        columns); returns the rows it changed."""
        if connection.dialect.name != "sqlite":
            return connection.execute(self.statement, [dict(p) for p in many]).rowcount
        compiled = self._compile(connection, many[0])
        cursor = self._execute(connection, compiled, [compiled.args(p) for p in many])
        try:
            return int(cursor.rowcount)
        finally:
            cursor.close()

    def _compile(self, connection: Connection, params: Mapping[str, Any]) -> _Compiled:
        key = tuple(params)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = _compile(self.statement, connection, key)
        return compiled

    @staticmethod
    def _execute(connection: Connection, compiled: _Compiled, args: list[tuple[Any, ...]]) -> Any:
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            if len(args) == 1:
                cursor.execute(compiled.sql, args[0])
            else:
                cursor.executemany(compiled.sql, args)
        except connection.dialect.loaded_dbapi.Error as exc:
            cursor.close()
            # As SQLAlchemy would raise it (Store.write makes the one-line StoreError of an
            # OperationalError; an IntegrityError stays one).
            raise DBAPIError.instance(
                compiled.sql, args[0], exc, connection.dialect.loaded_dbapi.Error
            ) from exc
        return cursor


def _compile(statement: Any, connection: Connection, keys: tuple[str, ...]) -> _Compiled:
    dialect = connection.dialect
    defaults = _defaults(statement, keys) if isinstance(statement, Insert) else {}
    compiled = statement.compile(dialect=dialect, column_keys=[*keys, *defaults])
    if not compiled.positional:
        raise ValueError(f"{dialect.name}: statements are prepared for positional drivers")
    binds = {}
    fixed = {}
    for bind, name in compiled.bind_names.items():
        if bind.expanding:
            raise ValueError(f"{name}: an IN list is not prepared (its length varies)")
        binds[name] = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if name not in keys:
            fixed[name] = defaults.get(name, bind.effective_value)
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
