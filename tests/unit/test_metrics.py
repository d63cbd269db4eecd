"""Dwell, percentiles, aging words, capacity use, the short dwell a handheld shows, and
stays traced from the event log with the report's figures per group."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stageterm.domain.metrics import (
    Aging,
    AgingThresholds,
    GroupBy,
    Stay,
    capacity_use,
    decision_lag,
    dwell_seconds,
    format_dwell,
    group_figures,
    hour_ends,
    percentile,
    sparkline,
    trace_stays,
    with_starts,
)
from stageterm.domain.model import Location, LocationKind

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=1)))


def test_dwell_is_whole_seconds_since_staging() -> None:
    assert dwell_seconds(NOW - timedelta(minutes=12, seconds=30.9), NOW) == 750


def test_dwell_compares_instants_not_wall_clocks() -> None:
    staged_in_utc = (NOW - timedelta(hours=2)).astimezone(UTC)
    assert dwell_seconds(staged_in_utc, NOW) == 7200


def test_no_dwell_for_a_unit_not_staged() -> None:
    assert dwell_seconds(None, NOW) is None


def test_dwell_never_goes_negative_when_a_terminal_clock_runs_ahead() -> None:
    assert dwell_seconds(NOW + timedelta(seconds=40), NOW) == 0


@pytest.mark.parametrize(
    ("values", "pct", "expected"),
    [
        ([10, 20, 30, 40], 50, 20),
        ([10, 20, 30, 40], 90, 40),
        ([40, 10, 30, 20], 50, 20),  # order of input does not matter
        ([5], 90, 5),
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90, 9),
        ([1, 2, 3], 0, 1),
        ([1, 2, 3], 100, 3),
    ],
)
def test_nearest_rank_percentile(values: list[float], pct: float, expected: float) -> None:
    assert percentile(values, pct) == expected


def test_percentile_of_nothing_is_none() -> None:
    assert percentile([], 50) is None


@given(st.lists(st.integers(0, 10**6), min_size=1), st.floats(0, 100))
def test_percentile_is_one_of_the_values_and_monotone(values: list[int], pct: float) -> None:
    p = percentile(values, pct)
    assert p in values
    assert percentile(values, 0) <= p <= percentile(values, 100)  # type: ignore[operator]


@pytest.mark.parametrize(
    ("dwell", "aging"),
    [
        (None, Aging.FRESH),
        (0, Aging.FRESH),
        (7199, Aging.FRESH),
        (7200, Aging.AGING),
        (28799, Aging.AGING),
        (28800, Aging.OLD),
    ],
)
def test_aging_words(dwell: int | None, aging: Aging) -> None:
    assert AgingThresholds().classify(dwell) is aging


def test_aging_thresholds_are_configurable() -> None:
    assert AgingThresholds(aging_s=60, old_s=120).classify(90) is Aging.AGING


def test_aging_is_said_in_words() -> None:
    # Meaning never by colour alone: each level has a word a monochrome screen can show.
    assert {a.value for a in Aging} == {"ok", "aging", "old"}


@pytest.mark.parametrize(
    ("units", "capacity", "use"),
    [(4, 8, 0.5), (9, 8, 1.125), (0, 8, 0.0), (3, None, None), (3, 0, None)],
)
def test_capacity_use(units: int, capacity: int | None, use: float | None) -> None:
    assert capacity_use(units, capacity) == use


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (None, "-"),
        (0, "0s"),
        (45, "45s"),
        (60, "1m"),
        (12 * 60 + 59, "12m"),
        (3600, "1h00"),
        (3 * 3600 + 5 * 60, "3h05"),
        (86400 * 2 + 4 * 3600, "2d04"),
    ],
)
def test_short_dwell_for_narrow_screens(seconds: int | None, shown: str) -> None:
    assert format_dwell(seconds) == shown


@given(st.integers(0, 10**8))
def test_short_dwell_fits_five_columns(seconds: int) -> None:
    assert len(format_dwell(seconds)) <= 5 or seconds >= 100 * 86400


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


def test_decision_lag_is_change_to_correcting_move() -> None:
    base = datetime(2026, 3, 2, 8, tzinfo=UTC)
    pairs = [(base, base + timedelta(minutes=m)) for m in (10, 20, 30, 40, 50)]
    assert decision_lag(pairs) == (30 * 60, 50 * 60)


def test_no_order_changes_no_decision_lag() -> None:
    assert decision_lag([]) == (None, None)


def test_sparkline_scales_to_the_largest_and_has_an_ascii_form() -> None:
    assert sparkline([0, 1, 2, 4, 8]) == "▁▁▂▄█"
    assert sparkline([0, 0]) == "▁▁"
    assert sparkline([]) == ""
    assert sparkline([3, 6], "_.-=+*#@") == "=@"  # half of the top: bar 3 of 0..7
