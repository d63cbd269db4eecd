"""The staging report as it was computed before the figures moved to columns: the event
log streamed into Python, stays traced one step at a time and summed per group.

Kept as the reference the product is compared with (tests/integration/test_report_equivalence.py,
tests/unit/test_metrics.py): it is the plain, obviously-right reading of SPEC §5 "a stay",
and the report must give exactly what it gives. The code of domain/metrics.py,
store/stays.py and services/report.py at d976ad9 (less its hot-loop shortcuts); do not
"improve" it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Integer, case, cast, extract, func, null, select
from sqlmodel import Session

from stageterm.domain.metrics import (
    GroupBy,
    GroupFigures,
    Step,
    decision_lag,
    hour_ends,
    percentile,
)
from stageterm.domain.model import Location, LocationKind, UnitState
from stageterm.services.report import Report
from stageterm.store import tasks as task_reads
from stageterm.store.engine import Store
from stageterm.store.tables import EVENTS, LOCATIONS, UNITS, location_from, to_utc

# -- the pure part (domain/metrics.py) -------------------------------------------------------


class Stay(NamedTuple):
    """A unit's time at one staging place. `start` None: it was already there when the
    log's window began and the event that put it there is still to be looked up; `end`
    None: it is still there."""

    unit: str
    place: str
    start: int | None
    end: int | None
    fact: str | None = None


def trace_stays(steps: Iterable[Step]) -> list[Stay]:
    """Every stay the steps (in the log's order) show, still-open ones last."""
    where: dict[str, tuple[str, int | None, str | None]] = {}  # unit -> (place, start, fact)
    seen: set[str] = set()
    stays: list[Stay] = []
    for unit, at, before, after, fact in steps:
        if unit not in seen:
            seen.add(unit)
            if before is not None:
                where[unit] = (before, None, fact)
        current = where.get(unit)
        if current is not None:
            place, start, began_with = current
            if place == after:
                continue
            del where[unit]
            stays.append(Stay(unit, place, start, at, began_with))
        if after is not None:
            where[unit] = (after, at, fact)
    stays.extend(
        Stay(unit, place, start, None, fact) for unit, (place, start, fact) in where.items()
    )
    return stays


def with_starts(stays: Iterable[Stay], starts: Mapping[str, int]) -> list[Stay]:
    """Stays with their unknown starts filled in; a stay whose start is not there is dropped."""
    filled = []
    for stay in stays:
        if stay.start is None:
            start = starts.get(stay.unit)
            if start is None:
                continue
            stay = stay._replace(start=start)
        filled.append(stay)
    return filled


def stay_group(by: GroupBy, stay: Stay, places: Mapping[str, Location]) -> str | None:
    if by is GroupBy.LANE:
        return stay.place
    if stay.fact is not None:
        return stay.fact
    place = places.get(stay.place)
    return getattr(place, by.value) if place is not None else None


def group_figures(
    stays: Iterable[Stay],
    *,
    since: int,
    until: int,
    by: GroupBy,
    places: Mapping[str, Location],
    hours: Sequence[int] = (),
) -> list[GroupFigures]:
    groups: dict[str | None, list[Stay]] = {}
    for stay in stays:
        groups.setdefault(stay_group(by, stay, places), []).append(stay)
    figures = []
    for key in sorted(groups, key=lambda k: (k is None, k or "")):
        dwells: list[int] = []
        spans: list[tuple[int, int | None]] = []
        still = now = 0
        for _, _, start, end, _ in groups[key]:
            assert start is not None, "fill in starts first (with_starts)"
            if end is None:
                now += 1
            if start >= until or (end is not None and end < since):
                continue
            if end is None or end > until:
                still += 1
                end_in_window = until
            else:
                end_in_window = end
            dwells.append(max(0, end_in_window - start))
            spans.append((start, end))
        dwells.sort()
        p50, p90 = percentile(dwells, 50, ordered=True), percentile(dwells, 90, ordered=True)
        figures.append(
            GroupFigures(
                key=key,
                stays=len(dwells),
                open=still,
                dwell_p50_s=None if p50 is None else int(p50),
                dwell_p90_s=None if p90 is None else int(p90),
                dwell_max_s=dwells[-1] if dwells else None,
                units_now=now,
                series=buffer_series(spans, hours),
                dwells=dwells,
            )
        )
    return figures


def buffer_series(
    spans: Iterable[tuple[int, int | None]], hours: Sequence[int]
) -> list[tuple[int, int]]:
    if not hours:
        return []
    first, count = hours[0], len(hours)
    change = [0] * (count + 1)
    for start, end in spans:
        begin = max(0, -((first - start) // 3600))
        stop = count if end is None else min(count, -((first - end) // 3600))
        if begin < stop:
            change[begin] += 1
            change[stop] -= 1
    series, running = [], 0
    for i, h in enumerate(hours):
        running += change[i]
        series.append((h, running))
    return series


# -- the reads (store/stays.py) -------------------------------------------------------------

STAY_KINDS = (LocationKind.LANE, LocationKind.KITTING, LocationKind.BUFFER)
_STAGED = UnitState.STAGED.value
_E = EVENTS.c
_BEFORE = case((_E.from_state == _STAGED, _E.from_location))
_AFTER = case((func.coalesce(_E.to_state, _E.from_state) == _STAGED, _E.to_location))
_FACT = {GroupBy.CUSTOMER: _E.customer, GroupBy.ROUTE: _E.route, GroupBy.WORK_ORDER: _E.work_order}


def _epoch(column: ColumnElement[Any]) -> ColumnElement[int]:
    return cast(extract("epoch", column), Integer)


def staging_places(session: Session) -> dict[str, Location]:
    stmt = select(LOCATIONS).where(LOCATIONS.c.kind.in_([k.value for k in STAY_KINDS]))
    return {row.code: location_from(row) for row in session.connection().execute(stmt)}


def steps(session: Session, since: datetime, by: GroupBy) -> Iterator[Step]:
    fact = _FACT.get(by)
    stmt = (
        select(
            _E.unit,
            _epoch(_E.occurred_at),
            _BEFORE,
            _AFTER,
            fact if fact is not None else null(),
        )
        .where(_E.occurred_at >= to_utc(since), _BEFORE.is_distinct_from(_AFTER))
        .order_by(_E.seq)
    )
    yield from session.connection().execution_options(yield_per=10_000).execute(stmt)


def arrivals(session: Session, units: Iterable[str], before: datetime) -> dict[str, int]:
    wanted = sorted(set(units))
    found: dict[str, int] = {}
    for i in range(0, len(wanted), 500):
        stmt = (
            select(_E.unit, _epoch(func.max(_E.occurred_at)))
            .where(
                _E.unit.in_(wanted[i : i + 500]),
                _E.occurred_at < to_utc(before),
                _AFTER.is_not(None),
                _BEFORE.is_distinct_from(_AFTER),
            )
            .group_by(_E.unit)
        )
        found.update((unit, int(at)) for unit, at in session.connection().execute(stmt))
    return found


def staged_units(session: Session) -> list[tuple[str, str, int]]:
    stmt = (
        select(UNITS.c.code, UNITS.c.location, _epoch(UNITS.c.staged_at))
        .join(LOCATIONS, LOCATIONS.c.code == UNITS.c.location)
        .where(
            UNITS.c.state == _STAGED,
            UNITS.c.staged_at.is_not(None),
            LOCATIONS.c.kind.in_([k.value for k in STAY_KINDS]),
        )
    )
    return [(code, place, int(at)) for code, place, at in session.connection().execute(stmt)]


# -- the use case (services/report.py) ------------------------------------------------------


def build(store: Store, since: datetime, until: datetime, by: GroupBy | str) -> Report:
    """StagingReport.build as it was, for a valid window (since < until, both aware)."""
    by = GroupBy(by)
    start, end = int(since.timestamp()), int(until.timestamp())
    with store.read() as session:
        places = staging_places(session)
        traced = trace_stays(steps(session, since, by))
        carried_in = {s.unit for s in traced if s.start is None}
        starts = arrivals(session, carried_in, since) if carried_in else {}
        seen = {s.unit for s in traced}
        untouched = [
            Stay(unit, place, staged_at, None)
            for unit, place, staged_at in staged_units(session)
            if unit not in seen
        ]
        lag_pairs = task_reads.decision_lag_pairs(session, since, until)
    offset = until.utcoffset()
    groups = group_figures(
        with_starts(traced, starts) + untouched,
        since=start,
        until=end,
        by=by,
        places=places,
        hours=hour_ends(start, end, int(offset.total_seconds()) if offset else 0),
    )
    lag_p50, lag_p90 = decision_lag(lag_pairs)
    return Report(since, until, by, groups, lag_p50, lag_p90)
