"""Stays traced from the event log, and the report's figures per group.

Each scenario runs through both readings of the log: the product's, on columns
(services/stay_columns.py), and the step-by-step reference (tests/report_reference.py).
`trace_stays`, `with_starts` and `group_figures` below check that the two agree and give
the reference's answer to the scenario's own assertions.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import report_reference as reference
from report_reference import Stay
from stageterm.domain.metrics import GroupBy, GroupFigures, Step, hour_ends
from stageterm.domain.model import Location, LocationKind
from stageterm.services import stay_columns as columns
from stageterm.services.stay_columns import OPEN, Codes, Stays


def listed(
    stays: Stays, units: Codes, places: Codes, facts: Codes, *, start: bool = True
) -> list[Stay]:
    """Column stays as the reference's Stay tuples (no start: `start` False)."""
    return [
        Stay(
            units.names[u],
            places.names[p],
            s if start else None,
            None if e == OPEN else e,
            None if f < 0 else facts.names[f],
        )
        for u, p, s, e, f in zip(
            *(c.tolist() for c in (stays.unit, stays.place, stays.start, stays.end, stays.fact)),
            strict=True,
        )
    ]


def in_columns(stays: Sequence[Stay], units: Codes, places: Codes, facts: Codes) -> Stays:
    """The reference's Stay tuples as columns (an unknown start as 0)."""
    return Stays(
        units.column(stays, 0),
        places.column(stays, 1),
        np.array([s.start or 0 for s in stays], np.int64),
        np.array([OPEN if s.end is None else s.end for s in stays], np.int64),
        facts.column(stays, 4),
    )


def trace_stays(steps: Sequence[Step]) -> list[Stay]:
    expected = reference.trace_stays(steps)
    read = columns.read_steps([steps] if steps else [])
    begun, under_way = columns.trace(read)
    codes = (read.units, read.places, read.facts)
    got = listed(begun, *codes) + listed(under_way, *codes, start=False)
    assert Counter(got) == Counter(expected)
    return expected


def with_starts(stays: Sequence[Stay], starts: Mapping[str, int]) -> list[Stay]:
    expected = reference.with_starts(stays, starts)
    codes = (Codes(), Codes(), Codes())
    known = np.array([s.start is not None for s in stays], np.bool_)
    all_ = in_columns(stays, *codes)
    filled = columns.joined(all_[known], columns.with_starts(all_[~known], starts, codes[0]))
    assert Counter(listed(filled, *codes)) == Counter(expected)
    return expected


def group_figures(
    stays: Iterable[Stay],
    *,
    since: int,
    until: int,
    by: GroupBy,
    places: Mapping[str, Location],
    hours: Sequence[int] = (),
) -> list[GroupFigures]:
    stays = list(stays)
    expected = reference.group_figures(
        stays, since=since, until=until, by=by, places=places, hours=hours
    )
    units, codes, facts = Codes(), Codes(), Codes()
    got = columns.figures(
        in_columns(stays, units, codes, facts),
        codes,
        facts,
        since=since,
        until=until,
        by=by,
        masters=places,
        hours=hours,
    )
    assert got == expected
    return expected


# -- stays traced from the event log --------------------------------------------------------

H = 3600


def test_a_stay_runs_from_the_event_that_put_the_unit_there_to_the_one_that_took_it_away() -> None:
    steps = [("U1", 100, None, "L-01", None), ("U1", 400, "L-01", None, None)]  # stage, load
    assert trace_stays(steps) == [Stay("U1", "L-01", 100, 400)]


def test_a_move_between_lanes_ends_one_stay_and_begins_the_next() -> None:
    steps = [
        ("U1", 100, None, "L-01", "ACME"),
        ("U1", 250, "L-01", "L-02", "BOLT"),
        ("U1", 900, "L-02", None, None),
    ]
    assert trace_stays(steps) == [
        Stay("U1", "L-01", 100, 250, "ACME"),
        Stay("U1", "L-02", 250, 900, "BOLT"),
    ]


def test_a_stay_keeps_the_facts_of_the_event_that_began_it() -> None:
    # Staged before facts were kept with events; the load names a route: not this stay's.
    steps = [("U1", 100, None, "L-01", None), ("U1", 400, "L-01", None, "NORTH")]
    assert trace_stays(steps) == [Stay("U1", "L-01", 100, 400, None)]
    # Begun before the steps: the first event seen is all there is to go by.
    assert trace_stays([("U2", 50, "L-01", None, "SOUTH")]) == [
        Stay("U2", "L-01", None, 50, "SOUTH")
    ]


