"""Dwell time, buffer size and lane health: the numbers that tell whether staging flows.

Also the types of `stageterm report`: a step of the event log, the groupings and one
group's figures. The stays and the figures themselves are worked out on columns
(services/stay_columns.py; tests/report_reference.py says the same one step at a time)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


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


class GroupBy(StrEnum):
    """What the report sums stays by."""

    LANE = "lane"
    CUSTOMER = "customer"
    ROUTE = "route"
    WORK_ORDER = "work_order"


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
