"""Writing a planned import (or one slice of a feed page) in one short write transaction, and
timing how long it held the lock.

Everything slow happens before the lock is taken: the rows were planned in
`intake/plans.py`, and here each INSERT is rendered once more, outside the lock, into
the driver's own SQL and parameter tuples (column defaults filled, dates turned into
what SQLite stores). On SQLite those tuples are then loaded into temporary tables of the
writer's own connection, still outside the lock (a temporary table is not in the
database file: writing it takes no lock other terminals wait for), so that inside the
write transaction SQLite only copies rows from table to table (`INSERT ... SELECT`) and
keeps its indexes: no Python runs per row while the lock is held. An import of 100k
units then holds the lock for less time than a bare sqlite3 transaction running the same
INSERTs with executemany (benchmarks/import_lock.py; SPEC §10).
"""

from __future__ import annotations

import functools
import re
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Dialect, Insert, Table, insert
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.sql.schema import ScalarElementColumnDefault
from sqlmodel import Session

from stageterm.intake.plans import Plan, Step
from stageterm.store.engine import Store
from stageterm.store.errors import StoreError
from stageterm.store.failures import store_error
from stageterm.store.pull_tables import MASTER_DATA_CHANGED
from stageterm.store.writes import StaleUnit, record

# Rows per executemany call: big enough that per-call overhead vanishes, small enough
# that one call's parameters stay a few MB.
BATCH = 5_000
# From this many rows a plan's INSERTs are loaded into temporary tables before the lock
# (below it, as a pull's slice of 100 records, the INSERTs themselves take less time than
# making and dropping the tables).
STAGE_FROM_ROWS = 1_000


class ChangedMeanwhile(Exception):
    """Another writer added a code this plan inserts, between planning and writing."""


@dataclass(frozen=True)
class Written:
    lock_held_s: float  # from the write lock taken (BEGIN IMMEDIATE) to COMMIT done


@dataclass(frozen=True)
class DriverInsert:
    """An INSERT as the driver runs it: SQL with `?` marks and one tuple per row."""

    sql: str
    rows: list[tuple[Any, ...]]


def render(step: Step, dialect: Dialect) -> Step | DriverInsert:
    """The step as plain driver SQL and tuples, for a qmark driver (SQLite); else as it is.

    What SQLAlchemy would do per row inside the transaction (fill column defaults, run
    each column's bind processor, build the tuple) is done here, before the lock.
    """
    statement = step.statement
    if dialect.paramstyle != "qmark" or not isinstance(statement, Insert) or not step.params:
        return step
    table = statement.table
    if not isinstance(table, Table) or not statement.compare(insert(table)):
        return step  # not a plain INSERT of rows into a table
    driver = _driver_sql(table, tuple(step.params[0]), dialect)
    if driver is None:
        return step
    sql, order, defaults, processors = driver
    rows = []
    for params in step.params:
        values = [params[key] if key in params else defaults[key] for key in order]
        rows.append(
            tuple(
                value if process is None or value is None else process(value)
                for value, process in zip(values, processors, strict=True)
            )
        )
    return DriverInsert(sql, rows)


@functools.lru_cache(maxsize=64)
def _driver_sql(
    table: Table, given: tuple[str, ...], dialect: Dialect
) -> tuple[str, list[str], dict[str, Any], list[Any]] | None:
    """SQL, column order, defaults and bind processors of an INSERT of `given` columns into
    `table`: compiled once per process (a pull writes the same INSERTs slice after slice)."""
    defaults = {
        column.key: column.default.arg
        for column in table.columns
        if column.key not in given and isinstance(column.default, ScalarElementColumnDefault)
    }
    compiled = insert(table).compile(dialect=dialect, column_keys=[*given, *defaults])
    order = list(compiled.positiontup or ())
    if set(order) != set(given) | set(defaults):  # not a plain INSERT of these columns
        return None
    processors = [table.columns[key].type.bind_processor(dialect) for key in order]
    return str(compiled), order, defaults, processors


