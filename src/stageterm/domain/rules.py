"""Judge a move: allowed, refused, or needs a lead's approval.

A pure function of (unit, target, site facts, now). The order of the checks is the
order in SPEC §3: the first rule that applies decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from stageterm.domain.model import (
    MOVE_TARGET_KINDS,
    STAGING_KINDS,
    Location,
    LocationKind,
    Order,
    Quality,
    Role,
    Unit,
    UnitState,
)

_QUALITY_WORDS = {Quality.QUARANTINE: "in quarantine", Quality.HOLD: "on hold"}


def quality_words(quality: Quality) -> str:
    """How an operator says a quality status: "in quarantine", "on hold", "rejected"."""
    return _QUALITY_WORDS.get(quality, quality.value)


class Action(StrEnum):
    MOVE = "move"  # stage, move between lanes, unstage to storage
    LOAD = "load"  # lane -> dock


@dataclass(frozen=True, slots=True)
class Allowed:
    code: str | None = None  # "already-there" when nothing needs to happen


@dataclass(frozen=True, slots=True)
class Refused:
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class NeedsApproval:
    code: str
    message: str
    role: Role = Role.LEAD


Verdict = Allowed | Refused | NeedsApproval

ALREADY_THERE = "already-there"


@dataclass(frozen=True, slots=True)
class SiteFacts:
    """What the rules need to know about the rest of the site, gathered by the services."""

    order: Order | None = None  # the unit's own order
    work_order: Order | None = None  # the target kitting area's work order
    units_in_target: int = 0  # units now in the target lane (capacity is counted in units)
    earlier_expiry_unit: str | None = None  # FEFO: a unit that should go first
    kit_staged: int = 0  # quantity of this item already staged for the work order
    current_location: Location | None = None  # where the unit is now (for loading)


def judge(
    unit: Unit | None,
    target: Location | None,
    facts: SiteFacts,
    now: datetime,
    *,
    quantity: int | None = None,
    action: Action = Action.MOVE,
    unit_code: str = "",
    target_code: str = "",
) -> Verdict:
    """Decide whether `unit` may go to `target` now."""
    if unit is None:
        return Refused("unknown-unit", f"Unit {unit_code} is not known here.")
    if target is None:
        return Refused("unknown-location", f"Location {target_code} is not known here.")
    if unit.is_closed:
        return Refused("closed-unit", f"Unit {unit.code} is already {unit.state.value}.")
    if action is Action.LOAD:
        if target.kind is not LocationKind.DOCK:
            return Refused("not-a-target", f"{target.code} is not a dock: load onto a dock.")
    elif target.kind not in MOVE_TARGET_KINDS:
        hint = " Use load for docks." if target.kind is LocationKind.DOCK else ""
        return Refused(
            "not-a-target", f"{target.code} is a {target.kind.value}, not a lane or area.{hint}"
        )
    if unit.location == target.code:
        return Allowed(ALREADY_THERE)
    if unit.quality is not Quality.RELEASED:
        return Refused(
            "not-released", f"Unit {unit.code} is {quality_words(unit.quality)}, not released."
        )
    if unit.expiry is not None and unit.expiry < now.date():
        return Refused("expired", f"Unit {unit.code} expired on {unit.expiry.isoformat()}.")
    if action is Action.LOAD:
        return _judge_load(unit, target, facts)
    if quantity is not None and not 0 < quantity <= unit.quantity:
        return Refused("bad-quantity", f"Quantity {quantity} is not between 1 and {unit.quantity}.")
    if target.kind is LocationKind.LANE:
        verdict = _judge_lane(unit, target, facts)
        if verdict is not None:
            return verdict
    if target.kind in STAGING_KINDS and facts.earlier_expiry_unit:
        return NeedsApproval(
            "fefo-skip", f"Unit {facts.earlier_expiry_unit} of {unit.item} expires first."
        )
    if target.kind is LocationKind.KITTING and facts.work_order is not None:
        return _judge_kit(unit, target, facts, quantity or unit.quantity)
    return Allowed()


def _judge_load(unit: Unit, dock: Location, facts: SiteFacts) -> Verdict:
    lane = facts.current_location
    if unit.state is not UnitState.STAGED or lane is None or lane.kind is not LocationKind.LANE:
        return Refused("route-mismatch", f"Unit {unit.code} is not staged in a lane.")
    staged_route = lane.route or (facts.order.route if facts.order else None)
    if dock.route and staged_route and dock.route != staged_route:
        return Refused(
            "route-mismatch",
            f"Unit {unit.code} is staged for route {staged_route}, not {dock.route}.",
        )
    return Allowed()


def _judge_lane(unit: Unit, lane: Location, facts: SiteFacts) -> Verdict | None:
    order = facts.order
    if order is None:
        if lane.customer or lane.route:
            return NeedsApproval(
                "wrong-lane", f"Unit {unit.code} has no order; {lane.code} has one."
            )
    else:
        if lane.customer and order.customer != lane.customer:
            return NeedsApproval(
                "wrong-lane",
                f"Lane {lane.code} is for {lane.customer}, not {order.customer or '-'}.",
            )
        if lane.route and order.route != lane.route:
            return NeedsApproval(
                "wrong-lane", f"Lane {lane.code} is route {lane.route}, not {order.route or '-'}."
            )
    if lane.capacity is not None and facts.units_in_target >= lane.capacity:
        return NeedsApproval(
            "over-capacity", f"Lane {lane.code} is full ({facts.units_in_target}/{lane.capacity})."
        )
    return None


def _judge_kit(unit: Unit, area: Location, facts: SiteFacts, quantity: int) -> Verdict:
    work_order = facts.work_order
    assert work_order is not None
    required = work_order.required(unit.item)
    if required is None:
        return NeedsApproval("not-on-kit", f"{unit.item} is not on work order {work_order.ref}.")
    if facts.kit_staged + quantity > required:
        return NeedsApproval(
            "over-kit",
            f"{unit.item}: {facts.kit_staged}+{quantity} over the {required} for {work_order.ref}.",
        )
    return Allowed()