def test_a_stay_with_no_event_ending_it_is_open() -> None:
    steps = [("U1", 100, None, "L-01", None), ("U2", 150, None, "KIT-A", None)]
    assert trace_stays(steps) == [Stay("U1", "L-01", 100, None), Stay("U2", "KIT-A", 150, None)]


def test_an_undo_of_a_move_ends_the_new_stay_and_begins_another_at_the_old_place() -> None:
    steps = [
        ("U1", 100, None, "L-01", None),
        ("U1", 200, "L-01", "L-02", None),  # move
        ("U1", 230, "L-02", "L-01", None),  # undo: back where it was
    ]
    assert trace_stays(steps) == [
        Stay("U1", "L-01", 100, 200),
        Stay("U1", "L-02", 200, 230),
        Stay("U1", "L-01", 230, None),
    ]


def test_an_undone_issue_brings_the_unit_back_into_its_kitting_area() -> None:
    steps = [
        ("U1", 100, None, "KIT-A", None),
        ("U1", 300, "KIT-A", None, None),  # issue: the unit leaves staging where it stands
        ("U1", 320, None, "KIT-A", None),  # undo
    ]
    assert trace_stays(steps) == [Stay("U1", "KIT-A", 100, 300), Stay("U1", "KIT-A", 320, None)]


def test_a_split_leaves_the_parent_where_it_is_and_the_child_stays_only_where_it_moves() -> None:
    # The split itself changes no place, so it is no step; the child's first move comes from
    # where the parent stands. Its stay there has no start of its own, and no arrival is
    # found for it: it is dropped.
    steps = [
        ("P1", 100, None, "L-01", None),
        ("P1-1", 200, "L-01", "KIT-A", None),
    ]
    traced = trace_stays(steps)
    assert Stay("P1-1", "L-01", None, 200) in traced
    assert with_starts(traced, {}) == [
        Stay("P1", "L-01", 100, None),
        Stay("P1-1", "KIT-A", 200, None),
    ]


def test_a_unit_already_staged_when_the_window_began_gets_its_start_looked_up() -> None:
    traced = trace_stays([("U1", 500, "L-01", None, "ACME")])
    assert traced == [Stay("U1", "L-01", None, 500, "ACME")]
    assert with_starts(traced, {"U1": 40}) == [Stay("U1", "L-01", 40, 500, "ACME")]


def test_a_step_that_keeps_the_unit_where_it_is_ends_nothing() -> None:
    steps = [("U1", 100, None, "L-01", None), ("U1", 200, "L-01", "L-01", None)]
    assert trace_stays(steps) == [Stay("U1", "L-01", 100, None)]


def test_no_steps_no_stays() -> None:
    assert trace_stays([]) == []
    assert group_figures([], since=0, until=H, by=GroupBy.LANE, places={}) == []


PLACES = {
    "L-01": Location("L-01", LocationKind.LANE, customer="ACME", route="NORTH"),
    "L-02": Location("L-02", LocationKind.LANE, customer=None, route="SOUTH"),
    "KIT-A": Location("KIT-A", LocationKind.KITTING, work_order="WO-1"),
}


def figures(stays: list[Stay], since: int, until: int, by: GroupBy = GroupBy.LANE):  # type: ignore[no-untyped-def]
    return {
        g.key: g
        for g in group_figures(
            stays, since=since, until=until, by=by, places=PLACES, hours=hour_ends(since, until)
        )
    }


def test_window_edges_a_stay_counts_when_it_overlaps_the_window() -> None:
    since, until = 10 * H, 20 * H
    stays = [
        Stay("A", "L-01", 0, 9 * H),  # ended before the window: not counted
        Stay("B", "L-01", 5 * H, 12 * H),  # began before, ended inside: its whole dwell
        Stay("C", "L-01", 11 * H, 13 * H),  # inside
        Stay("D", "L-01", 19 * H, None),  # open at the end: dwells to until
        Stay("E", "L-01", 18 * H, 25 * H),  # ended after until: open at until
        Stay("F", "L-01", 21 * H, None),  # began after until: only in units_now
    ]
    g = figures(stays, since, until)["L-01"]
    assert (g.stays, g.open) == (4, 2)
    assert g.dwells == [1 * H, 2 * H, 2 * H, 7 * H]
    assert (g.dwell_p50_s, g.dwell_p90_s, g.dwell_max_s) == (2 * H, 7 * H, 7 * H)
    assert g.units_now == 2  # D and F have no end


