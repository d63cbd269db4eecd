"""Moving material: stage, move, unstage, split for kitting, load, issue. One transaction each."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlmodel import Session

from stageterm.domain import rules
from stageterm.domain.model import (
    Event,
    EventType,
    Location,
    LocationKind,
    Operator,
    Quality,
    Role,
    Unit,
    UnitState,
    new_event_id,
)
from stageterm.domain.pins import check_pin
from stageterm.services.base import Denied, ServiceBase
from stageterm.services.results import Outcome, Result, refused
from stageterm.store import queries
from stageterm.store.writes import StaleUnit, record


class MovesMixin(ServiceBase):
    def move(
        self,
        unit_code: str,
        to: str,
        operator: str | None,
        *,
        quantity: int | None = None,
        approve: str | None = None,
        pin: str | None = None,
        expected_version: int | None = None,
        recent_by_others_s: float = 0.0,
    ) -> Result:
        """Stage, move or unstage a unit (part of it, into a kitting area) to `to`.

        `expected_version`: the unit as the caller saw it; a unit changed since is refused
        ("moved-meanwhile", naming who moved it). `recent_by_others_s`: also refuse a unit
        that another operator moved less than this many seconds ago, which a terminal asks
        for so that two people scanning one unit at nearly the same time are told; the
        operator scans it again to move it anyway.
        """
        return self._guarded(
            unit_code,
            lambda s: self._move(
                s,
                unit_code,
                to,
                operator,
                quantity,
                approve,
                pin,
                expected_version,
                recent_by_others_s=recent_by_others_s,
            ),
        )

    def load(
        self,
        unit_code: str,
        dock: str,
        operator: str | None,
        *,
        expected_version: int | None = None,
        recent_by_others_s: float = 0.0,
    ) -> Result:
        """Lane -> dock, checked against the route the unit is staged for (`move` for the rest)."""
        return self._guarded(
            unit_code,
            lambda s: self._move(
                s,
                unit_code,
                dock,
                operator,
                None,
                None,
                None,
                expected_version,
                rules.Action.LOAD,
                recent_by_others_s=recent_by_others_s,
            ),
        )

    def issue(self, unit_code: str, operator: str | None) -> Result:
        """Kitting area -> production: the unit is consumed by its work order."""

        def run(session: Session) -> Result:
            person = self._operator(session, operator)
            unit = self._unit(session, unit_code)
            area = queries.location(session, unit.location) if unit.location else None
            if (
                area is None
                or area.kind is not LocationKind.KITTING
                or unit.state is not UnitState.STAGED
            ):
                return refused(
                    "not-in-kitting",
                    f"Unit {unit.code} is not staged in a kitting area.",
                    unit.code,
                )
            event = self._event(EventType.ISSUE, unit, person, to_state=UnitState.ISSUED)
            record(session, {unit.code: unit}, [event])
            return _moved(event, f"Unit {unit.code} issued to {area.work_order or 'production'}.")

        return self._guarded(unit_code, run)

    # -- the shared path -------------------------------------------------------------------

    def _move(
        self,
        session: Session,
        unit_code: str,
        to: str,
        operator: str | None,
        quantity: int | None,
        approve: str | None,
        pin: str | None,
        expected_version: int | None,
        action: rules.Action = rules.Action.MOVE,
        *,
        recent_by_others_s: float = 0.0,
    ) -> Result:
        person = self._operator(session, operator)
        unit = queries.unit(session, unit_code)
        target = queries.location(session, to)
        if unit is not None and expected_version is not None and unit.version != expected_version:
            raise StaleUnit(unit.code)
        now = self.now()
        facts = self._facts(session, unit, target, now) if unit and target else rules.SiteFacts()
        verdict = rules.judge(
            unit,
            target,
            facts,
            now,
            quantity=quantity,
            action=action,
            unit_code=unit_code,
            target_code=to,
        )
        if isinstance(verdict, rules.Refused):
            return refused(
                verdict.code,
                verdict.message,
                unit_code,
                from_=unit.location if unit else None,
                to=to,
            )
        assert unit is not None and target is not None
        if isinstance(verdict, rules.Allowed) and verdict.code == rules.ALREADY_THERE:
            return Result(
                Outcome.ALREADY_THERE,
                f"Unit {unit.code} is already in {target.code}{_still(unit)}.",
                code=rules.ALREADY_THERE,
                unit=unit.code,
                from_=unit.location,
                to=target.code,
            )
        if recent_by_others_s > 0:  # only a move that would write (or ask a lead) is a question
            self._refuse_if_just_moved_by_another(session, unit, person, now, recent_by_others_s)
        approver: Operator | None = None
        if isinstance(verdict, rules.NeedsApproval):
            if not approve:
                return Result(
                    Outcome.NEEDS_APPROVAL,
                    f"{verdict.message} A {verdict.role.value} must approve.",
                    code=verdict.code,
                    unit=unit.code,
                    from_=unit.location,
                    to=target.code,
                    role=verdict.role,
                )
            approver = self._approver(session, approve, pin, person)
        partial = quantity is not None and quantity < unit.quantity
        if partial and target.kind is not LocationKind.KITTING:
            return refused(
                "partial-not-allowed",
                "Only kitting areas take part of a unit; move the whole unit.",
                unit.code,
                from_=unit.location,
                to=target.code,
            )
        events = self._move_events(
            session, unit, target, person, approver, quantity if partial else None, action
        )
        record(session, {unit.code: unit}, events)
        moved = events[-1]
        words = (
            f"{moved.unit} {'loaded onto' if action is rules.Action.LOAD else 'to'} {target.code}"
        )
        if approver:
            words += f", approved by {approver.name}"
        return _moved(moved, f"Unit {words}.", approved_by=approver.badge if approver else None)

    def _facts(
        self, session: Session, unit: Unit, target: Location, now: object
    ) -> rules.SiteFacts:
        work_order = (
            queries.order(session, target.work_order)
            if target.kind is LocationKind.KITTING
            else None
        )
        today = self.now().date()
        return rules.SiteFacts(
            order=queries.order(session, unit.order),
            work_order=work_order,
            units_in_target=queries.units_at(session, target.code)
            if target.kind is LocationKind.LANE
            else 0,
            earlier_expiry_unit=(
                queries.earlier_expiry_unit(session, unit, today) if target.is_staging else None
            ),
            kit_staged=queries.kit_quantity(session, work_order.ref, unit.item)
            if work_order
            else 0,
            current_location=queries.location(session, unit.location) if unit.location else None,
        )

    def _approver(
        self, session: Session, badge: str, pin: str | None, operator: Operator
    ) -> Operator:
        approver = queries.operator(session, badge)
        if approver is None:
            raise Denied("unknown-approver", f"Badge {badge} is not known here.")
        if approver.badge == operator.badge:
            raise Denied("self-approval", "Approval needs a second person, not the operator.")
        if not approver.may_approve():
            raise Denied(
                "not-allowed", f"{approver.name} is {approver.role.value}; a lead must approve."
            )
        if approver.pin_hash and not (pin and check_pin(pin, approver.pin_hash)):
            raise Denied("bad-pin", f"Wrong or missing PIN for {approver.name}.")
        return approver

    def _move_events(
        self,
        session: Session,
        unit: Unit,
        target: Location,
        person: Operator,
        approver: Operator | None,
        part: int | None,
        action: rules.Action,
    ) -> list[Event]:
        events: list[Event] = []
        moving = unit
        if part is not None:
            child = f"{unit.code}-{queries.children_count(session, unit.code) + 1}"
            split = self._event(
                EventType.SPLIT, unit, person, quantity=part, payload={"child": child}
            )
            events.append(split)
            moving = replace(
                unit, code=child, quantity=part, sscc=None, parent=unit.code, version=1
            )
        if action is rules.Action.LOAD:
            kind, state = EventType.LOAD, UnitState.LOADED
        elif target.is_staging:
            kind = EventType.STAGE if moving.state is UnitState.STORED else EventType.MOVE
            state = UnitState.STAGED
        else:
            kind = EventType.UNSTAGE if moving.state is UnitState.STAGED else EventType.MOVE
            state = UnitState.STORED
        events.append(
            self._event(
                kind,
                moving,
                person,
                to_location=target.code,
                to_state=state,
                quantity=moving.quantity,
                approved_by=approver.badge if approver else None,
            )
        )
        return events

    def _event(self, kind: EventType, unit: Unit, person: Operator, **fields: object) -> Event:
        values: dict[str, object] = {
            "from_location": unit.location,
            "from_state": unit.state,
            "from_quality": unit.quality,
            "to_location": unit.location,
            "quantity": unit.quantity,  # what the event concerns, as it was then
        }
        values.update(fields)
        return Event(
            id=new_event_id(),
            type=kind,
            unit=unit.code,
            occurred_at=self.now(),
            operator=person.badge,
            terminal=self.terminal,
            **values,  # type: ignore[arg-type]
        )

    @staticmethod
    def _refuse_if_just_moved_by_another(
        session: Session, unit: Unit, person: Operator, now: datetime, window_s: float
    ) -> None:
        latest = queries.latest_mover(session, unit.code)
        if latest is None:
            return
        kind, operator, at, moved_place = latest
        # abs(): another host's clock may run ahead; a skew beyond the window leaves the
        # version check alone to tell.
        age_s = abs((now - at).total_seconds())
        moved = kind in _MOVES and moved_place  # an undo of a hold moved nothing
        if moved and operator not in (None, person.badge) and age_s < window_s:
            raise StaleUnit(unit.code)

    def _guarded(self, unit_code: str, run: object) -> Result:
        """Run a use case in one write transaction; turn refusals of people and staleness into results."""
        assert callable(run)
        try:
            with self.store.write() as session:
                return run(session)
        except Denied as denied:
            return refused(denied.code, denied.message, unit_code)
        except StaleUnit as stale:
            return refused("moved-meanwhile", self._who_moved(stale.unit), stale.unit)

    def _who_moved(self, unit_code: str) -> str:
        with self.store.read() as session:
            event = queries.latest_event(session, unit_code)
            person = queries.operator(session, event.operator) if event and event.operator else None
        if event is None:
            return f"Unit {unit_code} changed meanwhile; scan it again."
        who = person.name if person else (event.operator or "someone")
        at = event.occurred_at.strftime("%H:%M:%S")
        if event.type not in _MOVES:  # a hold, release or split changed it where it is
            return f"Unit {unit_code} was just changed ({event.type.value}) by {who} at {at}; scan it again."
        where = f" to {event.to_location}" if event.to_location else ""
        return f"Unit {unit_code} was just moved{where} by {who} at {at}; scan it again."


# Events that put a unit somewhere else: what "was just moved" means.
_MOVES = frozenset(
    {EventType.STAGE, EventType.MOVE, EventType.UNSTAGE, EventType.LOAD, EventType.UNDO}
)


def _still(unit: Unit) -> str:
    """A double scan of a unit that is not released says so (", on hold")."""
    return "" if unit.quality is Quality.RELEASED else f", {rules.quality_words(unit.quality)}"


def _moved(event: Event, message: str, approved_by: str | None = None) -> Result:
    return Result(
        Outcome.MOVED,
        message,
        unit=event.unit,
        from_=event.from_location,
        to=event.to_location,
        event_id=event.id,
        approved_by=approved_by,
    )


__all__ = ["MovesMixin", "Role"]
