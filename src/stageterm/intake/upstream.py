"""Units that a feed page or an inbox file names and the site already knows (SPEC §6a).

Not an error as in an import: a change of `quality` becomes a `hold` or `release` event by
operator `upstream` (with the source as its reason); any other difference is a conflict,
reported (unit, field) and not applied. Read in a planning transaction, outside the write
lock; the events are recorded with the rest of their slice against the units as read
(`store.writes.record`: a unit moved meanwhile is read again). A record taken a second
time finds the unit's quality already as it says: no second event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from stageterm.domain.model import Event, EventType, Quality, Unit, new_event_id
from stageterm.intake.columns import COLUMNS
from stageterm.intake.rows import Checked, UnitIn
from stageterm.store import queries

UPSTREAM = "upstream"  # the operator of the quality events the feed brings
# A unit's fields as the feed and the unit name them (the units file's columns but its key);
# quality is not a conflict but an event.
COMPARED = tuple(c for c in COLUMNS["units"] if c not in ("code", "quality"))


@dataclass(frozen=True)
class Conflict:
    unit: str
    field: str

    def as_json(self) -> dict[str, str]:
        return {"unit": self.unit, "field": self.field}


@dataclass
class KnownUnits:
    """What the records of known units bring, and the records left to receive."""

    new: Checked[UnitIn]
    events: list[Event] = field(default_factory=list)
    units_read: dict[str, Unit] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)


def sort_known(
    session: Session, checked: Checked[UnitIn], now: datetime, terminal: str
) -> KnownUnits:
    """Split `checked` into the units to receive and the known ones: the quality events and
    conflicts of those, read in `session`."""
    new: list[tuple[int, UnitIn]] = []
    known = KnownUnits(Checked(checked.kind, checked.source, new, []))
    for line, record_in in checked.records:
        unit = queries.unit(session, record_in.code)
        if unit is None:
            new.append((line, record_in))
            continue
        known.conflicts.extend(_conflicts(record_in, unit))
        event = _quality_event(record_in, unit, now, terminal, checked.source)
        if event is not None:
            known.events.append(event)
            known.units_read[unit.code] = unit
    return known


def _conflicts(record_in: UnitIn, unit: Unit) -> list[Conflict]:
    return [
        Conflict(unit.code, name)
        for name in COMPARED
        if getattr(record_in, name) is not None and getattr(record_in, name) != getattr(unit, name)
    ]


def _quality_event(
    record_in: UnitIn, unit: Unit, now: datetime, terminal: str, source: str
) -> Event | None:
    wanted = Quality(record_in.quality)
    if wanted is unit.quality:
        return None
    kind = EventType.RELEASE if wanted is Quality.RELEASED else EventType.HOLD
    return Event(
        id=new_event_id(),
        type=kind,
        unit=unit.code,
        occurred_at=now,
        operator=UPSTREAM,
        terminal=terminal,
        from_location=unit.location,
        to_location=unit.location,
        from_state=unit.state,
        from_quality=unit.quality,
        to_quality=wanted,
        quantity=unit.quantity,
        reason=f"quality {wanted.value} from {source}"[:200],
    )
