"""Moving material: stage, move, unstage, split for kitting, load, issue. One transaction each.

Each move is judged by the pure rules (domain/rules.py) on facts read inside the write
transaction; the event keeps the facts it was judged on (order, customer, route, work
order) and, when a lead approved, every rule they overrode.
"""

from __future__ import annotations

from dataclasses import replace

from sqlmodel import Session

from stageterm.domain import rules
from stageterm.domain.model import (
    Event,
    EventType,
    Location,
    LocationKind,
    Operator,
    Order,
    Quality,
    Unit,
    UnitState,
)
from stageterm.services.accounts import Accounts
from stageterm.services.move_facts import (
    NotOnlyAUnit,
    facts_of,
    refuse_if_just_moved_by_another,
    site_facts,
    with_suggestion,
)
from stageterm.services.results import Denied, Outcome, Result, refused
from stageterm.services.station import Station, known_unit, may_act, moved, signed_in
from stageterm.store import floor_queries, queries
from stageterm.store.move_read import move_read
from stageterm.store.writes import StaleUnit, record


class Moves:
    def __init__(self, station: Station, accounts: Accounts) -> None:
        self.station = station
        self.accounts = accounts

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
        only_a_unit: bool = False,
    ) -> Result:
        """Stage, move or unstage a unit (part of it, into a kitting area) to `to`.

        `approve` (and `pin`): the lead approving, checked first in a transaction of its
        own so that a wrong PIN counts toward the lockout. `expected_version`: the unit as
        the caller saw it; a unit changed since is refused ("moved-meanwhile", naming who
        moved it). `recent_by_others_s`: also refuse a unit that another operator moved
        less than this many seconds ago (a terminal asks for it, so that two people
        scanning one unit at nearly the same time are told; scanning again moves it).
        `only_a_unit`: `unit_code` is a scanned code not yet resolved; if it names no unit,
        or a location or badge too, NotOnlyAUnit is raised and nothing is done (the
        terminal then resolves it the long way), so a scan is one transaction.
        """
        return self._judged(
            unit_code,
            to,
            operator,
            rules.Action.MOVE,
            quantity=quantity,
            approve=approve,
            pin=pin,
            expected_version=expected_version,
            recent_by_others_s=recent_by_others_s,
            only_a_unit=only_a_unit,
        )

    def load(
        self,
        unit_code: str,
        dock: str,
        operator: str | None,
        *,
        expected_version: int | None = None,
        recent_by_others_s: float = 0.0,
        only_a_unit: bool = False,
    ) -> Result:
        """Lane -> dock, checked against the route of the unit's order (`move` for the rest)."""
        return self._judged(
            unit_code,
            dock,
            operator,
            rules.Action.LOAD,
            expected_version=expected_version,
            recent_by_others_s=recent_by_others_s,
            only_a_unit=only_a_unit,
        )

    def issue(
        self,
        unit_code: str,
        operator: str | None,
        *,
        approve: str | None = None,
        pin: str | None = None,
    ) -> Result:
        """Kitting area or buffer -> production: the unit is consumed by its work order or
        the operation the buffer feeds. From a buffer, first in first out per item: an
        older unit of the item waiting there makes it a lead's decision (`fifo-skip`)."""
        approver: Operator | None = None
        if approve:
            try:
                approver = self.accounts.approver(approve, pin, operator)
            except Denied as denied:
                return refused(denied.code, denied.message, unit_code)

        def run(session: Session) -> Result:
            person = signed_in(session, operator)
            unit = known_unit(session, unit_code)
            area = queries.location(session, unit.location) if unit.location else None
            older = (
                floor_queries.oldest_in_buffer(session, area.code, unit.item)
                if area is not None and area.kind is LocationKind.BUFFER
                else None
            )
            facts = rules.SiteFacts(older_in_buffer=older)
            verdict = rules.judge_issue(unit, area, facts, self.station.now(), unit_code=unit_code)
            if isinstance(verdict, rules.Refused):
                return refused(verdict.code, verdict.message, unit.code, codes=(verdict.code,))
            codes = verdict.codes if isinstance(verdict, rules.NeedsApproval) else ()
            if isinstance(verdict, rules.NeedsApproval) and approver is None:
                return Result(
                    Outcome.NEEDS_APPROVAL,
                    f"{verdict.message} A {verdict.role.value} must approve.",
                    code=verdict.code,
                    codes=codes,
                    unit=unit.code,
                    from_=unit.location,
                    role=verdict.role,
                )
            assert area is not None
            event = self.station.event(
                EventType.ISSUE,
                unit,
                person,
                to_state=UnitState.ISSUED,
                approved_by=approver.badge if codes and approver else None,
                overrides=codes if approver else (),
                **facts_of(unit, area, queries.order(session, unit.order)),
            )
            record(session, {unit.code: unit}, [event])
            to = area.work_order or area.operation or "production"
            words = f"Unit {unit.code} issued to {to}"
            if codes and approver:
                words += f", approved by {approver.name}"
            return moved(
                event,
                words + ".",
                approved_by=event.approved_by,
                codes=codes if approver else (),
            )

        return self.station.guarded(unit_code, run)

    def unstage(self, unit_code: str, operator: str | None) -> Result:
        """Back to the storage location the unit was staged from."""
        with self.station.store.read() as session:
            events = queries.history(session, unit_code)
        home = next((e.from_location for e in reversed(events) if e.type is EventType.STAGE), None)
        if home is None:
            return refused(
                "not-staged", f"Unit {unit_code} was not staged from storage here.", unit_code
            )
        return self.move(unit_code, home, operator)

    # -- the shared path -------------------------------------------------------------------

    def _judged(
        self,
        unit_code: str,
        to: str,
        operator: str | None,
        action: rules.Action,
        *,
        quantity: int | None = None,
        approve: str | None = None,
        pin: str | None = None,
        expected_version: int | None = None,
        recent_by_others_s: float = 0.0,
        only_a_unit: bool = False,
    ) -> Result:
        approver: Operator | None = None
        if approve:
            try:
                approver = self.accounts.approver(approve, pin, operator)
            except Denied as denied:
                return refused(denied.code, denied.message, unit_code, to=to)
        return self.station.guarded(
            unit_code,
            lambda s: self._move(
                s,
                unit_code,
                to,
                operator,
                quantity,
                approver,
                expected_version,
                action,
                recent_by_others_s,
                only_a_unit,
            ),
        )

    def _move(
        self,
        session: Session,
        unit_code: str,
        to: str,
        operator: str | None,
        quantity: int | None,
        approver: Operator | None,
        expected_version: int | None,
        action: rules.Action,
        recent_by_others_s: float,
        only_a_unit: bool = False,
    ) -> Result:
        if not operator:
            raise Denied("no-operator", "Sign in first: scan your badge.")
        read = move_read(session, operator, unit_code, to)  # one SELECT for all that follows
        if only_a_unit and (read.unit is None or read.names_more):
            raise NotOnlyAUnit(unit_code)
        person = may_act(read.person, operator)
        unit, target = read.unit, read.target
        if unit is not None and expected_version is not None and unit.version != expected_version:
            raise StaleUnit(unit.code)
        now = self.station.now()
        facts = (
            site_facts(session, unit, target, now.date(), read)
            if unit and target
            else rules.SiteFacts()
        )

        def judged(facts: rules.SiteFacts) -> rules.Verdict:
            return rules.judge(
                unit,
                target,
                facts,
                now,
                quantity=quantity,
                action=action,
                unit_code=unit_code,
                target_code=to,
            )

        verdict = judged(facts)
        if isinstance(verdict, rules.NeedsApproval) and "wrong-lane" in verdict.codes:
            assert unit is not None
            facts = with_suggestion(session, unit, facts)
            verdict = judged(facts)
        if isinstance(verdict, rules.Refused):
            return refused(
                verdict.code,
                verdict.message,
                unit_code,
                from_=unit.location if unit else None,
                to=to,
                codes=(verdict.code,),
                suggested=facts.suggested,
            )
        assert unit is not None and target is not None
        if isinstance(verdict, rules.Allowed) and verdict.code == rules.ALREADY_THERE:
            return Result(
                Outcome.ALREADY_THERE,
                f"Unit {unit.code} is already in {target.code}{_still(unit)}.",
                code=rules.ALREADY_THERE,
                codes=(rules.ALREADY_THERE,),
                unit=unit.code,
                from_=unit.location,
                to=target.code,
            )
        if recent_by_others_s > 0:  # only a move that would write (or ask a lead) is a question
            refuse_if_just_moved_by_another(read, unit, person, now, recent_by_others_s)
        overrides: tuple[str, ...] = ()
        if isinstance(verdict, rules.NeedsApproval):
            overrides = verdict.codes
            if approver is None:
                return Result(
                    Outcome.NEEDS_APPROVAL,
                    f"{verdict.message} A {verdict.role.value} must approve.",
                    code=verdict.code,
                    codes=overrides,
                    suggested=facts.suggested if "wrong-lane" in overrides else (),
                    unit=unit.code,
                    from_=unit.location,
                    to=target.code,
                    role=verdict.role,
                )
        else:
            approver = None  # nothing to approve: the move is the mover's alone
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
            session,
            unit,
            target,
            person,
            approver,
            quantity if partial else None,
            action,
            overrides,
            facts.order,
        )
        # The one read said whether the unit has an open task: no second look for one.
        record(
            session, {unit.code: unit}, events, without_tasks=() if read.open_task else {unit.code}
        )
        last = events[-1]
        words = (
            f"{last.unit} {'loaded onto' if action is rules.Action.LOAD else 'to'} {target.code}"
        )
        if partial:
            words += f" ({last.quantity} of {unit.quantity}; {unit.quantity - (last.quantity or 0)} left on {unit.code})"
        if approver:
            words += f", approved by {approver.name}"
        return moved(
            last,
            f"Unit {words}.",
            approved_by=approver.badge if approver else None,
            codes=overrides,
        )

    def _move_events(
        self,
        session: Session,
        unit: Unit,
        target: Location,
        person: Operator,
        approver: Operator | None,
        part: int | None,
        action: rules.Action,
        overrides: tuple[str, ...],
        order: Order | None,
    ) -> list[Event]:
        events: list[Event] = []
        moving = unit
        if part is not None:
            child = f"{unit.code}-{queries.children_count(session, unit.code) + 1}"
            split = self.station.event(
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
            self.station.event(
                kind,
                moving,
                person,
                to_location=target.code,
                to_state=state,
                quantity=moving.quantity,
                approved_by=approver.badge if approver else None,
                overrides=overrides if approver else (),
                **facts_of(moving, target, order),
            )
        )
        return events


def _still(unit: Unit) -> str:
    """A double scan of a unit that is not released says so (", on hold")."""
    return "" if unit.quality is Quality.RELEASED else f", {rules.quality_words(unit.quality)}"
