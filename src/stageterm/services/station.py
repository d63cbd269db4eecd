"""What every use case stands on: the store, this terminal's id, the settings and the clock,
and the few steps all of them share (find the unit, check the person, write one event,
run in one write transaction and turn refusals of people into answers)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from stageterm.config.model import Settings
from stageterm.domain.model import Event, EventType, Operator, Role, Unit, new_event_id
from stageterm.services.results import Denied, Outcome, Result, refused
from stageterm.store import queries
from stageterm.store.engine import Store
from stageterm.store.writes import StaleUnit


def local_now() -> datetime:
    """Now, aware, in the terminal's local offset (events keep it, SPEC §2)."""
    return datetime.now().astimezone()


@dataclass(frozen=True)
class Station:
    """One terminal's (or one command's) place at the site."""

    store: Store
    terminal: str = "local"
    settings: Settings = field(default_factory=Settings)
    clock: Callable[[], datetime] = local_now

    def now(self) -> datetime:
        return self.clock()

    def event(self, kind: EventType, unit: Unit, person: Operator, **fields: object) -> Event:
        """A new event about `unit` as it is now, by `person` at this terminal."""
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

    def guarded(self, unit_code: str, run: Callable[[Session], Result]) -> Result:
        """Run a use case in one write transaction; refusals of people and a unit changed
        meanwhile become answers."""
        try:
            with self.store.write() as session:
                return run(session)
        except Denied as denied:
            return refused(denied.code, denied.message, unit_code)
        except StaleUnit as stale:
            return refused("moved-meanwhile", self.who_moved(stale.unit), stale.unit)

    def who_moved(self, unit_code: str) -> str:
        with self.store.read() as session:
            event = queries.latest_event(session, unit_code)
            person = queries.operator(session, event.operator) if event and event.operator else None
        if event is None:
            return f"Unit {unit_code} changed meanwhile; scan it again."
        who = person.name if person else (event.operator or "someone")
        at = event.occurred_at.strftime("%H:%M:%S")
        if event.type not in MOVES:  # a hold, release or split changed it where it is
            return f"Unit {unit_code} was just changed ({event.type.value}) by {who} at {at}; scan it again."
        where = f" to {event.to_location}" if event.to_location else ""
        return f"Unit {unit_code} was just moved{where} by {who} at {at}; scan it again."


# Events that put a unit somewhere else: what "was just moved" means.
MOVES = frozenset(
    {EventType.STAGE, EventType.MOVE, EventType.UNSTAGE, EventType.LOAD, EventType.UNDO}
)


def known_unit(session: Session, code: str, *, open_only: bool = True) -> Unit:
    """The unit a use case acts on; refused when unknown (or, by default, closed)."""
    unit = queries.unit(session, code)
    if unit is None:
        raise Denied("unknown-unit", f"Unit {code} is not known here.")
    if open_only and unit.is_closed:
        raise Denied("closed-unit", f"Unit {unit.code} is already {unit.state.value}.")
    return unit


def signed_in(session: Session, badge: str | None, *roles: Role) -> Operator:
    """The operator asking, who must exist and (when roles are named) hold one of them."""
    if not badge:
        raise Denied("no-operator", "Sign in first: scan your badge.")
    return may_act(queries.operator(session, badge), badge, *roles)


def may_act(person: Operator | None, badge: str, *roles: Role) -> Operator:
    """`signed_in` on the operator already read (`person`, None when unknown)."""
    if person is None:
        raise Denied("unknown-operator", f"Badge {badge} is not known here.")
    if roles and person.role not in roles:
        names = " or ".join(r.value for r in roles)
        raise Denied("not-allowed", f"{person.name} is {person.role.value}; this needs {names}.")
    return person


def moved(event: Event, message: str, **extra: object) -> Result:
    """The answer for a change that wrote `event`."""
    return Result(
        Outcome.MOVED,
        message,
        unit=event.unit,
        from_=event.from_location,
        to=event.to_location,
        event_id=event.id,
        **extra,  # type: ignore[arg-type]
    )
