"""Dwell, percentiles, aging words, capacity use, the short dwell a handheld shows, the
decision lag and the buffer sparkline. (Stays and the report's figures: test_stays.py.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stageterm.domain.metrics import (
    Aging,
    AgingThresholds,
    capacity_use,
    decision_lag,
    dwell_seconds,
    format_dwell,
    percentile,
    sparkline,
)

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
