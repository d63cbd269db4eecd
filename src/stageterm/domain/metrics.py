"""Dwell time, buffer size and lane health: the numbers that tell whether staging flows.

Also stays (a unit's time at one staging place) traced from the event log, and the
figures `stageterm report` gives per lane, customer, route or work order."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

from stageterm.domain.model import Location


def dwell_seconds(staged_at: datetime | None, now: datetime) -> int | None:
    """Whole seconds a unit has waited where it is staged; None when it is not staged."""
    if staged_at is None:
        return None
    return max(0, int((now - staged_at).total_seconds()))


def percentile(values: Sequence[float], pct: float, *, ordered: bool = False) -> float | None:
    """Nearest-rank percentile (pct in 0..100); None for no values. `ordered`: the values
    are sorted already (a report sorts each group's dwell once for three figures)."""
    if not values:
        return None
    if not ordered:
        values = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(values)))
    return values[rank - 1]


class Aging(StrEnum):
    """How long the oldest unit of a lane has waited, in words (never colour alone)."""

    FRESH = "ok"
    AGING = "aging"
    OLD = "old"


@dataclass(frozen=True, slots=True)
class AgingThresholds:
    aging_s: int = 2 * 3600
    old_s: int = 8 * 3600

    def classify(self, dwell_s: int | None) -> Aging:
        if dwell_s is None or dwell_s < self.aging_s:
            return Aging.FRESH
        if dwell_s < self.old_s:
            return Aging.AGING
        return Aging.OLD


def capacity_use(units: int, capacity: int | None) -> float | None:
    """Share of a lane's capacity in use (1.0 is full); None when the lane has no capacity."""
    if not capacity:
        return None
    return units / capacity


def format_dwell(seconds: int | None) -> str:
    """Short dwell for narrow screens: 45s, 12m, 3h05, 2d04."""
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}"
    return f"{seconds // 86400}d{seconds % 86400 // 3600:02d}"


# -- stays: a unit's time at one staging place, from the event log ---------------------------
#
# Times here are whole seconds since the epoch (UTC): the report reads a month of events,
# and integers are what the database can hand over cheaply (SPEC §10: 1M events in 2 s).

# One event as stays see it: (unit, at, before, after, fact). `before` and `after` are the
# staging place (lane, kitting area, buffer) the unit was at before and after the event, or
# None when it was not staged; `fact` is the event's own value for the report's grouping
# (its customer, route or work order as they were then), or None.
Step = tuple[str, int, str | None, str | None, str | None]


class Stay(NamedTuple):
    """A unit's time at one staging place. `start` None: it was already there when the
    log's window began and the event that put it there is still to be looked up; `end`
    None: it is still there. (A named tuple: a month's report makes ~400,000 of them.)"""

    unit: str
    place: str
    start: int | None
    end: int | None
    fact: str | None = None


def trace_stays(steps: Iterable[Step]) -> list[Stay]:
    """Every stay the steps (in the log's order) show, still-open ones last.

    An event whose `after` differs from where the unit is ends its stay there and, when
    `after` is a place, begins one; a hold, a release or a split leaves the unit where it
    is (their before and after are the same) and ends nothing. A unit first seen leaving
    a place (its first event's `before`) was already there: that stay's start is None,
    and its fact is that first event's (the one that began it is before the steps).
    """
    where: dict[str, tuple[str, int | None, str | None]] = {}  # unit -> (place, start, fact)
    seen: set[str] = set()
    stays: list[Stay] = []
    # The hot loop of a month's report (~650,000 steps): locals, and Stays built by
    # tuple.__new__ (a third of the NamedTuple constructor's cost).
    new, append, get = tuple.__new__, stays.append, where.get
    for unit, at, before, after, fact in steps:
        if unit not in seen:
            seen.add(unit)
            if before is not None:
                where[unit] = (before, None, fact)
        current = get(unit)
        if current is not None:
            place, start, began_with = current
            if place == after:
                continue
            del where[unit]
            append(new(Stay, (unit, place, start, at, began_with)))
        if after is not None:
            where[unit] = (after, at, fact)
    stays.extend(
        new(Stay, (unit, place, start, None, fact)) for unit, (place, start, fact) in where.items()
    )
    return stays


def with_starts(stays: Iterable[Stay], starts: Mapping[str, int]) -> list[Stay]:
    """Stays with their unknown starts filled in from `starts` (unit -> when the event
    that put it there happened). A stay whose start is not there is dropped: the unit
    never arrived there by an event of its own (the child of a split made where its parent
    stood)."""
    filled = []
    for stay in stays:
        if stay.start is None:
            start = starts.get(stay.unit)
            if start is None:
                continue
            stay = stay._replace(start=start)
        filled.append(stay)
    return filled


