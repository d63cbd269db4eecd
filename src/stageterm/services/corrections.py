"""Correcting a mistake: undo reverses a unit's latest event with a compensating one."""

from __future__ import annotations

from sqlmodel import Session

from stageterm.domain.model import EventType, Quality, Role
from stageterm.services.results import Result, refused
from stageterm.services.station import Station, known_unit, moved, signed_in
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


class Corrections:
    def __init__(self, station: Station) -> None:
        self.station = station

    def undo(self, unit_code: str, operator: str | None) -> Result:
        """Reverse the unit's latest event (by its operator or a lead). Undoing a hold is
        a release, so it is for the quality role (who can also release it directly)."""

        def run(session: Session) -> Result:
            person = signed_in(session, operator)
            unit = known_unit(session, unit_code, open_only=False)
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
                    "a quality inspector releases it at a terminal (@RELEASE).",
                    unit.code,
                )
            event = self.station.event(
                EventType.UNDO,
                unit,
                person,
                to_location=last.from_location,
                to_state=last.from_state,
                to_quality=last.from_quality,
                quantity=unit.quantity,
                undoes=last.id,
                reason=f"undo {last.type.value}",
                order=last.order,
                customer=last.customer,
                route=last.route,
                carrier=last.carrier,
                work_order=last.work_order,
            )
            record(session, {unit.code: unit}, [event])
            return moved(event, f"Undone: {last.type.value} of {unit.code}.")

        return self.station.guarded(unit_code, run)
