"""Where should it go: which lanes take a unit's order, and which of them to fill first.

Pure (SPEC §3, "Where should it go"). The services count units per lane; this module
decides which lanes fit an order and ranks them. `lane_takes` is the one test of
"does this lane belong to this order" that the `wrong-lane` rule uses too, so a
suggested lane is never a wrong lane.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from stageterm.domain.model import Location, LocationKind, Order, OrderKind, OrderStatus


@dataclass(frozen=True, slots=True)
class LaneCount:
    """A lane and what it holds now, as the services counted it."""

    lane: Location
    units: int  # units staged in the lane now (capacity counts units)
    same_order_units: int = 0  # of those, units of the order being suggested for


def lane_takes(lane: Location, order: Order | None) -> bool:
    """Whether `lane` is a right lane for a unit of `order` (the `wrong-lane` test).

    A lane that names a customer or route takes only orders with that customer and
    route; a lane that names neither takes anything, including units with no order.
    The carrier does not decide: lanes are planned by customer and route.
    """
    if order is None:
        return not lane.customer and not lane.route
    if lane.customer and lane.customer != order.customer:
        return False
    return not (lane.route and lane.route != order.route)


def has_room(lane: Location, units: int) -> bool:
    """A lane without a capacity is never full."""
    return lane.capacity is None or units < lane.capacity


def wants_a_lane(order: Order | None) -> bool:
    """Only an open outbound order has lanes to suggest: a cancelled or done one has none."""
    return (
        order is not None and order.kind is OrderKind.OUTBOUND and order.status is OrderStatus.OPEN
    )


def ranked_lanes(order: Order | None, lanes: Iterable[LaneCount]) -> tuple[LaneCount, ...]:
    """The lanes a unit of `order` should go to, best first.

    Lanes planned for the order's customer or route (an open lane with neither is
    never suggested: it takes anything, so it says nothing about where the order is
    being built), with room left. Lanes already holding units of the same order come
    first, so an order is built in one place; then the fullest (most units), so the
    floor fills lanes it has started before opening empty ones; then by code, so the
    answer is the same on every terminal.
    """
    if not wants_a_lane(order):
        return ()
    fitting = [
        count
        for count in lanes
        if count.lane.kind is LocationKind.LANE
        and (count.lane.customer or count.lane.route)
        and lane_takes(count.lane, order)
        and has_room(count.lane, count.units)
    ]
    fitting.sort(key=lambda count: (-count.same_order_units, -count.units, count.lane.code))
    return tuple(fitting)


def suggest_lanes(order: Order | None, lanes: Iterable[LaneCount]) -> tuple[str, ...]:
    """Lane codes for a unit of `order`, best first (empty: no suggestion)."""
    return tuple(count.lane.code for count in ranked_lanes(order, lanes))
