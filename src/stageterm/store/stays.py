"""Reads for the staging report: the event log as steps between staging places, streamed.

One ordered SELECT over the window hands each event over as (unit, at, before, after,
fact) with the places and the time worked out by the database: `before`/`after` is the
location when the unit was staged there (else NULL), `at` whole seconds since the epoch.
Events that leave a unit where it was (holds, releases, the parent of a split, receipts
into storage) are filtered out in SQL: they end no stay. Measured in docs/performance.md
("Staging report") against a table of stays kept on every write.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, case, cast, extract, func, null, select
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


def epoch(column: ColumnElement[Any]) -> ColumnElement[int]:
    """Whole seconds since the epoch (UTC), worked out by the database."""
    return cast(extract("epoch", column), Integer)


def staging_places(session: Session) -> dict[str, Location]:
    """Lanes, kitting areas and buffers by code."""
    stmt = select(LOCATIONS).where(LOCATIONS.c.kind.in_([k.value for k in STAY_KINDS]))
    return {row.code: location_from(row) for row in session.connection().execute(stmt)}


def steps(session: Session, since: datetime, by: GroupBy) -> Iterator[Step]:
    """Every event from `since` on (to the end of the log) that changes where a unit is
    staged, in the log's order, as metrics.Step tuples; streamed, not loaded whole."""
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
    # yield_per: a server-side cursor on PostgreSQL, so a month is never held whole.
    yield from session.connection().execution_options(yield_per=10_000).execute(stmt)


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
    return [(code, place, int(at)) for code, place, at in session.connection().execute(stmt)]


__all__ = ["STAY_KINDS", "arrivals", "staged_units", "staging_places", "steps"]