def write_plan(store: Store, plan: Plan, *, after: float | None = None) -> Written:
    """Run every step of `plan`, and record its events, in one transaction: all of it is
    written, or nothing. `after`: when the same writer last committed (a pull's slice
    before this one); the lock is then asked for only once others had their turn."""
    steps = [render(step, store.writer.dialect) for step in plan.steps]
    try:
        with store.writer.connect() as connection, _staged(connection, steps) as locked:
            if after is not None:
                store.make_way(after)  # all is rendered and loaded: only the writing is left
            with connection.begin():  # BEGIN IMMEDIATE: the write lock, from here
                taken = time.perf_counter()
                for step in locked:
                    _run(connection, step)
                if plan.events:
                    # A session on this connection joins its transaction (and leaves the
                    # commit to it): the events are in the same all-or-nothing write.
                    with Session(bind=connection, expire_on_commit=False) as session:
                        record(session, plan.units_read, plan.events)
                # Open boards reload, when something changed (a slice planned again after
                # it was written writes only its cursor). Last: the one shared row is held
                # only until COMMIT, with no row lock taken after it (PostgreSQL: no cycle).
                if plan.created or plan.updated or plan.events:
                    connection.execute(MASTER_DATA_CHANGED)
            return Written(time.perf_counter() - taken)
    except IntegrityError as exc:
        # A key the plan saw as free (or a row it would update) was added by another
        # import meanwhile; the caller plans again and reports it at its line.
        raise ChangedMeanwhile(str(exc.orig)) from exc
    except StaleUnit as exc:
        # A unit the plan read was moved meanwhile on a terminal: the caller reads it again.
        raise ChangedMeanwhile(f"unit {exc.unit} changed meanwhile") from exc
    except (OperationalError, sqlite3.OperationalError) as exc:
        # The engine's wait for BEGIN IMMEDIATE gives up with sqlite3's own error, unwrapped.
        reason = str(exc.orig if isinstance(exc, OperationalError) else exc)
        if "locked" in reason or "busy" in reason:
            raise StoreError(
                "database busy: another terminal held the write lock past the busy timeout; "
                "nothing imported, try again"
            ) from None
        raise store_error(exc) from exc


@dataclass(frozen=True)
class Copy:
    """Rows already loaded into a temporary table, copied into the database's table."""

    sql: str


_INSERT = re.compile(r"INSERT INTO (\w+) \(([^)]*)\) VALUES")


@contextmanager
def _staged(
    connection: Connection, steps: list[Step | DriverInsert]
) -> Iterator[list[Step | DriverInsert | Copy]]:
    """Load each driver INSERT's rows into a temporary table of this connection, before
    any lock is taken; yields the steps to run under the lock, with those INSERTs turned
    into copies from their tables. The tables are dropped when the block ends."""
    raw = connection.connection.driver_connection
    rows = sum(len(step.rows) for step in steps if isinstance(step, DriverInsert))
    if not isinstance(raw, sqlite3.Connection) or rows < STAGE_FROM_ROWS:
        # PostgreSQL has no file-wide write lock to keep short; a few rows are quicker
        # written as they are.
        yield list(steps)
        return
    made: list[str] = []
    copies: list[Step | DriverInsert | Copy] = []
    try:
        for step in steps:
            found = _INSERT.match(step.sql) if isinstance(step, DriverInsert) else None
            if not isinstance(step, DriverInsert) or found is None:
                copies.append(step)
                continue
            table, columns = found.groups()
            staging = f"stageterm_import_{len(made)}"
            raw.execute(f"DROP TABLE IF EXISTS temp.{staging}")
            raw.execute(
                f"CREATE TEMP TABLE {staging} AS SELECT {columns} FROM main.{table} WHERE 0"
            )
            made.append(staging)
            raw.execute("BEGIN")  # on the temporary tables only: no lock on the database file
            for start in range(0, len(step.rows), BATCH):
                raw.executemany(
                    step.sql.replace(f"INSERT INTO {table} ", f"INSERT INTO temp.{staging} ", 1),
                    step.rows[start : start + BATCH],
                )
            raw.execute("COMMIT")
            copies.append(
                Copy(f"INSERT INTO main.{table} ({columns}) SELECT {columns} FROM temp.{staging}")
            )
        cache = raw.execute("PRAGMA cache_size").fetchone()[0]
        raw.execute("PRAGMA cache_size = -262144")
        try:
            yield copies
        finally:
            raw.execute(f"PRAGMA cache_size = {int(cache)}")
    finally:
        if raw.in_transaction:
            raw.execute("ROLLBACK")
        for staging in made:
            raw.execute(f"DROP TABLE IF EXISTS temp.{staging}")


def _run(connection: Connection, step: Step | DriverInsert | Copy) -> None:
    if isinstance(step, Copy):
        connection.exec_driver_sql(step.sql)
        return
    rows: Sequence[Any] = step.rows if isinstance(step, DriverInsert) else step.params
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        if isinstance(step, DriverInsert):
            connection.exec_driver_sql(step.sql, list(batch))
        else:
            connection.execute(step.statement, list(batch))
