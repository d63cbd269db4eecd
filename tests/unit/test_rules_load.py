"""Loading onto a dock (SPEC §3): only units staged in a lane, onto the dock of their order's route."""

from __future__ import annotations

from dataclasses import replace

import pytest

from stageterm.domain.model import Location, Order, OrderKind, Unit
from stageterm.domain.rules import (
    Action,
    Allowed,
    Refused,
    SiteFacts,
    judge,
)
from unit.rules_floor import (
    COMPONENT,
    DOCK_ANY,
    DOCK_N,
    DOCK_S,
    FACTS,
    KIT_FREE,
    LANE_ACME_N,
    LANE_NORTH,
    LANE_OPEN,
    NOW,
    SO_ACME_N,
    SO_ACME_S,
    STORAGE,
    UNIT,
    staged,
    verdict_code,
)

# load: route-mismatch


def test_load_onto_the_dock_of_the_lanes_route() -> None:
    unit = staged(UNIT, LANE_ACME_N)
    facts = replace(FACTS, current_location=LANE_ACME_N)
    assert judge(unit, DOCK_N, facts, NOW, action=Action.LOAD) == Allowed()


def test_load_onto_another_routes_dock_is_refused() -> None:
    unit = staged(UNIT, LANE_ACME_N)
    verdict = judge(
        unit, DOCK_S, replace(FACTS, current_location=LANE_ACME_N), NOW, action=Action.LOAD
    )
    assert isinstance(verdict, Refused)
    assert verdict.code == "route-mismatch"
    assert "NORTH" in verdict.message and "SOUTH" in verdict.message


def test_load_from_an_open_lane_checks_the_orders_route() -> None:
    unit = staged(UNIT, LANE_OPEN)
    facts = SiteFacts(order=SO_ACME_N, current_location=LANE_OPEN)
    assert judge(unit, DOCK_N, facts, NOW, action=Action.LOAD) == Allowed()
    assert verdict_code(judge(unit, DOCK_S, facts, NOW, action=Action.LOAD)) == "route-mismatch"


def test_load_checks_the_orders_route_not_the_lanes() -> None:
    # Issue #12.3: a SOUTH order's unit, approved into a NORTH lane, must not leave on
    # the NORTH truck; it goes onto the SOUTH dock, whatever lane it waited in.
    unit = staged(replace(UNIT, order="SO-2"), LANE_NORTH)
    facts = SiteFacts(order=SO_ACME_S, current_location=LANE_NORTH)
    verdict = judge(unit, DOCK_N, facts, NOW, action=Action.LOAD)
    assert isinstance(verdict, Refused)
    assert verdict.code == "route-mismatch"
    assert "SOUTH" in verdict.message and "SO-2" in verdict.message
    assert judge(unit, DOCK_S, facts, NOW, action=Action.LOAD) == Allowed()


def test_a_unit_without_order_loads_by_its_lanes_route() -> None:
    unit = staged(replace(UNIT, order=None), LANE_NORTH)
    facts = SiteFacts(current_location=LANE_NORTH)
    assert judge(unit, DOCK_N, facts, NOW, action=Action.LOAD) == Allowed()
    assert verdict_code(judge(unit, DOCK_S, facts, NOW, action=Action.LOAD)) == "route-mismatch"


def test_an_order_without_route_loads_by_its_lanes_route() -> None:
    unit = staged(replace(UNIT, order="SO-9"), LANE_NORTH)
    no_route = Order("SO-9", OrderKind.OUTBOUND, customer="ACME")
    facts = SiteFacts(order=no_route, current_location=LANE_NORTH)
    assert judge(unit, DOCK_N, facts, NOW, action=Action.LOAD) == Allowed()
    assert verdict_code(judge(unit, DOCK_S, facts, NOW, action=Action.LOAD)) == "route-mismatch"


def test_with_no_route_to_compare_any_dock_takes_the_unit() -> None:
    # Neither the order nor the lane names a route: nothing to compare, any dock takes it.
    unit = staged(replace(UNIT, order=None), LANE_OPEN)
    facts = SiteFacts(current_location=LANE_OPEN)
    assert judge(unit, DOCK_S, facts, NOW, action=Action.LOAD) == Allowed()


def test_a_dock_without_route_takes_any_lane() -> None:
    unit = staged(UNIT, LANE_ACME_N)
    facts = replace(FACTS, current_location=LANE_ACME_N)
    assert judge(unit, DOCK_ANY, facts, NOW, action=Action.LOAD) == Allowed()


@pytest.mark.parametrize(
    ("unit", "where"),
    [
        (UNIT, STORAGE),  # never staged
        (staged(COMPONENT, KIT_FREE), KIT_FREE),  # staged, but for production
    ],
)
def test_only_units_staged_in_a_lane_are_loaded(unit: Unit, where: Location) -> None:
    verdict = judge(unit, DOCK_N, SiteFacts(current_location=where), NOW, action=Action.LOAD)
    assert isinstance(verdict, Refused)
    assert verdict.code == "route-mismatch"


def test_load_target_must_be_a_dock() -> None:
    unit = staged(UNIT, LANE_ACME_N)
    verdict = judge(
        unit, LANE_OPEN, replace(FACTS, current_location=LANE_ACME_N), NOW, action=Action.LOAD
    )
    assert verdict_code(verdict) == "not-a-target"
