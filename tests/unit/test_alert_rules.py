"""The alert rules (domain/alerts.py): pure, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from stageterm.domain.alerts import AlertKind, LaneFigures, OrderFigures, lane_alerts, order_alerts

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OLD = 8 * 3600


def test_a_lane_is_old_from_the_moment_its_oldest_unit_passes_the_threshold() -> None:
    staged = NOW - timedelta(seconds=OLD)
    assert lane_alerts([LaneFigures("L-1", 1, None, staged + timedelta(seconds=1))], NOW, OLD) == []
    [alert] = lane_alerts([LaneFigures("L-1", 1, None, staged)], NOW, OLD)
    assert alert.kind is AlertKind.LANE_OLD and alert.subject == "L-1"
    assert alert.since == NOW and alert.key == "lane-old:L-1"


def test_an_empty_lane_is_never_old_and_a_full_one_is_not_over() -> None:
    assert (
        lane_alerts([LaneFigures("L-1", 0, 2, None), LaneFigures("L-2", 2, 2, NOW)], NOW, OLD) == []
    )
    [over] = lane_alerts([LaneFigures("L-2", 3, 2, NOW)], NOW, OLD)
    assert over.kind is AlertKind.OVER_CAPACITY and over.since is None
    assert over.message == "Lane L-2: 3 units, capacity 2."


def _order(due_in_min: float, needed: int = 10, staged: int = 0, waiting: int = 0) -> OrderFigures:
    return OrderFigures(
        "SO-1", "ACME", NOW + timedelta(minutes=due_in_min), needed, staged, waiting
    )


def test_an_order_is_at_risk_inside_the_window_until_all_of_it_is_staged() -> None:
    window = 3600
    assert order_alerts([_order(61)], NOW, window) == []
    [risk] = order_alerts([_order(60)], NOW, window)
    assert risk.since == NOW and risk.message == "Order SO-1 (ACME) due 10:00: 0 of 10 staged."
    assert order_alerts([_order(30, staged=10)], NOW, window) == []
    # All the quantity is there, but one of its units still waits in storage.
    assert order_alerts([_order(30, staged=10, waiting=1)], NOW, window) != []
    [late] = order_alerts([_order(-5, staged=4)], NOW, window)
    assert "overdue since 08:55: 4 of 10" in late.message