class GroupBy(StrEnum):
    """What the report sums stays by."""

    LANE = "lane"
    CUSTOMER = "customer"
    ROUTE = "route"
    WORK_ORDER = "work_order"


def stay_group(by: GroupBy, stay: Stay, places: Mapping[str, Location]) -> str | None:
    """The group of a stay: its place's code for `lane`; else the event's own fact (the
    customer, route or work order it was judged on), falling back to the place's master
    data now; None when neither says."""
    if by is GroupBy.LANE:
        return stay.place
    if stay.fact is not None:
        return stay.fact
    place = places.get(stay.place)
    return getattr(place, by.value) if place is not None else None


@dataclass(frozen=True, slots=True)
class GroupFigures:
    """One group's staging health over a window."""

    key: str | None
    stays: int  # stays at some time in the window, open or not
    open: int  # of them, still there at the window's end
    dwell_p50_s: int | None
    dwell_p90_s: int | None
    dwell_max_s: int | None
    units_now: int  # units staged in the group when the report is made
    series: list[tuple[int, int]]  # (hour's end, units staged then)
    dwells: list[int]  # every stay's dwell, ascending (for the distribution plot)


def hour_ends(since: int, until: int, utc_offset_s: int = 0) -> list[int]:
    """The local clock's full hours after `since` up to and including `until`."""
    first = (since + utc_offset_s) // 3600 * 3600 + 3600 - utc_offset_s
    return list(range(first, until + 1, 3600))


def group_figures(
    stays: Iterable[Stay],
    *,
    since: int,
    until: int,
    by: GroupBy,
    places: Mapping[str, Location],
    hours: Sequence[int] = (),
) -> list[GroupFigures]:
    """Per group, ordered by key (None last): the stays in the window [since, until], how
    many are still open at `until`, dwell percentiles (an open stay dwells to `until`),
    units staged now (stays with no end) and the units staged at each of `hours`.

    Every stay's start must be known (`with_starts`). A stay is in the window when it
    began before `until` and had not ended before `since`.
    """
    groups: dict[str | None, list[Stay]] = {}
    keys: dict[tuple[str, str | None], str | None] = {}  # (place, fact) -> group, worked out once
    for stay in stays:
        key: str | None = stay.place
        if by is not GroupBy.LANE:
            pair = (stay.place, stay.fact)
            if pair not in keys:
                keys[pair] = stay_group(by, stay, places)
            key = keys[pair]
        group = groups.get(key)
        if group is None:
            group = groups[key] = []
        group.append(stay)
    figures = []
    for key in sorted(groups, key=lambda k: (k is None, k or "")):
        # One pass a group, tuples unpacked: ~400,000 stays in a month's report.
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
        figures.append(
            GroupFigures(
                key=key,
                stays=len(dwells),
                open=still,
                dwell_p50_s=_int(percentile(dwells, 50, ordered=True)),
                dwell_p90_s=_int(percentile(dwells, 90, ordered=True)),
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
    """Units staged at each moment in `hours` (ascending, one hour apart): a span
    (start, end) counts at h when start <= h < end (end None: still there)."""
    if not hours:
        return []
    first, count = hours[0], len(hours)
    change = [0] * (count + 1)
    for start, end in spans:
        # The first hour at or after start, and at or after end, as indexes into `hours`.
        begin = -((first - start) // 3600)
        if begin < 0:
            begin = 0
        stop = count if end is None else -((first - end) // 3600)
        if stop > count:
            stop = count
        if begin < stop:
            change[begin] += 1
            change[stop] -= 1
    series, running = [], 0
    for i, h in enumerate(hours):
        running += change[i]
        series.append((h, running))
    return series


# Bars for a sparkline of the buffer: blocks, or ASCII for terminal clients without them.
SPARK = "▁▂▃▄▅▆▇█"
SPARK_ASCII = "_.-=+*#@"


def sparkline(values: Sequence[int], bars: str = SPARK) -> str:
    """One character per value, scaled to the largest; a zero is the lowest bar."""
    top = max(values, default=0)
    if top == 0:
        return bars[0] * len(values)
    return "".join(bars[min(len(bars) - 1, v * (len(bars) - 1) // top)] for v in values)


def decision_lag(pairs: Iterable[tuple[datetime, datetime]]) -> tuple[int | None, int | None]:
    """The site's decision lag (SPEC §6a), p50 and p90 in seconds: for each order change,
    the time from the change arriving to the move that corrected its unit. None, None when
    there is nothing to measure."""
    lags = sorted(max(0, int((moved - changed).total_seconds())) for changed, moved in pairs)
    return _int(percentile(lags, 50)), _int(percentile(lags, 90))


def _int(value: float | None) -> int | None:
    return None if value is None else int(value)
