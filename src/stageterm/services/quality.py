"""Quality status at the terminal and the command line: anyone signed in holds a unit;
only the quality role releases a held or quarantined one (SPEC §3)."""

from __future__ import annotations

from sqlmodel import Session

from stageterm.domain.model import EventType, Quality, Role
from stageterm.services.results import Result, refused
from stageterm.services.station import Station, known_unit, moved, signed_in
from stageterm.store.writes import record


class QualityControl:
    def __init__(self, station: Station) -> None:
        self.station = station

    def hold(self, unit_code: str, operator: str | None, reason: str | None = None) -> Result:
        """Put a unit on hold: anyone signed in may stop suspect material."""

        def run(session: Session) -> Result:
            person = signed_in(session, operator)
            unit = known_unit(session, unit_code)
            if unit.quality is Quality.HOLD:
                return refused(
                    "already-on-hold", f"Unit {unit.code} is already on hold.", unit.code
                )
            event = self.station.event(
                EventType.HOLD, unit, person, to_quality=Quality.HOLD, reason=reason
            )
            record(session, {unit.code: unit}, [event])
            return moved(event, f"Unit {unit.code} is on hold.")

        return self.station.guarded(unit_code, run)

    def release(self, unit_code: str, operator: str | None, reason: str | None = None) -> Result:
        """Release a held or quarantined unit: the quality role only."""

        def run(session: Session) -> Result:
            person = signed_in(session, operator, Role.QUALITY)
            unit = known_unit(session, unit_code, open_only=False)
            if unit.quality not in (Quality.HOLD, Quality.QUARANTINE):
                return refused(
                    "not-held",
                    f"Unit {unit.code} is {unit.quality.value}; only held or quarantined units are released.",
                    unit.code,
                )
            event = self.station.event(
                EventType.RELEASE, unit, person, to_quality=Quality.RELEASED, reason=reason
            )
            record(session, {unit.code: unit}, [event])
            return moved(event, f"Unit {unit.code} released by {person.name}.")

        return self.station.guarded(unit_code, run)
