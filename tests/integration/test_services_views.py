"""What leads watch: lane queues, lane detail, a unit's history, kitting progress, health.

On a SQLite file and on PostgreSQL. F-06 was received straight into L-OPEN twelve hours
before FIXED_NOW; everything else starts in storage.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from integration.helpers import all_units, assert_projection_is_replay
from stageterm.domain.model import EventType
from stageterm.services.results import Outcome
from stageterm.services.site import Site

QUEUE_KEYS = {
    "lane",
    "customer",
    "route",
    "carrier",
    "units",
    "quantity",
    "capacity",
    "oldest_dwell_s",
}
TWELVE_HOURS = 12 * 3600


@pytest.fixture
def staged_morning(services: Site, clock) -> Site:  # type: ignore[no-untyped-def]
    """U-01 then U-03 into L-ACME-N, U-09 into L-BOLT-S, ten minutes apart; then ten more minutes."""
    for unit, lane in (("U-01", "L-ACME-N"), ("U-03", "L-ACME-N"), ("U-09", "L-BOLT-S")):
        assert services.moves.move(unit, lane, "1001").outcome is Outcome.MOVED
        clock.advance(minutes=10)
    return services


def test_queue_by_route(staged_morning: Site) -> None:
    rows = [q.as_json() for q in staged_morning.views.queue(by="route")]
    assert all(set(row) == QUEUE_KEYS for row in rows)
    assert [(r["route"], r["lane"]) for r in rows] == [
        ("NORTH", "L-ACME-N"),
        ("NORTH", "L-NORTH"),
        ("SOUTH", "L-BOLT-S"),
        (None, "L-OPEN"),  # lanes without the key come last
    ]
    by_lane = {r["lane"]: r for r in rows}
    assert by_lane["L-ACME-N"] == {
        "lane": "L-ACME-N",
        "customer": "ACME",
        "route": "NORTH",
        "carrier": None,
        "units": 2,
        "quantity": 80,
        "capacity": 2,
        "oldest_dwell_s": 30 * 60,
    }
    assert (by_lane["L-BOLT-S"]["units"], by_lane["L-BOLT-S"]["oldest_dwell_s"]) == (1, 10 * 60)
    assert (by_lane["L-NORTH"]["units"], by_lane["L-NORTH"]["oldest_dwell_s"]) == (0, None)
    assert (by_lane["L-OPEN"]["units"], by_lane["L-OPEN"]["oldest_dwell_s"]) == (
        1,
        TWELVE_HOURS + 30 * 60,
    )


def test_queue_by_customer(staged_morning: Site) -> None:
    rows = staged_morning.views.queue(by="customer")
    assert [(q.lane.customer, q.lane.code) for q in rows] == [
        ("ACME", "L-ACME-N"),
        ("BOLT", "L-BOLT-S"),
        (None, "L-NORTH"),
        (None, "L-OPEN"),
    ]


def test_queue_shows_capacity_use_and_the_earliest_due_order(
    staged_morning: Site, fixed_now
) -> None:  # type: ignore[no-untyped-def]
    lane = {q.lane.code: q for q in staged_morning.views.queue()}["L-ACME-N"]
    assert lane.capacity_use == 1.0
    assert lane.earliest_due == fixed_now + timedelta(hours=2)  # SO-1


def test_queue_follows_moves_out_of_lanes(staged_morning: Site) -> None:
    staged_morning.moves.load("U-01", "D-N", "1001")
    staged_morning.quality.hold("U-03", "1001")  # held, but still physically waiting in the lane
    lane = {q.lane.code: q for q in staged_morning.views.queue()}["L-ACME-N"]
    assert (lane.units, lane.quantity) == (1, 40)


def test_queue_refuses_an_unknown_grouping(services: Site) -> None:
    with pytest.raises(ValueError, match="customer, route or carrier"):
        services.views.queue(by="item")


def test_lane_detail_lists_units_oldest_first_with_dwell_and_order(
    staged_morning: Site,
) -> None:
    found = staged_morning.views.lane("L-ACME-N")
    assert found is not None
    lane, units = found
    assert (lane.customer, lane.route, lane.capacity) == ("ACME", "NORTH", 2)
    assert [(s.unit.code, s.dwell_s, s.order.ref if s.order else None) for s in units] == [
        ("U-01", 30 * 60, "SO-1"),
        ("U-03", 20 * 60, "SO-1"),
    ]
    assert staged_morning.views.lane("L-NORTH") == (staged_morning.views.location("L-NORTH"), [])
    assert staged_morning.views.lane("NOWHERE") is None


def test_unit_detail_has_its_place_order_dwell_and_history(staged_morning: Site) -> None:
    staged_morning.quality.hold("U-01", "1002", "check label")
    detail = staged_morning.views.unit_detail("U-01")
    assert detail is not None
    assert (detail.unit.code, detail.location.code, detail.order.ref) == (
        "U-01",
        "L-ACME-N",
        "SO-1",
    )  # type: ignore[union-attr]
    assert detail.dwell_s == 30 * 60
    assert [(e.type, e.operator) for e in detail.history] == [
        (EventType.RECEIVE, None),
        (EventType.STAGE, "1001"),
        (EventType.HOLD, "1002"),
    ]
    assert [e.seq for e in detail.history] == sorted(e.seq for e in detail.history)  # type: ignore[type-var]
    assert staged_morning.views.unit_detail("U-404") is None


def test_unit_detail_of_a_stored_unit_has_no_dwell(services: Site) -> None:
    detail = services.views.unit_detail("U-02")
    assert detail is not None
    assert (detail.dwell_s, detail.location.kind.value) == (None, "storage")  # type: ignore[union-attr]


def test_kitting_progress_required_against_staged(services: Site) -> None:
    progress = {p.order.ref: p for p in services.views.kitting()}
    assert list(progress) == ["WO-1"]
    wo = progress["WO-1"]
    assert {(line.item, line.required, line.staged, line.short) for line in wo.lines} == {
        ("C-1", 50, 0, 50),
        ("C-2", 10, 0, 10),
    }
    services.moves.move("C-01", "KIT-A", "1002")
    services.moves.move("C-03", "KIT-A", "1002")
    services.moves.move("C-02", "KIT-A", "1002", quantity=20)
    wo = {p.order.ref: p for p in services.views.kitting()}["WO-1"]
    assert {(line.item, line.staged, line.short) for line in wo.lines} == {
        ("C-1", 50, 0),
        ("C-2", 8, 2),
    }
    assert not wo.complete


def test_kitting_counts_only_the_work_orders_own_areas(services: Site) -> None:
    services.moves.move("C-01", "KIT-FREE", "1002")  # staged, but not for WO-1
    wo = {p.order.ref: p for p in services.views.kitting()}["WO-1"]
    assert {line.item: line.staged for line in wo.lines} == {"C-1": 0, "C-2": 0}


def test_health_counts_staged_units_and_long_waits(staged_morning: Site) -> None:
    staged_morning.moves.move("C-03", "KIT-A", "1002")
    health = staged_morning.views.health(threshold_s=25 * 60)
    assert health.staged_units == 5  # U-01, U-03, U-09, F-06 and the kit
    assert health.over_threshold == 2  # U-01 (30 min) and F-06 (12 h)
    assert health.dwell_by_lane["L-ACME-N"] == (20 * 60, 30 * 60)
    assert health.dwell_by_lane["KIT-A"] == (0, 0)
    assert "L-NORTH" not in health.dwell_by_lane  # empty lanes have no percentiles


def test_views_move_with_the_clock(staged_morning: Site, clock) -> None:  # type: ignore[no-untyped-def]
    clock.advance(hours=1)
    lane = {q.lane.code: q for q in staged_morning.views.queue()}["L-ACME-N"]
    assert lane.oldest_dwell_s == 90 * 60


def test_the_demo_site_gives_leads_something_real_to_watch(seeded_store, fixed_now) -> None:  # type: ignore[no-untyped-def]
    services = Site(seeded_store, clock=lambda: fixed_now)
    units = all_units(seeded_store)
    assert len([u for u in units.values() if not u.parent]) == 200
    qualities = {u.quality.value for u in units.values()}
    assert {"released", "quarantine", "hold"} <= qualities
    assert any(u.expiry and u.expiry < fixed_now.date() for u in units.values())  # some expired
    expiries_by_item: dict[str, set[object]] = {}
    for u in units.values():
        expiries_by_item.setdefault(u.item, set()).add(u.expiry)
    assert any(len(e) > 1 for e in expiries_by_item.values())  # FEFO has something to say

    lanes = services.views.queue(by="customer")
    assert len(lanes) == 12
    assert {q.lane.customer for q in lanes} == {"ACME", "BOLT", "CORA", None}
    assert {q.lane.route for q in lanes} == {"NORTH", "SOUTH", "EAST", "WEST"}
    staged = [q for q in lanes if q.units]
    assert len(staged) >= 6 and all(q.oldest_dwell_s and q.oldest_dwell_s > 0 for q in staged)
    kits = {p.order.ref: p for p in services.views.kitting()}
    assert set(kits) == {"WO-5001", "WO-5002"}
    assert any(line.staged for p in kits.values() for line in p.lines)
    roles = {services.accounts.operator(b).role.value for b in ("1001", "2001", "3001", "9001")}  # type: ignore[union-attr]
    assert roles == {"operator", "lead", "quality", "admin"}
    assert_projection_is_replay(seeded_store)
