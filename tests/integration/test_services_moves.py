"""Moving material through the use cases, on a SQLite file and on PostgreSQL.

Stage, move, unstage, split for kitting, issue, load with the route check, approvals,
double scans and two terminals racing. Every refusal is checked to write nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest

from integration.helpers import all_units, assert_projection_is_replay, event_count
from stageterm.domain.model import EventType, Quality, UnitState
from stageterm.services.results import Outcome, Result
from stageterm.services.site import Site
from stageterm.store.engine import Store


@contextmanager
def writes_nothing(store: Store) -> Iterator[None]:
    """The block may answer anything, but the database is the same afterwards."""
    before = (event_count(store), all_units(store))
    yield
    assert (event_count(store), all_units(store)) == before


def moved(result: Result) -> Result:
    assert result.outcome is Outcome.MOVED, result
    assert result.event_id
    return result


def history_types(services: Site, code: str) -> list[str]:
    detail = services.views.unit_detail(code)
    assert detail is not None
    return [e.type.value for e in detail.history]


# -- stage, move, unstage ----------------------------------------------------------------------


def test_stage_a_released_unit_into_its_orders_lane(
    services: Site, site_store: Store, clock
) -> None:  # type: ignore[no-untyped-def]
    result = moved(services.moves.move("U-01", "L-ACME-N", "1001"))
    assert (result.unit, result.from_, result.to, result.code) == ("U-01", "S-01", "L-ACME-N", None)
    assert result.message == "Unit U-01 to L-ACME-N."

    unit = services.views.unit("U-01")
    assert unit is not None
    assert (unit.location, unit.state, unit.quality) == (
        "L-ACME-N",
        UnitState.STAGED,
        Quality.RELEASED,
    )
    assert unit.staged_at == clock()
    detail = services.views.unit_detail("U-01")
    assert detail is not None
    stage = detail.history[-1]
    assert (stage.type, stage.id, stage.operator, stage.terminal) == (
        EventType.STAGE,
        result.event_id,
        "1001",
        "T-1",
    )
    assert (stage.from_location, stage.to_location, stage.quantity) == ("S-01", "L-ACME-N", 40)
    # The event keeps the terminal's local offset as well as the instant.
    assert stage.occurred_at == clock()
    assert stage.occurred_at.utcoffset() == timedelta(hours=1)
    assert_projection_is_replay(site_store)


def test_move_between_lanes_restarts_the_dwell(services: Site, clock) -> None:  # type: ignore[no-untyped-def]
    moved(services.moves.move("U-01", "L-ACME-N", "1001"))
    later = clock.advance(minutes=25)
    result = moved(services.moves.move("U-01", "L-NORTH", "1002"))
    assert (result.from_, result.to) == ("L-ACME-N", "L-NORTH")
    unit = services.views.unit("U-01")
    assert unit is not None
    assert unit.location == "L-NORTH"
    assert unit.staged_at == later
    assert history_types(services, "U-01") == ["receive", "stage", "move"]


def test_unstage_goes_back_to_the_storage_it_came_from(services: Site, site_store: Store) -> None:
    moved(services.moves.move("U-01", "L-ACME-N", "1001"))
    moved(services.moves.move("U-01", "L-NORTH", "1001"))
    result = moved(services.moves.unstage("U-01", "1001"))
    assert result.to == "S-01"
    unit = services.views.unit("U-01")
    assert unit is not None
    assert (unit.location, unit.state, unit.staged_at) == ("S-01", UnitState.STORED, None)
    assert history_types(services, "U-01")[-1] == "unstage"
    assert_projection_is_replay(site_store)


def test_unstage_of_a_unit_never_staged_is_refused(services: Site, site_store: Store) -> None:
    with writes_nothing(site_store):
        result = services.moves.unstage("U-03", "1001")
    assert (result.outcome, result.code) == (Outcome.REFUSED, "not-staged")


def test_moving_to_another_storage_place_is_a_plain_move(services: Site) -> None:
    moved(services.moves.move("U-03", "S-01", "1001"))
    assert history_types(services, "U-03") == ["receive", "move"]
    unit = services.views.unit("U-03")
    assert unit is not None
    assert (unit.location, unit.state) == ("S-01", UnitState.STORED)


# -- refusals write nothing -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "to", "code", "words"),
    [
        ("U-04", "L-ACME-N", "not-released", "quarantine"),
        ("U-05", "L-ACME-N", "not-released", "hold"),
        ("U-06", "L-ACME-N", "not-released", "rejected"),
        ("U-07", "L-ACME-N", "expired", "2026-03-01"),
        ("NOPE", "L-ACME-N", "unknown-unit", "NOPE"),
        ("U-01", "L-99", "unknown-location", "L-99"),
        ("U-01", "LINE-1", "not-a-target", "LINE-1"),
        ("U-01", "D-N", "not-a-target", "load"),
        ("U-01", "Q-01", "not-a-target", "Q-01"),
    ],
)
def test_refused_moves_say_why_and_write_nothing(
    services: Site, site_store: Store, unit: str, to: str, code: str, words: str
) -> None:
    with writes_nothing(site_store):
        result = services.moves.move(unit, to, "1001")
    assert (result.outcome, result.code, result.event_id) == (Outcome.REFUSED, code, None)
    assert words in result.message


@pytest.mark.parametrize(("badge", "code"), [(None, "no-operator"), ("7777", "unknown-operator")])
def test_only_a_known_operator_moves_anything(
    services: Site, site_store: Store, badge: str | None, code: str
) -> None:
    with writes_nothing(site_store):
        result = services.moves.move("U-01", "L-ACME-N", badge)
    assert (result.outcome, result.code) == (Outcome.REFUSED, code)


def test_double_scan_writes_nothing(services: Site, site_store: Store) -> None:
    moved(services.moves.move("U-01", "L-ACME-N", "1001"))
    with writes_nothing(site_store):
        again = services.moves.move("U-01", "L-ACME-N", "1001")
    assert (again.outcome, again.code, again.event_id) == (
        Outcome.ALREADY_THERE,
        "already-there",
        None,
    )
    assert again.message == "Unit U-01 is already in L-ACME-N."


def test_a_double_scan_of_a_unit_put_on_hold_in_its_lane_says_it_is_on_hold(
    services: Site, site_store: Store
) -> None:
    moved(services.moves.move("U-01", "L-ACME-N", "1001"))
    moved(services.quality.hold("U-01", "1001", "seal"))
    with writes_nothing(site_store):
        again = services.moves.move("U-01", "L-ACME-N", "1001")
    assert again.outcome is Outcome.ALREADY_THERE
    assert again.message == "Unit U-01 is already in L-ACME-N, on hold."


# -- lanes: wrong lane, capacity, FEFO ---------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "lane", "code"),
    [
        ("U-10", "L-ACME-N", "wrong-lane"),  # ACME's order, but for route SOUTH
        ("U-09", "L-ACME-N", "wrong-lane"),  # BOLT's order
        ("U-08", "L-NORTH", "wrong-lane"),  # no order: only open lanes
        ("U-08", "L-ACME-N", "wrong-lane"),
        ("U-02", "L-ACME-N", "fefo-skip"),  # U-01 of FG-1 expires first
        ("C-05", "KIT-A", "fefo-skip"),  # C-01 of C-1 expires first
        ("C-04", "KIT-A", "not-on-kit"),  # C-9 is not on WO-1
    ],
)
def test_moves_that_need_a_lead_wait_and_write_nothing(
    services: Site, site_store: Store, unit: str, lane: str, code: str
) -> None:
    with writes_nothing(site_store):
        result = services.moves.move(unit, lane, "1001")
    assert (result.outcome, result.code, result.event_id) == (Outcome.NEEDS_APPROVAL, code, None)
    assert result.role is not None and result.role.value == "lead"
    assert "lead must approve" in result.message


@pytest.mark.parametrize(
    ("unit", "lane"),
    [
        ("U-09", "L-BOLT-S"),
        ("U-08", "L-OPEN"),  # no order into a lane with no customer or route
        ("U-10", "L-OPEN"),
        ("U-03", "L-NORTH"),  # a route lane, any customer
        ("U-03", "L-ACME-N"),  # same expiry as U-01 is not "earlier"
        ("U-02", "S-02"),  # FEFO is for staging, not storage
    ],
)
def test_allowed_moves(services: Site, unit: str, lane: str) -> None:
    assert moved(services.moves.move(unit, lane, "1001")).to == lane


@pytest.mark.parametrize(
    ("unit", "why"),
    [
        ("F-01", "the earlier FG-8 unit is on hold"),
        ("F-03", "the earlier FG-9 unit has expired"),
        ("F-05", "the earlier FG-10 unit is already staged"),
    ],
)
def test_fefo_counts_only_released_unexpired_stored_units(
    services: Site, unit: str, why: str
) -> None:
    result = services.moves.move(unit, "L-OPEN", "1001")
    assert result.outcome is Outcome.MOVED, why


def test_fefo_names_the_first_expiring_unit_and_clears_once_those_are_staged(
    services: Site,
) -> None:
    # U-01 and U-03 (FG-1) both expire 30 days before U-02.
    first = services.moves.move("U-02", "L-NORTH", "1001")
    assert first.code == "fefo-skip"
    assert first.message.startswith("Unit U-01 of FG-1 expires first.")
    moved(services.moves.move("U-01", "L-NORTH", "1001"))
    assert services.moves.move("U-02", "L-NORTH", "1001").message.startswith("Unit U-03 of FG-1")
    moved(services.moves.move("U-03", "L-NORTH", "1001"))
    moved(services.moves.move("U-02", "L-NORTH", "1001"))


def test_fefo_skips_units_put_on_hold(services: Site) -> None:
    moved(services.quality.hold("U-01", "1001", "damaged wrap"))
    moved(services.quality.hold("U-03", "1001", "damaged wrap"))
    moved(services.moves.move("U-02", "L-ACME-N", "1001"))


def test_a_lead_approves_a_fefo_skip(services: Site) -> None:
    result = moved(services.moves.move("U-02", "L-ACME-N", "1001", approve="2001"))
    assert result.approved_by == "2001"


def test_a_full_lane_needs_a_lead_then_takes_one_more(services: Site) -> None:
    moved(services.moves.move("U-11", "L-ACME-N", "1001"))
    moved(services.moves.move("U-12", "L-ACME-N", "1001"))
    full = services.moves.move("U-13", "L-ACME-N", "1001")
    assert (full.outcome, full.code) == (Outcome.NEEDS_APPROVAL, "over-capacity")
    assert "2/2" in full.message
    moved(services.moves.move("U-13", "L-ACME-N", "1001", approve="2001"))
    lane = services.views.lane("L-ACME-N")
    assert lane is not None
    assert [s.unit.code for s in lane[1]] == ["U-11", "U-12", "U-13"]


def test_a_full_lane_has_room_again_when_a_unit_leaves(services: Site) -> None:
    moved(services.moves.move("U-11", "L-ACME-N", "1001"))
    moved(services.moves.move("U-12", "L-ACME-N", "1001"))
    moved(services.moves.move("U-12", "L-NORTH", "1001"))
    moved(services.moves.move("U-13", "L-ACME-N", "1001"))


# -- approval ---------------------------------------------------------------------------------


def test_a_leads_badge_completes_the_move_and_is_recorded(
    services: Site, site_store: Store
) -> None:
    result = moved(services.moves.move("U-10", "L-ACME-N", "1001", approve="2001"))
    assert result.approved_by == "2001"
    assert result.message == "Unit U-10 to L-ACME-N, approved by Lee Chen."
    detail = services.views.unit_detail("U-10")
    assert detail is not None
    last = detail.history[-1]
    assert (last.operator, last.approved_by, last.to_location) == ("1001", "2001", "L-ACME-N")
    assert_projection_is_replay(site_store)


@pytest.mark.parametrize(
    ("operator", "approver", "pin", "code"),
    [
        ("1001", "1002", None, "not-allowed"),  # another operator is not a lead
        ("1001", "3001", None, "not-allowed"),  # nor is quality
        ("2001", "2001", None, "self-approval"),  # a lead moving needs a second person
        ("1001", "8888", None, "unknown-approver"),
        ("1001", "2002", None, "bad-pin"),  # Mia has a PIN
        ("1001", "2002", "1234", "bad-pin"),
        ("1001", "9001", "2468", "bad-pin"),  # someone else's PIN
    ],
)
def test_approval_needs_a_second_person_who_is_a_lead(
    services: Site,
    site_store: Store,
    operator: str,
    approver: str,
    pin: str | None,
    code: str,
) -> None:
    with writes_nothing(site_store):
        result = services.moves.move("U-10", "L-ACME-N", operator, approve=approver, pin=pin)
    assert (result.outcome, result.code) == (Outcome.REFUSED, code)


@pytest.mark.parametrize(("approver", "pin"), [("2002", "2468"), ("9001", "9999")])
def test_a_lead_or_admin_with_a_pin_approves_with_it(
    services: Site, approver: str, pin: str
) -> None:
    result = moved(services.moves.move("U-10", "L-ACME-N", "1001", approve=approver, pin=pin))
    assert result.approved_by == approver


def test_a_lead_may_approve_an_operators_move_made_under_their_own_badge(
    services: Site,
) -> None:
    # Lee (lead) stages; Mia (another lead) approves: two people.
    result = moved(services.moves.move("U-10", "L-ACME-N", "2001", approve="2002", pin="2468"))
    assert result.approved_by == "2002"


def test_an_approval_given_where_none_is_needed_is_not_recorded(services: Site) -> None:
    result = moved(services.moves.move("U-01", "L-ACME-N", "1001", approve="2001"))
    assert result.approved_by is None
    detail = services.views.unit_detail("U-01")
    assert detail is not None and detail.history[-1].approved_by is None


# -- kitting: split, over-kit, issue -----------------------------------------------------------


def test_a_partial_quantity_splits_the_unit_into_the_kitting_area(
    services: Site, site_store: Store
) -> None:
    moved(services.moves.move("C-01", "KIT-A", "1002"))  # 30 of the 50 C-1
    whole = services.moves.move("C-02", "KIT-A", "1002")
    assert (whole.outcome, whole.code) == (Outcome.NEEDS_APPROVAL, "over-kit")

    result = moved(services.moves.move("C-02", "KIT-A", "1002", quantity=20))
    assert (result.unit, result.to) == ("C-02-1", "KIT-A")
    child, parent = services.views.unit("C-02-1"), services.views.unit("C-02")
    assert child is not None and parent is not None
    assert (child.quantity, child.location, child.state, child.parent) == (
        20,
        "KIT-A",
        UnitState.STAGED,
        "C-02",
    )
    assert (child.item, child.lot, child.expiry) == (parent.item, parent.lot, parent.expiry)
    assert (parent.quantity, parent.location, parent.state) == (10, "S-01", UnitState.STORED)
    assert history_types(services, "C-02") == ["receive", "split"]
    assert history_types(services, "C-02-1") == ["stage"]

    progress = {p.order.ref: p for p in services.views.kitting()}["WO-1"]
    assert {line.item: (line.required, line.staged) for line in progress.lines} == {
        "C-1": (50, 50),
        "C-2": (10, 0),
    }
    assert progress.areas == ["KIT-A"]
    assert not progress.complete
    assert_projection_is_replay(site_store)


def test_each_split_gets_its_own_child_code(services: Site) -> None:
    assert moved(services.moves.move("C-02", "KIT-FREE", "1002", quantity=5)).unit == "C-02-1"
    assert moved(services.moves.move("C-02", "KIT-FREE", "1002", quantity=5)).unit == "C-02-2"
    parent = services.views.unit("C-02")
    assert parent is not None and parent.quantity == 20


def test_moving_the_whole_quantity_does_not_split(services: Site) -> None:
    result = moved(services.moves.move("C-03", "KIT-A", "1002", quantity=8))
    assert result.unit == "C-03"
    assert services.views.unit("C-03-1") is None


@pytest.mark.parametrize(
    ("to", "qty", "code"), [("L-ACME-N", 10, "partial-not-allowed"), ("KIT-A", 31, "bad-quantity")]
)
def test_partial_quantities_only_into_kitting_and_within_the_unit(
    services: Site, site_store: Store, to: str, qty: int, code: str
) -> None:
    unit = "U-01" if to.startswith("L") else "C-01"
    with writes_nothing(site_store):
        result = services.moves.move(unit, to, "1001", quantity=qty)
    assert (result.outcome, result.code) == (Outcome.REFUSED, code)


def test_issue_consumes_a_kitted_unit(services: Site, site_store: Store) -> None:
    moved(services.moves.move("C-03", "KIT-A", "1002"))
    result = moved(services.moves.issue("C-03", "1002"))
    assert "WO-1" in result.message
    unit = services.views.unit("C-03")
    assert unit is not None
    assert (unit.state, unit.staged_at) == (UnitState.ISSUED, None)
    progress = {p.order.ref: p for p in services.views.kitting()}["WO-1"]
    assert {line.item: line.staged for line in progress.lines}["C-2"] == 8  # issued still counts
    again = services.moves.issue("C-03", "1002")
    assert (again.outcome, again.code) == (Outcome.REFUSED, "closed-unit")
    after = services.moves.move("C-03", "S-01", "1002")
    assert after.code == "closed-unit"
    assert_projection_is_replay(site_store)


@pytest.mark.parametrize("where", [None, "L-OPEN"])
def test_only_units_in_a_kitting_area_are_issued(
    services: Site, site_store: Store, where: str | None
) -> None:
    if where:
        moved(services.moves.move("U-08", where, "1001"))
    with writes_nothing(site_store):
        result = services.moves.issue("U-08", "1001")
    assert (result.outcome, result.code) == (Outcome.REFUSED, "not-in-kitting-or-buffer")


# -- load with the route check -----------------------------------------------------------------


def test_load_onto_the_dock_of_the_lanes_route(services: Site, site_store: Store) -> None:
    moved(services.moves.move("U-01", "L-ACME-N", "1001"))
    with writes_nothing(site_store):
        wrong = services.moves.load("U-01", "D-S", "1001")
    assert (wrong.outcome, wrong.code) == (Outcome.REFUSED, "route-mismatch")
    assert "NORTH" in wrong.message and "SOUTH" in wrong.message

    result = moved(services.moves.load("U-01", "D-N", "1001"))
    assert result.message == "Unit U-01 loaded onto D-N."
    unit = services.views.unit("U-01")
    assert unit is not None
    assert (unit.location, unit.state) == ("D-N", UnitState.LOADED)
    assert history_types(services, "U-01")[-1] == "load"
    assert services.moves.move("U-01", "L-ACME-N", "1001").code == "closed-unit"
    assert_projection_is_replay(site_store)


def test_load_from_an_open_lane_checks_the_orders_route(services: Site) -> None:
    moved(services.moves.move("U-03", "L-OPEN", "1001"))
    assert services.moves.load("U-03", "D-S", "1001").code == "route-mismatch"
    moved(services.moves.load("U-03", "D-N", "1001"))


def test_a_dock_with_no_route_takes_any_lane(services: Site) -> None:
    moved(services.moves.move("U-09", "L-BOLT-S", "1001"))
    moved(services.moves.load("U-09", "D-ANY", "1001"))


@pytest.mark.parametrize(("unit", "to"), [("U-03", "D-N"), ("U-01", "L-OPEN")])
def test_load_needs_a_staged_unit_and_a_dock(
    services: Site, site_store: Store, unit: str, to: str
) -> None:
    if to == "L-OPEN":
        moved(services.moves.move(unit, "L-ACME-N", "1001"))
    with writes_nothing(site_store):
        result = services.moves.load(unit, to, "1001")
    assert result.outcome is Outcome.REFUSED
    assert result.code == ("route-mismatch" if to == "D-N" else "not-a-target")


# -- two terminals ----------------------------------------------------------------------------


def test_a_stale_move_is_refused_naming_who_moved_the_unit_and_when(
    services: Site, other_terminal: Site, site_store: Store, clock
) -> None:  # type: ignore[no-untyped-def]
    seen = services.views.unit("U-01")
    assert seen is not None
    moved(other_terminal.moves.move("U-01", "L-NORTH", "1002"))
    clock.advance(seconds=20)
    with writes_nothing(site_store):
        late = services.moves.move("U-01", "L-ACME-N", "1001", expected_version=seen.version)
    assert (late.outcome, late.code, late.unit) == (Outcome.REFUSED, "moved-meanwhile", "U-01")
    assert (
        late.message
        == "Unit U-01 was just moved to L-NORTH by Ben Kowalski at 09:30:00; scan it again."
    )
    unit = services.views.unit("U-01")
    assert unit is not None and unit.location == "L-NORTH"


def test_a_move_with_the_current_version_goes_through(services: Site, other_terminal: Site) -> None:
    moved(other_terminal.moves.move("U-01", "L-NORTH", "1002"))
    seen = services.views.unit("U-01")
    assert seen is not None
    moved(services.moves.move("U-01", "L-ACME-N", "1001", expected_version=seen.version))
