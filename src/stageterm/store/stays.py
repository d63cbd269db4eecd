"""Reads for the staging report: the event log as steps between staging places.

One ordered SELECT over the window hands each event over as (unit, at, before, after,
fact) with the places and the time worked out by the database: `before`/`after` is the
location when the unit was staged there (else NULL), `at` whole seconds since the epoch.
Events that leave a unit where it was (holds, releases, the parent of a split, receipts
into storage) are filtered out in SQL: they end no stay. The rows come straight from the
database driver, a chunk at a time (services/stay_columns.py turns them into columns).
Measured in docs/performance.md ("Staging report").
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, case, cast, extract, func, null, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session

from stageterm.domain.metrics import GroupBy, Step
from stageterm.domain.model import Location, LocationKind, UnitState
from stageterm.store.tables import EVENTS, LOCATIONS, UNITS, location_from, to_utc

# Where a unit is staged (SPEC §6b): the places a stay is counted at.
STAY_KINDS = (LocationKind.LANE, LocationKind.KITTING, LocationKind.BUFFER)
_STAGED = UnitState.STAGED.value
_E = EVENTS.c
# The place a unit was staged at before the event and after it. A hold or release writes
# no to_state: the unit stays as it was.
_BEFORE = case((_E.from_state == _STAGED, _E.from_location))
_AFTER = case((func.coalesce(_E.to_state, _E.from_state) == _STAGED, _E.to_location))
_FACT = {
    GroupBy.CUSTOMER: _E.customer,
    GroupBy.ROUTE: _E.route,
    GroupBy.WORK_ORDER: _E.work_order,
}
_CHUNK = 500  # units per IN (...): well under SQLite's limit on bound parameters
_ROWS = 50_000  # steps handed over at a time
# unixepoch() (SQLite 3.38+) gives what strftime('%s') gives at a third of its cost
# (1M events: 0.13 s against 0.38 s here); an older SQLite library gets strftime.
_UNIXEPOCH = sqlite3.sqlite_version_info >= (3, 38)


class _Epoch(FunctionElement[int]):
    type = Integer()
    inherit_cache = True


@compiles(_Epoch)
def _epoch(element: _Epoch, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = element.clauses
    return compiler.process(cast(extract("epoch", column), Integer), **kw)


@compiles(_Epoch, "sqlite")
def _epoch_sqlite(element: _Epoch, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = element.clauses
    if _UNIXEPOCH:
        return f"unixepoch({compiler.process(column, **kw)})"
    return _epoch(element, compiler, **kw)


def epoch(column: ColumnElement[Any]) -> ColumnElement[int]:
    """Whole seconds since the epoch (UTC), worked out by the database."""
    return _Epoch(column)


def staging_places(session: Session) -> dict[str, Location]:
    """Lanes, kitting areas and buffers by code."""
    stmt = select(LOCATIONS).where(LOCATIONS.c.kind.in_([k.value for k in STAY_KINDS]))
    return {row.code: location_from(row) for row in session.connection().execute(stmt)}


def step_rows(
    session: Session, since: datetime, by: GroupBy, seqs: tuple[int, int] | None = None
) -> Iterator[list[Step]]:
    """Every event from `since` on (to the end of the log) that changes where a unit is
    staged, in the log's order, as metrics.Step tuples, a chunk of rows at a time.
    `seqs` (after, up to): only the events numbered after the first and up to the second."""
    fact = _FACT.get(by)
    stmt = (
        select(
            _E.unit,
            epoch(_E.occurred_at),
            _BEFORE,
            _AFTER,
            fact if fact is not None else null(),
        )
        .where(_E.occurred_at >= to_utc(since), _BEFORE.is_distinct_from(_AFTER))
        .order_by(_E.seq)
    )
    if seqs is not None:
        stmt = stmt.where(_E.seq > seqs[0], _E.seq <= seqs[1])
    yield from _driver_rows(session, stmt)


def step_span(session: Session, since: datetime) -> tuple[int, int] | None:
    """(the number of the first event at or after `since` in time, the newest event's
    number), or None for an empty log: where a window's events lie, to split their reading.
    (Only a guide at the start: a clock set back can put an event of the window earlier.)"""
    first = session.connection().execute(
        select(_E.seq).where(_E.occurred_at >= to_utc(since)).order_by(_E.occurred_at).limit(1)
    )
    newest = session.connection().execute(select(func.max(_E.seq))).scalar()
    start = first.scalar()
    return None if start is None or newest is None else (start, newest)


def _driver_rows(session: Session, stmt: Select[Any]) -> Iterator[list[Any]]:
    """The rows of `stmt` as the database driver hands them over (plain tuples), _ROWS at
    a time. SQLAlchemy still compiles the statement and binds its parameters; its Row
    objects are what is left out: they cost ~1 µs each, and a month is 650,000 steps
    (2.1 s through SQLAlchemy, 1.2 s from the driver's cursor, docs/performance.md).
    On PostgreSQL a server-side cursor, so a month is never held whole."""
    connection = session.connection()
    dialect = connection.dialect
    compiled = stmt.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    for bind, key in compiled.bind_names.items():  # e.g. a datetime as SQLite stores it
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is None:
            continue
        # An IN list is bound as one parameter a value: key_1, key_2, ...
        count = len(bind.value or ()) if bind.expanding else 0
        names = [f"{key}_{i}" for i in range(1, count + 1)] if bind.expanding else [key]
        for name in names:
            params[name] = process(params[name])
    args = tuple(params[k] for k in compiled.positiontup or ()) if compiled.positional else params
    driver: Any = connection.connection.driver_connection
    postgres = dialect.name == "postgresql"
    cursor = driver.cursor(name="stageterm_steps") if postgres else driver.cursor()
    try:
        cursor.execute(str(compiled), args)
        while rows := cursor.fetchmany(_ROWS):
            yield rows
    except dialect.loaded_dbapi.OperationalError as exc:
        # As SQLAlchemy would raise it: Store.read makes the one-line StoreError of it.
        raise OperationalError(str(compiled), args, exc) from exc
    finally:
        cursor.close()


def arrivals(session: Session, units: Iterable[str], before: datetime) -> dict[str, int]:
    """For each unit, when the latest event before `before` that put it at a staging place
    happened (epoch seconds): the start of a stay that was open when a window began."""
    wanted = sorted(set(units))
    found: dict[str, int] = {}
    for i in range(0, len(wanted), _CHUNK):
        stmt = (
            select(_E.unit, epoch(func.max(_E.occurred_at)))
            .where(
                _E.unit.in_(wanted[i : i + _CHUNK]),
                _E.occurred_at < to_utc(before),
                _AFTER.is_not(None),
                _BEFORE.is_distinct_from(_AFTER),
            )
            .group_by(_E.unit)
        )
        found.update((unit, int(at)) for unit, at in session.connection().execute(stmt))
    return found


def staged_units(session: Session) -> list[tuple[str, str, int]]:
    """Units staged now at a lane, kitting area or buffer: (unit, place, staged at)."""
    stmt = (
        select(UNITS.c.code, UNITS.c.location, epoch(UNITS.c.staged_at))
        .join(LOCATIONS, LOCATIONS.c.code == UNITS.c.location)
        .where(
            UNITS.c.state == _STAGED,
            UNITS.c.staged_at.is_not(None),
            LOCATIONS.c.kind.in_([k.value for k in STAY_KINDS]),
        )
    )
    return [row for rows in _driver_rows(session, stmt) for row in rows]


__all__ = [
    "STAY_KINDS",
    "arrivals",
    "epoch",
    "staged_units",
    "staging_places",
    "step_rows",
    "step_span",
]
