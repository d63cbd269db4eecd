"""What a move is judged on and what its event keeps: the site facts read inside the move's
transaction (order, work order, capacity count, FEFO, suggested lanes), the facts kept
with the event, and the "another operator just moved it" question."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from sqlmodel import Session

from stageterm.domain import rules, suggest
from stageterm.domain.model import Location, LocationKind, Operator, Order, Unit
from stageterm.services.station import MOVES
from stageterm.store import floor_queries, queries
from stageterm.store.move_read import MoveRead
from stageterm.store.writes import StaleUnit


class NotOnlyAUnit(Exception):
    """A scanned code moved as a unit's names no unit, or a location or badge as well:
    the move is not made and the terminal resolves the code the long way."""


def site_facts(
    session: Session, unit: Unit, target: Location, today: date, read: MoveRead
) -> rules.SiteFacts:
    """What the rules need to judge `unit` into `target`, read in the move's transaction:
    most of it by the move's one read (`read`), the rest only when the target needs it."""
    work_order = (
        queries.order(session, target.work_order) if target.kind is LocationKind.KITTING else None
    )
    order = read.order
    fefo = (
        floor_queries.earlier_expiry(session, unit, today)
        if target.kind in (LocationKind.LANE, LocationKind.KITTING)
        else None
    )
    return rules.SiteFacts(
        order=order,
        work_order=work_order,
        units_in_target=read.staged_in_target
        if target.kind in (LocationKind.LANE, LocationKind.BUFFER)
        else 0,
        earlier_expiry_unit=fefo[0] if fefo else None,
        earlier_expiry_location=fefo[1] if fefo else None,
        kit_staged=queries.kit_quantity(session, work_order.ref, unit.item) if work_order else 0,
        current_location=read.here,
    )


def with_suggestion(session: Session, unit: Unit, facts: rules.SiteFacts) -> rules.SiteFacts:
    """The facts with the lanes the unit's order should go to: read only when an answer
    is about where the unit goes (a wrong lane), so the scan path pays nothing for it."""
    if not suggest.wants_a_lane(facts.order):
        return facts
    counts = floor_queries.lane_counts(session, unit.order)
    return replace(facts, suggested=suggest.suggest_lanes(facts.order, counts))


def facts_of(unit: Unit, place: Location, order: Order | None) -> dict[str, str | None]:
    """The facts an event is judged on, kept with it: the unit's order and its customer,
    route and carrier (else the place's), and the kitting area's work order."""
    source: Order | Location = order if order is not None else place
    return {
        "order": unit.order,
        "customer": source.customer,
        "route": source.route,
        "carrier": source.carrier,
        "work_order": place.work_order if place.kind is LocationKind.KITTING else None,
    }


def refuse_if_just_moved_by_another(
    read: MoveRead, unit: Unit, person: Operator, now: datetime, window_s: float
) -> None:
    latest = read.latest  # the unit's latest event, read with the unit
    if latest is None:
        return
    kind, operator, at, moved_place = latest
    # abs(): another host's clock may run ahead; a skew beyond the window leaves the
    # version check alone to tell.
    age_s = abs((now - at).total_seconds())
    was_moved = kind in MOVES and moved_place  # an undo of a hold moved nothing
    if was_moved and operator not in (None, person.badge) and age_s < window_s:
        raise StaleUnit(unit.code)
