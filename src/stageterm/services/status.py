"""Quality status and corrections: hold, release (quality role only) and undo."""

from __future__ import annotations

from sqlmodel import Session

from stageterm.domain.model import EventType, Quality, Role
from stageterm.services.moves import MovesMixin, _moved
from stageterm.services.results import Result, refused
from stageterm.store import queries
from stageterm.store.writes import record

# Events an undo may reverse: a receive or split starts a history, an undo is final.
UNDOABLE = frozenset(
    {
        EventType.STAGE,
        EventType.MOVE,
        EventType.UNSTAGE,
        EventType.ISSUE,
        EventType.LOAD,
        EventType.HOLD,
        EventType.RELEASE,
    }
)
_HELD = frozenset({Quality.HOLD, Quality.QUARANTINE})


class StatusMixin(MovesMixin):
    def hold(self, unit_code: str, operator: str | None, reason: str | None = None) -> Result:
        """Put a unit on hold: anyone signed in may stop suspect material."""

        def run(session: Session) -> Result:
            person = self._operator(session, operator)
            unit = self._unit(session, unit_code)
            if unit.quality is Quality.HOLD:
                return refused(
                    "already-on-hold", f"Unit {unit.code} is already on hold.", unit.code
                )
            event = self._event(
                EventType.HOLD, unit, person, to_quality=Quality.HOLD, reason=reason
            )
            record(session, {unit.code: unit}, [event])
            return _moved(event, f"Unit {unit.code} is on hold.")

        return self._guarded(unit_code, run)

    def release(self, unit_code: str, operator: str | None) -> Result:
        """Release a held or quarantined unit: the quality role only."""

        def run(session: Session) -> Result:
            person = self._operator(session, operator, Role.QUALITY)
            unit = self._unit(session, unit_code, open_only=False)
            if unit.quality not in (Quality.HOLD, Quality.QUARANTINE):
                return refused(
                    "not-held",
                    f"Unit {unit.code} is {unit.quality.value}; only held or quarantined units are released.",
                    unit.code,
                )
            event = self._event(EventType.RELEASE, unit, person, to_quality=Quality.RELEASED)
            record(session, {unit.code: unit}, [event])
            return _moved(event, f"Unit {unit.code} released by {person.name}.")

        return self._guarded(unit_code, run)

    def unstage(self, unit_code: str, operator: str | None) -> Result:
        """Back to the storage location the unit was staged from."""
        with self.store.read() as session:
            events = queries.history(session, unit_code)
        home = next((e.from_location for e in reversed(events) if e.type is EventType.STAGE), None)
        if home is None:
            return refused(
                "not-staged", f"Unit {unit_code} was not staged from storage here.", unit_code
            )
        return self.move(unit_code, home, operator)

    def undo(self, unit_code: str, operator: str | None) -> Result:
        """Reverse the unit's latest event with a compensating one (by its operator or a lead)."""

        def run(session: Session) -> Result:
            person = self._operator(session, operator)
            unit = self._unit(session, unit_code, open_only=False)
            last = queries.latest_event(session, unit.code)
            if last is None or last.type not in UNDOABLE:
                what = last.type.value if last else "nothing"
                return refused(
                    "nothing-to-undo",
                    f"Unit {unit.code}: its last event ({what}) cannot be undone.",
                    unit.code,
                )
            if last.operator != person.badge and not person.may_approve():
                return refused(
                    "not-allowed",
                    f"Only {last.operator} or a lead may undo this {last.type.value}.",
                    unit.code,
                )
            releases = last.from_quality is Quality.RELEASED and last.to_quality in _HELD
            if releases and person.role is not Role.QUALITY:
                return refused(
                    "not-allowed",
                    f"Undoing this {last.type.value} would release {unit.code}: "
                    "releases are for quality (stageterm release).",
                    unit.code,
                )
            event = self._event(
                EventType.UNDO,
                unit,
                person,
                to_location=last.from_location,
                to_state=last.from_state,
                to_quality=last.from_quality,
                quantity=unit.quantity,
                undoes=last.id,
                reason=f"undo {last.type.value}",
            )
            record(session, {unit.code: unit}, [event])
            return _moved(event, f"Undone: {last.type.value} of {unit.code}.")

        return self._guarded(unit_code, run)
