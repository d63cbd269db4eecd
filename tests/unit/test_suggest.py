"""Where should it go (SPEC §3): lanes that fit an open outbound order, with room, best first."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stageterm.domain.model import Location, LocationKind, Order, OrderKind, OrderStatus
from stageterm.domain.rules import Allowed, SiteFacts, judge
from stageterm.domain.suggest import LaneCount, lane_takes, ranked_lanes, suggest_lanes
from unit.rules_floor import (
    BUFFER,
    KIT_FREE,
    LANE_ACME,
    LANE_ACME_N,
    LANE_NORTH,
    LANE_OPEN,
    NOW,
    SO_ACME_N,
    SO_ACME_S,
    UNIT,
    WO,
)

ACME_N_2 = Location("L-5", LocationKind.LANE, customer="ACME", route="NORTH", capacity=10)
BOLT_N = Location("L-6", LocationKind.LANE, customer="BOLT", route="NORTH")
ACME_S = Location("L-7", LocationKind.LANE, customer="ACME", route="SOUTH")


def counts(*rows: tuple[Location, int, int]) -> list[LaneCount]:
    return [LaneCount(lane, units, same) for lane, units, same in rows]


def test_lanes_of_the_orders_customer_and_route_with_room() -> None:
    lanes = counts(
        (LANE_ACME_N, 1, 0),  # ACME NORTH
        (LANE_NORTH, 0, 0),  # any customer on NORTH
        (LANE_ACME, 0, 0),  # ACME, any route
        (LANE_OPEN, 0, 0),  # takes anything, says nothing about the order: not suggested
        (BOLT_N, 0, 0),  # another customer
        (ACME_S, 0, 0),  # another route
    )
    assert set(suggest_lanes(SO_ACME_N, lanes)) == {"L-1", "L-2", "L-3"}


def test_a_full_lane_is_not_suggested() -> None:
    lanes = counts((LANE_ACME_N, 4, 4), (ACME_N_2, 9, 0))
    assert suggest_lanes(SO_ACME_N, lanes) == ("L-5",)


def test_the_lane_building_the_order_first_then_the_fullest_then_by_code() -> None:
    lane_9 = replace(ACME_N_2, code="L-9")
    lanes = counts(
        (ACME_N_2, 2, 0),  # fuller than L-9 ...
        (lane_9, 1, 0),
        (LANE_NORTH, 1, 1),  # holds one of this order: first, though nearly empty
        (LANE_ACME, 2, 0),  # as full as L-5: by code
        (LANE_ACME_N, 3, 2),  # more of this order than L-2
    )
    assert suggest_lanes(SO_ACME_N, lanes) == ("L-1", "L-2", "L-3", "L-5", "L-9")


@pytest.mark.parametrize(
    "order",
    [
        None,
        replace(SO_ACME_N, status=OrderStatus.CANCELLED),
        replace(SO_ACME_N, status=OrderStatus.DONE),
        WO,  # a work order goes to kitting, not to a lane
    ],
)
def test_no_suggestion_without_an_open_outbound_order(order: Order | None) -> None:
    assert suggest_lanes(order, counts((LANE_ACME_N, 0, 0), (LANE_NORTH, 0, 0))) == ()


def test_only_lanes_are_suggested() -> None:
    kit = replace(KIT_FREE, route="NORTH")
    buffer = replace(BUFFER, customer="ACME", route="NORTH")
    assert suggest_lanes(SO_ACME_N, counts((kit, 0, 0), (buffer, 0, 0))) == ()


def test_ranked_lanes_keep_their_counts_for_the_answer() -> None:
    ranked = ranked_lanes(SO_ACME_N, counts((LANE_ACME_N, 3, 2)))
    assert ranked == (LaneCount(LANE_ACME_N, 3, 2),)


# -- properties: a suggestion is always a right lane with room, in order ---------------------

LANES = [LANE_ACME_N, LANE_NORTH, LANE_ACME, LANE_OPEN, ACME_N_2, BOLT_N, ACME_S]
ORDERS = [SO_ACME_N, SO_ACME_S, Order("SO-X", OrderKind.OUTBOUND, customer="BOLT")]
lane_counts = st.lists(
    st.builds(
        LaneCount,
        lane=st.sampled_from(LANES),
        units=st.integers(0, 12),
        same_order_units=st.integers(0, 3),
    ),
    unique_by=lambda count: count.lane.code,
)


@given(order=st.sampled_from(ORDERS), lanes=lane_counts)
def test_every_suggestion_fits_has_room_and_is_ranked(order: Order, lanes: list[LaneCount]) -> None:
    ranked = ranked_lanes(order, lanes)
    for count in ranked:
        lane = count.lane
        assert lane_takes(lane, order) and (lane.customer or lane.route)
        assert lane.capacity is None or count.units < lane.capacity
        # The rules agree: a suggested lane is never a wrong lane, nor a full one.
        unit = replace(UNIT, order=order.ref)
        facts = SiteFacts(order=order, units_in_target=count.units)
        assert judge(unit, lane, facts, NOW) == Allowed()
    keys = [(-c.same_order_units, -c.units, c.lane.code) for c in ranked]
    assert keys == sorted(keys)
    left_out = [c for c in lanes if c not in ranked]
    for count in left_out:
        lane = count.lane
        fits = lane_takes(lane, order) and bool(lane.customer or lane.route)
        assert not fits or (lane.capacity is not None and count.units >= lane.capacity)
