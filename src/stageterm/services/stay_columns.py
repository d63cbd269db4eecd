"""Stays and the staging report's figures, worked out on columns (numpy arrays).

A month of a busy site is ~650,000 steps making ~400,000 stays (SPEC §10: the report in
2 s). A Python object and a few dict operations per step cost more than that budget, so
the steps are read into arrays, codes turned into small integers, and the stays, their
groups, the dwell percentiles and the hourly buffer are array operations; only each
group's figures become Python objects. (docs/performance.md, "Staging report", has what
was measured, including doing it all in SQL.)

What a stay is (SPEC §5): a unit's time at one staging place, from the step that put it
there to the step that took it away. A step is an event that changes where the unit is
staged: `before`/`after`, the place it was staged at before and after the event, differ.
Read in the log's order, a unit's step begins a stay at `after` and ends the one the unit
was in, unless `after` is where the unit already was (then it changes nothing). A unit
whose first step in the window leaves a place was already there: that stay's start is
looked up (`with_starts`). tests/report_reference.py says the same one step at a time;
the report is tested to give exactly what it gives.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import numpy as np
from numpy.typing import NDArray

from stageterm.domain.metrics import GroupBy, GroupFigures, Step, percentile
from stageterm.domain.model import Location

Ints = NDArray[np.int64]
NONE = -1  # the code of None: not staged, no fact
OPEN = 2**62  # the end of a stay still open: after any time a report asks about


class Codes(dict[str | None, int]):
    """Small integers for strings, given in the order the strings are first met; None is
    NONE. `names[code]` is the string again."""

    def __init__(self) -> None:
        super().__init__({None: NONE})
        self.names: list[str] = []

    @classmethod
    def of(cls, names: Sequence[str]) -> Codes:
        """Codes given to `names` in that order."""
        codes = cls()
        codes.names = list(names)
        codes.update((name, code) for code, name in enumerate(codes.names))
        return codes

    def __missing__(self, name: str) -> int:
        code = self[name] = len(self.names)
        self.names.append(name)
        return code

    def column(self, rows: Sequence[Sequence[Any]], field: int) -> Ints:
        """The codes of field `field` of every row. (No list of the field in between: this
        is the one pass over a month's 650,000 steps that runs Python per value.)"""
        codes = map(self.__getitem__, map(itemgetter(field), rows))
        return np.fromiter(codes, np.int64, len(rows))


@dataclass(frozen=True, slots=True)
class Steps:
    """A window's steps in the log's order, one array per field (places and facts coded)."""

    unit: Ints
    at: Ints  # whole seconds since the epoch
    before: Ints
    after: Ints
    fact: Ints  # the event's own customer, route or work order, for the report's grouping
    units: Codes
    places: Codes
    facts: Codes


def read_steps(chunks: Iterable[Sequence[Step]]) -> Steps:
    """Steps from rows (unit, at, before, after, fact), handed over a chunk at a time."""
    units, places, facts = Codes(), Codes(), Codes()
    parts: list[list[Ints]] = [[], [], [], [], []]
    for rows in chunks:
        parts[0].append(units.column(rows, 0))
        parts[1].append(np.fromiter(map(itemgetter(1), rows), np.int64, len(rows)))
        parts[2].append(places.column(rows, 2))
        parts[3].append(places.column(rows, 3))
        parts[4].append(facts.column(rows, 4))
    unit, at, before, after, fact = (
        np.concatenate(p) if p else np.empty(0, np.int64) for p in parts
    )
    return Steps(unit, at, before, after, fact, units, places, facts)


@dataclass(frozen=True, slots=True)
class Stays:
    """Stays as columns: unit and place coded as in their Steps; `end` OPEN when open."""

    unit: Ints
    place: Ints
    start: Ints
    end: Ints
    fact: Ints

    def __getitem__(self, rows: NDArray[np.bool_] | Ints) -> Stays:
        return Stays(
            self.unit[rows], self.place[rows], self.start[rows], self.end[rows], self.fact[rows]
        )


def trace(steps: Steps) -> tuple[Stays, Stays]:
    """(stays begun by a step, stays the units were in when the window began). The second
    have no start yet (`with_starts`); an end is OPEN where no step ended the stay."""
    # A unit's steps together, in the log's order (a stable sort keeps it within a unit).
    order = np.argsort(steps.unit, kind="stable")
    unit, at, before, after, fact = (
        column[order] for column in (steps.unit, steps.at, steps.before, steps.after, steps.fact)
    )
    first = np.ones(len(unit), np.bool_)
    first[1:] = unit[1:] != unit[:-1]
    # Where the unit was before each step: the previous step's `after`, or for its first
    # step in the window, that step's own `before`.
    was = np.empty_like(after)
    was[1:] = after[:-1]
    was[first] = before[first]
    moves = np.flatnonzero(after != was)  # the steps that change where the unit is
    moved = unit[moves]
    # A move ends the stay begun by the unit's move before it.
    end = np.full(len(moves), OPEN, np.int64)
    same = moved[1:] == moved[:-1]
    end[:-1][same] = at[moves[1:]][same]
    begun = after[moves] != NONE
    stays = Stays(moved, after[moves], at[moves], end, fact[moves])[begun]
    # Already staged when the window began: ended by the unit's first move, if it has one
    # (the first move at or after its first step; a unit code of -2 pads "none").
    arrived = np.flatnonzero(first & (before != NONE))
    nxt = np.searchsorted(moves, arrived)
    next_unit = np.append(moved, -2)[nxt]
    next_at = np.append(at[moves], OPEN)[nxt]
    under_way = Stays(
        unit[arrived],
        before[arrived],
        np.zeros(len(arrived), np.int64),
        np.where(next_unit == unit[arrived], next_at, OPEN),
        fact[arrived],
    )
    return stays, under_way


def with_starts(under_way: Stays, starts: Mapping[str, int], units: Codes) -> Stays:
    """Stays the units were in when the window began, with the start of each (when the
    event that put it there happened, from `starts` by unit code). A unit with no start
    there never arrived by an event of its own (the child of a split made where its parent
    stood): its stay is dropped."""
    found = [starts.get(units.names[u]) for u in under_way.unit.tolist()]
    known = np.array([s is not None for s in found], np.bool_)
    filled = under_way[known]
    return Stays(
        filled.unit,
        filled.place,
        np.array([s for s in found if s is not None], np.int64),
        filled.end,
        filled.fact,
    )


def staged_now(staged: Iterable[tuple[str, str, int]], units: Codes, places: Codes) -> Stays:
    """The open stays of units staged now that no step of the window moved, from each
    unit's own (unit, place, staged at); `staged` lists every unit staged now."""
    untouched = [(place, at) for unit, place, at in staged if unit not in units]
    count = len(untouched)
    return Stays(
        np.full(count, NONE, np.int64),  # no step of theirs: their code is never needed
        places.column(untouched, 0),
        np.array([at for _, at in untouched], np.int64),
        np.full(count, OPEN, np.int64),
        np.full(count, NONE, np.int64),
    )


def joined(*parts: Stays) -> Stays:
    return Stays(
        np.concatenate([p.unit for p in parts]),
        np.concatenate([p.place for p in parts]),
        np.concatenate([p.start for p in parts]),
        np.concatenate([p.end for p in parts]),
        np.concatenate([p.fact for p in parts]),
    )


def figures(
    stays: Stays,
    places: Codes,
    facts: Codes,
    *,
    since: int,
    until: int,
    by: GroupBy,
    masters: Mapping[str, Location],
    hours: Sequence[int] = (),
) -> list[GroupFigures]:
    """Per group, ordered by key (None last): the stays in the window [since, until], how
    many are still open at `until`, dwell percentiles (an open stay dwells to `until`),
    units staged now (stays with no end) and the units staged at each of `hours`.

    A stay is in the window when it began before `until` and had not ended before `since`.
    Its group: the place for `lane`; else the fact of the event that began it, or failing
    that the place's master data now (`masters`, the staging places by code).
    """
    keys, group = _groups(stays, places, facts, by, masters)
    count = len(keys)
    start, end = stays.start, stays.end
    now = np.bincount(group[end == OPEN], minlength=count)
    inside = (start < until) & (end >= since)
    group, start, end = group[inside], start[inside], end[inside]
    still = np.bincount(group[end > until], minlength=count)
    dwell = np.maximum(0, np.minimum(end, until) - start)
    # By group, then dwell: each group's dwells are one ascending slice.
    order = np.lexsort((dwell, group))
    group, start, end, dwell = group[order], start[order], end[order], dwell[order]
    bounds = np.searchsorted(group, np.arange(count + 1)).tolist()
    begin, stop = _hour_spans(start, end, hours)
    result = []
    for i, key in enumerate(keys):
        lo, hi = bounds[i], bounds[i + 1]
        dwells: list[int] = dwell[lo:hi].tolist()
        p50, p90 = percentile(dwells, 50, ordered=True), percentile(dwells, 90, ordered=True)
        result.append(
            GroupFigures(
                key=key,
                stays=hi - lo,
                open=int(still[i]),
                dwell_p50_s=None if p50 is None else int(p50),
                dwell_p90_s=None if p90 is None else int(p90),
                dwell_max_s=dwells[-1] if dwells else None,
                units_now=int(now[i]),
                series=_series(begin[lo:hi], stop[lo:hi], hours),
                dwells=dwells,
            )
        )
    return result


def _groups(
    stays: Stays, places: Codes, facts: Codes, by: GroupBy, masters: Mapping[str, Location]
) -> tuple[list[str | None], Ints]:
    """The groups' keys in the report's order, and each stay's group as an index into them."""
    if by is GroupBy.LANE:
        pair = stays.place
    else:  # (place, fact): a few thousand pairs at most, each looked up once
        pair = stays.place * (len(facts.names) + 1) + (stays.fact + 1)
    pairs, of_stay = np.unique(pair, return_inverse=True)
    named: list[str | None] = []
    for value in pairs.tolist():
        place, fact = divmod(value, len(facts.names) + 1) if by is not GroupBy.LANE else (value, 0)
        if fact:
            named.append(facts.names[fact - 1])
            continue
        code = places.names[place]
        master = masters.get(code)
        named.append(code if by is GroupBy.LANE else getattr(master, by.value, None))
    keys: list[str | None] = sorted(set(named), key=lambda k: (k is None, k or ""))
    index = {key: i for i, key in enumerate(keys)}
    return keys, np.array([index[k] for k in named], np.int64)[of_stay.reshape(-1)]


def _hour_spans(start: Ints, end: Ints, hours: Sequence[int]) -> tuple[Ints, Ints]:
    """For each stay, the first of `hours` at or after its start and at or after its end
    (as indexes; len(hours) for none): it counts at the hours in between."""
    if not hours:
        return start[:0], end[:0]
    first, count = hours[0], len(hours)
    begin = np.clip(-((first - start) // 3600), 0, count)
    stop = np.minimum(count, -((first - end) // 3600))
    return begin, stop


def _series(begin: Ints, stop: Ints, hours: Sequence[int]) -> list[tuple[int, int]]:
    """Units staged at each of `hours`: a stay counts at h when start <= h < end."""
    if not hours:
        return []
    count = len(hours)
    there = begin < stop
    change = np.bincount(begin[there], minlength=count + 1)
    change -= np.bincount(stop[there], minlength=count + 1)
    return list(zip(hours, np.cumsum(change[:count]).tolist(), strict=True))


def merged(parts: Sequence[Steps]) -> Steps:
    """Steps read in parts (consecutive stretches of the log, in its order) as one: the
    later parts' codes turned into the first's."""
    first = parts[0]
    units, places, facts = first.units, first.places, first.facts
    columns: list[list[Ints]] = [
        [first.unit],
        [first.at],
        [first.before],
        [first.after],
        [first.fact],
    ]
    for part in parts[1:]:
        unit_codes = _recoded(part.units, units)
        place_codes = _recoded(part.places, places)
        columns[0].append(unit_codes[part.unit])
        columns[1].append(part.at)
        columns[2].append(place_codes[part.before])
        columns[3].append(place_codes[part.after])
        columns[4].append(_recoded(part.facts, facts)[part.fact])
    unit, at, before, after, fact = (np.concatenate(column) for column in columns)
    return Steps(unit, at, before, after, fact, units, places, facts)


def _recoded(theirs: Codes, ours: Codes) -> Ints:
    """For each of `theirs` codes, `ours` for the same string; NONE (-1) stays NONE (the
    last element, which a code of -1 indexes)."""
    return np.array([ours[name] for name in theirs.names] + [NONE], np.int64)
