"""The rules of SPEC §3: every rule allowed, refused and needing approval, and their order."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest

from stageterm.domain.model import Location, Order, OrderKind, Quality, Role, UnitState
from stageterm.domain.rules import (
    ALREADY_THERE,
    Allowed,
    NeedsApproval,
    Refused,
    SiteFacts,
    judge,
)
from unit.rules_floor import (
    BUFFER,
    COMPONENT,
    DOCK_N,
    FACTS,
    KIT,
    KIT_FREE,
    LANE_ACME,
    LANE_ACME_N,
    LANE_NORTH,
    LANE_OPEN,
    LINE,
    NOW,
    OTHER_STORAGE,
    QUARANTINE,
    SO_ACME_N,
    SO_ACME_S,
    SO_BOLT_N,
    STORAGE,
    TODAY,
    UNIT,
    WO,
    staged,
    verdict_code,
)

# -- each rule: its allowed, refused and approval paths -------------------------------------


def test_a_released_unit_goes_into_its_orders_lane() -> None:
    assert judge(UNIT, LANE_ACME_N, FACTS, NOW) == Allowed()


def test_unknown_unit_is_refused_naming_the_scanned_code() -> None:
    verdict = judge(None, LANE_OPEN, SiteFacts(), NOW, unit_code="U-404")
    assert isinstance(verdict, Refused)
    assert verdict.code == "unknown-unit"
    assert "U-404" in verdict.message


def test_unknown_location_is_refused_naming_the_scanned_code() -> None:
    verdict = judge(UNIT, None, FACTS, NOW, target_code="L-404")
    assert isinstance(verdict, Refused)
    assert verdict.code == "unknown-location"
    assert "L-404" in verdict.message


@pytest.mark.parametrize("quality", [Quality.QUARANTINE, Quality.HOLD, Quality.REJECTED])
def test_only_released_material_is_staged(quality: Quality) -> None:
    verdict = judge(replace(UNIT, quality=quality), LANE_ACME_N, FACTS, NOW)
    assert isinstance(verdict, Refused)
    assert verdict.code == "not-released"
    assert quality.value in verdict.message  # the operator is told the unit's status


def test_not_released_applies_to_storage_moves_too() -> None:
    verdict = judge(replace(UNIT, quality=Quality.HOLD), OTHER_STORAGE, FACTS, NOW)
    assert verdict_code(verdict) == "not-released"


def test_expired_unit_is_refused_with_its_date() -> None:
    unit = replace(UNIT, expiry=TODAY - timedelta(days=1))
    verdict = judge(unit, LANE_ACME_N, FACTS, NOW)
    assert isinstance(verdict, Refused)
    assert verdict.code == "expired"
    assert (TODAY - timedelta(days=1)).isoformat() in verdict.message


def test_a_unit_expiring_today_may_still_be_staged() -> None:
    assert judge(replace(UNIT, expiry=TODAY), LANE_ACME_N, FACTS, NOW) == Allowed()


def test_no_expiry_never_expires() -> None:
    assert judge(replace(UNIT, expiry=None), LANE_ACME_N, FACTS, NOW) == Allowed()


def test_expiry_is_judged_on_the_terminals_local_date() -> None:
    # 00:30 local on 3 March is still 2 March in UTC: the floor's calendar decides.
    just_after_midnight = datetime(2026, 3, 3, 0, 30, tzinfo=timezone(timedelta(hours=1)))
    unit = replace(UNIT, expiry=date(2026, 3, 2))
    assert verdict_code(judge(unit, LANE_ACME_N, FACTS, just_after_midnight)) == "expired"


def test_double_scan_is_allowed_as_already_there() -> None:
    verdict = judge(staged(UNIT, LANE_ACME_N), LANE_ACME_N, FACTS, NOW)
    assert verdict == Allowed(ALREADY_THERE)


@pytest.mark.parametrize("state", [UnitState.ISSUED, UnitState.LOADED])
def test_closed_units_are_refused(state: UnitState) -> None:
    verdict = judge(replace(UNIT, state=state), LANE_ACME_N, FACTS, NOW)
    assert isinstance(verdict, Refused)
    assert verdict.code == "closed-unit"
    assert state.value in verdict.message


@pytest.mark.parametrize("target", [DOCK_N, LINE, QUARANTINE])
def test_moves_end_only_in_lanes_kitting_or_storage(target: Location) -> None:
    verdict = judge(UNIT, target, FACTS, NOW)
    assert isinstance(verdict, Refused)
    assert verdict.code == "not-a-target"


def test_moving_onto_a_dock_points_to_load() -> None:
    verdict = judge(UNIT, DOCK_N, FACTS, NOW)
    assert isinstance(verdict, Refused)
    assert "load" in verdict.message.lower()


@pytest.mark.parametrize("target", [STORAGE, LANE_OPEN, KIT_FREE, BUFFER])
def test_storage_lanes_kitting_and_buffers_are_targets(target: Location) -> None:
    unit = replace(UNIT, location="S-09", order=None)
    assert judge(unit, target, SiteFacts(), NOW) == Allowed()


# wrong-lane


@pytest.mark.parametrize(
    ("lane", "order", "expected"),
    [
        (LANE_ACME_N, SO_ACME_N, None),
        (LANE_ACME_N, SO_ACME_S, "wrong-lane"),  # customer right, route wrong
        (LANE_ACME_N, SO_BOLT_N, "wrong-lane"),  # route right, customer wrong
        (LANE_NORTH, SO_BOLT_N, None),  # a route lane takes any customer on the route
        (LANE_NORTH, SO_ACME_S, "wrong-lane"),
        (LANE_ACME, SO_ACME_S, None),  # a customer lane takes any of their routes
        (LANE_ACME, SO_BOLT_N, "wrong-lane"),
        (LANE_OPEN, SO_BOLT_N, None),  # an open lane takes anything
        (LANE_OPEN, None, None),  # a unit with no order goes into an open lane ...
        (LANE_ACME_N, None, "wrong-lane"),  # ... and into no other
        (LANE_NORTH, None, "wrong-lane"),
        (LANE_ACME, None, "wrong-lane"),
    ],
)
def test_wrong_lane(lane: Location, order: Order | None, expected: str | None) -> None:
    unit = replace(UNIT, order=order.ref if order else None)
    verdict = judge(unit, lane, SiteFacts(order=order), NOW)
    if expected is None:
        assert verdict == Allowed()
    else:
        assert isinstance(verdict, NeedsApproval)
        assert verdict.code == expected
        assert verdict.role is Role.LEAD


def test_wrong_lane_sentence_names_lane_and_what_differs() -> None:
    verdict = judge(replace(UNIT, order="SO-2"), LANE_ACME_N, SiteFacts(order=SO_ACME_S), NOW)
    assert isinstance(verdict, NeedsApproval)
    assert "L-1" in verdict.message
    assert "NORTH" in verdict.message and "SOUTH" in verdict.message


def test_wrong_lane_names_where_the_unit_belongs() -> None:
    facts = SiteFacts(order=SO_ACME_S, suggested=("L-7", "L-8"))
    verdict = judge(replace(UNIT, order="SO-2"), LANE_ACME_N, facts, NOW)
    assert isinstance(verdict, NeedsApproval)
    assert verdict.message == "Lane L-1 is route NORTH, not SOUTH. Unit U-1 belongs in L-7."


def test_wrong_lane_names_every_difference() -> None:
    order = Order("SO-5", OrderKind.OUTBOUND, customer="BOLT", route="SOUTH")
    verdict = judge(replace(UNIT, order="SO-5"), LANE_ACME_N, SiteFacts(order=order), NOW)
    assert isinstance(verdict, NeedsApproval)
    assert verdict.message == "Lane L-1 is for ACME, not BOLT, and route NORTH, not SOUTH."


def test_a_unit_without_order_is_told_what_the_lane_is_for() -> None:
    verdict = judge(replace(UNIT, order=None), LANE_ACME_N, SiteFacts(), NOW)
    assert isinstance(verdict, NeedsApproval)
    assert verdict.message == "Unit U-1 has no order; lane L-1 is for ACME, route NORTH."


def test_wrong_lane_is_not_checked_for_storage_or_kitting() -> None:
    assert judge(UNIT, OTHER_STORAGE, SiteFacts(order=SO_BOLT_N), NOW) == Allowed()
    assert judge(UNIT, KIT_FREE, SiteFacts(order=SO_BOLT_N), NOW) == Allowed()


# over-capacity


def test_a_lane_with_room_takes_the_unit() -> None:
    assert judge(UNIT, LANE_ACME_N, replace(FACTS, units_in_target=3), NOW) == Allowed()


def test_a_full_lane_needs_a_lead() -> None:
    verdict = judge(UNIT, LANE_ACME_N, replace(FACTS, units_in_target=4), NOW)
    assert isinstance(verdict, NeedsApproval)
    assert verdict.code == "over-capacity"
    assert verdict.role is Role.LEAD
    assert "4/4" in verdict.message


def test_a_lane_without_capacity_is_never_full() -> None:
    assert judge(UNIT, LANE_NORTH, replace(FACTS, units_in_target=10_000), NOW) == Allowed()


# fefo-skip


def test_fefo_skip_needs_a_lead_and_names_the_unit_to_take_first() -> None:
    verdict = judge(UNIT, LANE_ACME_N, replace(FACTS, earlier_expiry_unit="U-0"), NOW)
    assert isinstance(verdict, NeedsApproval)
    assert verdict.code == "fefo-skip"
    assert "U-0" in verdict.message
    assert verdict.role is Role.LEAD


def test_fefo_applies_to_kitting_areas() -> None:
    verdict = judge(COMPONENT, KIT_FREE, SiteFacts(earlier_expiry_unit="C-0"), NOW)
    assert verdict_code(verdict) == "fefo-skip"


def test_fefo_skip_says_where_the_first_expiring_unit_is() -> None:
    facts = replace(FACTS, earlier_expiry_unit="U-0", earlier_expiry_location="S-07")
    verdict = judge(UNIT, LANE_ACME_N, facts, NOW)
    assert isinstance(verdict, NeedsApproval)
    assert verdict.message == "Unit U-0 of FG-1 expires first. Take it from S-07."


def test_fefo_does_not_apply_to_storage() -> None:
    assert judge(UNIT, OTHER_STORAGE, replace(FACTS, earlier_expiry_unit="U-0"), NOW) == Allowed()


# kitting: not-on-kit / over-kit, partial quantity


def test_kitting_within_the_work_order_is_allowed() -> None:
    assert judge(COMPONENT, KIT, SiteFacts(work_order=WO, kit_staged=20), NOW) == Allowed()


def test_item_not_on_the_work_order_needs_a_lead() -> None:
    unit = replace(COMPONENT, item="C-9")
    verdict = judge(unit, KIT, SiteFacts(work_order=WO), NOW)
    assert isinstance(verdict, NeedsApproval)
    assert verdict.code == "not-on-kit"
    assert "C-9" in verdict.message and "WO-1" in verdict.message


def test_beyond_the_work_order_quantity_needs_a_lead() -> None:
    verdict = judge(COMPONENT, KIT, SiteFacts(work_order=WO, kit_staged=21), NOW)
    assert isinstance(verdict, NeedsApproval)
    assert verdict.code == "over-kit"
    assert "50" in verdict.message


def test_work_order_lines_of_one_item_add_up() -> None:
    unit = replace(COMPONENT, item="C-2", quantity=15)
    assert judge(unit, KIT, SiteFacts(work_order=WO), NOW) == Allowed()
    assert (
        verdict_code(judge(replace(unit, quantity=16), KIT, SiteFacts(work_order=WO), NOW))
        == "over-kit"
    )


def test_a_partial_quantity_counts_instead_of_the_whole_unit() -> None:
    facts = SiteFacts(work_order=WO, kit_staged=30)
    assert verdict_code(judge(COMPONENT, KIT, facts, NOW)) == "over-kit"  # 30 + 30 > 50
    assert judge(COMPONENT, KIT, facts, NOW, quantity=20) == Allowed()  # 30 + 20 = 50
    assert verdict_code(judge(COMPONENT, KIT, facts, NOW, quantity=21)) == "over-kit"


@pytest.mark.parametrize("quantity", [0, -1, 31])
def test_a_partial_quantity_must_be_part_of_the_unit(quantity: int) -> None:
    verdict = judge(COMPONENT, KIT, SiteFacts(work_order=WO), NOW, quantity=quantity)
    assert isinstance(verdict, Refused)
    assert verdict.code == "bad-quantity"
    assert "30" in verdict.message


def test_a_kitting_area_without_work_order_takes_any_item() -> None:
    assert judge(replace(COMPONENT, item="C-9"), KIT_FREE, SiteFacts(), NOW) == Allowed()
