"""Judge a floor decision: a move, a load or an issue is allowed, refused, or needs a lead.

Pure functions of (unit, target, site facts, now), in the order of SPEC §3: the first
refusal decides alone; when nothing refuses, every approval rule that applies is
collected (in SPEC order) so that one approval covers exactly what the lead was shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from stageterm.domain.model import (
    MOVE_TARGET_KINDS,
    Location,
    LocationKind,
    Order,
    Quality,
    Role,
    Unit,
    UnitState,
)
from stageterm.domain.suggest import lane_takes

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


# The approval rules in the order SPEC §3 lists them: `codes` always follow it.
APPROVAL_ORDER = ("wrong-lane", "over-capacity", "fefo-skip", "not-on-kit", "over-kit", "fifo-skip")


@dataclass(frozen=True, slots=True)
class NeedsApproval:
    """Every approval rule that applies, so the lead approves all of them at once."""

    codes: tuple[str, ...]  # in APPROVAL_ORDER, never empty
    message: str  # one sentence per rule, joined: what the operator and the lead read
    role: Role = Role.LEAD
    reasons: tuple[str, ...] = ()  # the sentences one by one, for a screen that lists them

    def __post_init__(self) -> None:
        # A bare code where `codes` was meant (the old one-code signature) would read as
        # its letters; say so at once rather than show a lead "w".
        if isinstance(self.codes, str):
            raise TypeError("NeedsApproval.codes is a tuple of rule codes")
        if not self.codes:
            raise ValueError("an approval names at least one rule")

    @property
    def code(self) -> str:
        """The first rule: what callers that know only one code show."""
        return self.codes[0]


Verdict = Allowed | Refused | NeedsApproval

ALREADY_THERE = "already-there"
# Issue takes a unit to production from where it waits for it: a kitting area or a buffer.
NOT_ISSUABLE = "not-in-kitting-or-buffer"

_FEFO_KINDS = frozenset({LocationKind.LANE, LocationKind.KITTING})  # not buffers: WIP is FIFO
_CAPACITY_KINDS = frozenset({LocationKind.LANE, LocationKind.BUFFER})
_ISSUE_KINDS = frozenset({LocationKind.KITTING, LocationKind.BUFFER})


@dataclass(frozen=True, slots=True)
class SiteFacts:
    """What the rules need to know about the rest of the site, gathered by the services."""

    order: Order | None = None  # the unit's own order
    work_order: Order | None = None  # the target kitting area's work order
    units_in_target: int = 0  # units now in the target lane or buffer (capacity counts units)
    earlier_expiry_unit: str | None = None  # FEFO: a unit that should go first
    earlier_expiry_location: str | None = None  # where that unit is, so the operator finds it
    kit_staged: int = 0  # quantity of this item already staged for the work order
    current_location: Location | None = None  # where the unit is now (for loading)
    suggested: tuple[str, ...] = ()  # lanes for the unit's order, best first (suggest_lanes)
    older_in_buffer: Unit | None = None  # issue: the oldest staged unit of the item there


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
    """Decide whether `unit` may go to `target` now (a move, or with LOAD onto a dock)."""
    if unit is None:
        return Refused("unknown-unit", f"Unit {unit_code} is not known here.")
    if target is None:
        return Refused("unknown-location", f"Location {target_code} is not known here.")
    if unit.is_closed:
        return _closed(unit)
    if action is Action.LOAD:
        if target.kind is not LocationKind.DOCK:
            return Refused("not-a-target", f"{target.code} is not a dock: load onto a dock.")
    elif target.kind not in MOVE_TARGET_KINDS:
        hint = " Use load for docks." if target.kind is LocationKind.DOCK else ""
        return Refused(
            "not-a-target",
            f"{target.code} is a {target.kind.value}, not a lane, area or buffer.{hint}",
        )
    if unit.location == target.code:
        return Allowed(ALREADY_THERE)
    unusable = _unusable(unit, now)
    if unusable is not None:
        return unusable
    if action is Action.LOAD:
        return _judge_load(unit, target, facts)
    if quantity is not None and not 0 < quantity <= unit.quantity:
        return Refused("bad-quantity", f"Quantity {quantity} is not between 1 and {unit.quantity}.")
    approvals: list[tuple[str, str]] = []
    if target.kind is LocationKind.LANE and not lane_takes(target, facts.order):
        approvals.append(("wrong-lane", _wrong_lane_words(unit, target, facts)))
    if (
        target.kind in _CAPACITY_KINDS
        and target.capacity is not None
        and facts.units_in_target >= target.capacity
    ):
        kind = "Lane" if target.kind is LocationKind.LANE else "Buffer"
        full = f"{facts.units_in_target}/{target.capacity}"
        approvals.append(("over-capacity", f"{kind} {target.code} is full ({full})."))
    if target.kind in _FEFO_KINDS and facts.earlier_expiry_unit:
        approvals.append(("fefo-skip", _fefo_words(unit, facts)))
    if target.kind is LocationKind.KITTING and facts.work_order is not None:
        approvals.extend(_kit_approvals(unit, facts.work_order, facts, quantity or unit.quantity))
    return _verdict(approvals)


def judge_issue(
    unit: Unit | None,
    area: Location | None,
    facts: SiteFacts,
    now: datetime,
    *,
    unit_code: str = "",
) -> Verdict:
    """Decide whether `unit` may be issued to production from `area`, where it is staged.

    Order: unknown-unit, closed-unit, not-in-kitting-or-buffer, not-released, expired
    (held or expired material is not consumed), fifo-skip (buffers only).
    """
    if unit is None:
        return Refused("unknown-unit", f"Unit {unit_code} is not known here.")
    if unit.is_closed:
        return _closed(unit)
    if (
        area is None
        or area.kind not in _ISSUE_KINDS
        or unit.state is not UnitState.STAGED
        or unit.location != area.code
    ):
        return Refused(NOT_ISSUABLE, f"Unit {unit.code} is not staged in a kitting area or buffer.")
    unusable = _unusable(unit, now)
    if unusable is not None:
        return unusable
    older = facts.older_in_buffer
    if area.kind is LocationKind.BUFFER and older is not None and _waited_longer(older, unit):
        words = (
            f"Unit {older.code} of {unit.item} has waited longer in {area.code}; issue it first."
        )
        return _verdict([("fifo-skip", words)])
    return Allowed()


def _closed(unit: Unit) -> Refused:
    return Refused("closed-unit", f"Unit {unit.code} is already {unit.state.value}.")


def _unusable(unit: Unit, now: datetime) -> Refused | None:
    """Only released, unexpired material is staged, loaded or issued."""
    if unit.quality is not Quality.RELEASED:
        return Refused(
            "not-released", f"Unit {unit.code} is {quality_words(unit.quality)}, not released."
        )
    # The terminal's local date decides: `now` carries its offset.
    if unit.expiry is not None and unit.expiry < now.date():
        return Refused("expired", f"Unit {unit.code} expired on {unit.expiry.isoformat()}.")
    return None


def _verdict(approvals: list[tuple[str, str]]) -> Verdict:
    if not approvals:
        return Allowed()
    approvals.sort(key=lambda approval: APPROVAL_ORDER.index(approval[0]))
    reasons = tuple(words for _, words in approvals)
    return NeedsApproval(
        codes=tuple(code for code, _ in approvals), message=" ".join(reasons), reasons=reasons
    )


def _judge_load(unit: Unit, dock: Location, facts: SiteFacts) -> Verdict:
    lane = facts.current_location
    if unit.state is not UnitState.STAGED or lane is None or lane.kind is not LocationKind.LANE:
        return Refused("route-mismatch", f"Unit {unit.code} is not staged in a lane.")
    # The order says where the unit goes, whatever lane a lead let it wait in; a unit
    # without an order (or an order without a route) goes where its lane goes.
    order = facts.order
    route = (order.route if order else None) or lane.route
    if dock.route and route and dock.route != route:
        whose = f" (order {order.ref})" if order and order.route else ""
        return Refused(
            "route-mismatch",
            f"Unit {unit.code} is for route {route}{whose}, not {dock.route}.",
        )
    return Allowed()


def _planned_for(lane: Location) -> str:
    """What a lane is planned for, as a lead says it: "ACME, route NORTH"."""
    parts = [lane.customer] if lane.customer else []
    if lane.route:
        parts.append(f"route {lane.route}")
    return ", ".join(parts)


def _wrong_lane_words(unit: Unit, lane: Location, facts: SiteFacts) -> str:
    order = facts.order
    if order is None:
        return f"Unit {unit.code} has no order; lane {lane.code} is for {_planned_for(lane)}."
    differs = []
    if lane.customer and lane.customer != order.customer:
        differs.append(f"for {lane.customer}, not {order.customer or '-'}")
    if lane.route and lane.route != order.route:
        differs.append(f"route {lane.route}, not {order.route or '-'}")
    words = f"Lane {lane.code} is {', and '.join(differs)}."
    better = [code for code in facts.suggested if code != lane.code]
    if better:
        words += f" Unit {unit.code} belongs in {better[0]}."
    return words


def _fefo_words(unit: Unit, facts: SiteFacts) -> str:
    words = f"Unit {facts.earlier_expiry_unit} of {unit.item} expires first."
    if facts.earlier_expiry_location:
        words += f" Take it from {facts.earlier_expiry_location}."
    return words


def _kit_approvals(
    unit: Unit, work_order: Order, facts: SiteFacts, quantity: int
) -> list[tuple[str, str]]:
    required = work_order.required(unit.item)
    if required is None:
        return [("not-on-kit", f"{unit.item} is not on work order {work_order.ref}.")]
    if facts.kit_staged + quantity > required:
        over = f"{facts.kit_staged}+{quantity} over the {required} for {work_order.ref}"
        return [("over-kit", f"{unit.item}: {over}.")]
    return []


def _waited_longer(older: Unit, unit: Unit) -> bool:
    """FIFO: `older` was staged strictly before `unit` (the services may pass the unit itself)."""
    return (
        older.code != unit.code
        and older.item == unit.item
        and older.location == unit.location
        and older.staged_at is not None
        and unit.staged_at is not None
        and older.staged_at < unit.staged_at
    )