def test_a_stay_that_ends_exactly_at_the_window_start_is_counted_and_closed() -> None:
    g = figures([Stay("A", "L-01", 0, 10 * H)], 10 * H, 20 * H)["L-01"]
    assert (g.stays, g.open, g.dwell_max_s) == (1, 0, 10 * H)


def test_the_buffer_series_counts_units_staged_at_each_hour_end() -> None:
    since, until = 0, 4 * H
    stays = [
        Stay("A", "L-01", 0, 2 * H),  # there at 1h; gone at 2h (it left at that instant)
        Stay("B", "L-01", 30 * 60, None),  # from 0:30 on
        Stay("C", "L-01", 3 * H, None),  # there at 3h (it arrived at that instant)
    ]
    g = figures(stays, since, until)["L-01"]
    assert g.series == [(H, 2), (2 * H, 1), (3 * H, 2), (4 * H, 2)]


def test_hour_ends_follow_the_local_clock() -> None:
    half_past = 9 * H + 30 * 60
    assert hour_ends(half_past, half_past + 2 * H) == [10 * H, 11 * H]
    # At +05:30 a local full hour is half past a UTC one.
    assert hour_ends(0, 2 * H, utc_offset_s=5 * H + 30 * 60) == [30 * 60, 90 * 60]
    assert hour_ends(10 * H, 10 * H + 60) == []


def test_groups_by_the_events_own_facts_before_the_places_master_data() -> None:
    stays = [
        Stay("A", "L-01", 0, H, "BOLT"),  # judged for BOLT then, whatever L-01 says now
        Stay("B", "L-01", 0, H),  # no fact kept: L-01's customer
        Stay("C", "L-02", 0, H),  # L-02 has no customer
        Stay("D", "GONE", 0, H),  # not a staging place any more: no customer known
    ]
    by_customer = figures(stays, 0, 2 * H, GroupBy.CUSTOMER)
    assert list(by_customer) == ["ACME", "BOLT", None]  # by key, None last
    assert by_customer[None].stays == 2
    assert list(figures(stays, 0, 2 * H, GroupBy.ROUTE)) == ["BOLT", "NORTH", "SOUTH", None]
    assert list(figures(stays, 0, 2 * H, GroupBy.LANE)) == ["GONE", "L-01", "L-02"]


def test_groups_by_work_order_from_the_kitting_area() -> None:
    stays = [Stay("A", "KIT-A", 0, None), Stay("B", "KIT-A", 0, None, "WO-9")]
    assert {k: g.stays for k, g in figures(stays, 0, H, GroupBy.WORK_ORDER).items()} == {
        "WO-1": 1,
        "WO-9": 1,
    }


def test_a_group_with_units_now_but_no_stay_in_a_past_window_is_listed() -> None:
    g = figures([Stay("A", "L-01", 30 * H, None)], 0, 10 * H)["L-01"]
    assert (g.stays, g.open, g.dwell_max_s, g.units_now) == (0, 0, None, 1)
    assert {s for _, s in g.series} == {0}


def test_dwell_never_goes_negative_when_clocks_disagree() -> None:
    g = figures([Stay("A", "L-01", 5 * H, 4 * H)], 0, 10 * H)["L-01"]
    assert g.dwell_max_s == 0


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["U1", "U2", "U3"]),
            st.integers(0, 20),
            st.sampled_from([None, "L-01", "L-02", "KIT-A"]),
        ),
        max_size=40,
    )
)
def test_stays_of_a_unit_never_overlap_and_only_its_last_is_open(
    moves: list[tuple[str, int, str | None]],
) -> None:
    # Build a consistent log: each step's before is where the unit was.
    where: dict[str, str | None] = {}
    steps, at = [], 0
    for unit, gap, after in moves:
        at += gap
        before = where.get(unit)
        if before != after:
            steps.append((unit, at, before, after, None))
            where[unit] = after
    stays = trace_stays(steps)
    for unit in {s.unit for s in stays}:
        mine = [s for s in stays if s.unit == unit]
        assert [s.end is None for s in mine].count(True) <= 1
        for a, b in itertools.pairwise(mine):
            # The log starts with every unit unstaged, so every start is known.
            assert a.end is not None and b.start is not None and a.end <= b.start
        assert (mine[-1].end is None) == (where[unit] is not None)
