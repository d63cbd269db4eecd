"""Writing a planned import (or one slice of a feed page) in one short write transaction, and
timing how long it held the lock.

Everything slow happens before the lock is taken: the rows were planned in
`intake/plans.py`, and here each INSERT is rendered once more, outside the lock, into
the driver's own SQL and parameter tuples (column defaults filled, dates turned into
what SQLite stores), so that inside the transaction only SQLite works: executemany in
batches. An import of 100k units then holds SQLite's write lock about as long as a bare
sqlite3 transaction doing the same inserts (benchmarks/import_lock.py; SPEC §10).
"""

from __future__ import annotations

import functools
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Dialect, Insert, Table, insert
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.sql.schema import ScalarElementColumnDefault

from stageterm.intake.plans import Plan, Step
from stageterm.store.engine import Store
from stageterm.store.errors import StoreError
from stageterm.store.writes import StaleUnit, record

# Rows per executemany call: big enough that per-call overhead vanishes, small enough
# that one call's parameters stay a few MB.
BATCH = 5_000


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
    if after is not None:
        store.make_way(after)  # once all is rendered: nothing but the writing is left
    try:
        with store.write() as session:
            connection = session.connection()  # BEGIN IMMEDIATE: the write lock, from here
            taken = time.perf_counter()
            for step in steps:
                _run(connection, step)
            if plan.events:
                record(session, plan.units_read, plan.events)
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
        raise


def _run(connection: Connection, step: Step | DriverInsert) -> None:
    rows: Sequence[Any] = step.rows if isinstance(step, DriverInsert) else step.params
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        if isinstance(step, DriverInsert):
            connection.exec_driver_sql(step.sql, list(batch))
        else:
            connection.execute(step.statement, list(batch))
