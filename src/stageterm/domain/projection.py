"""The current state of units, as a fold over the event log.

`apply` is the one definition of what an event does to a unit: the services use it to
write the projection in the same transaction as the event, and `replay` uses it to
rebuild every unit from the log (the tests check the two agree).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date

from stageterm.domain.model import Event, EventType, Quality, Unit, UnitState


def unit_from_receive(event: Event) -> Unit:
    """The unit a receive event brings into being (its payload is the unit's master data)."""
    p = event.payload
    expiry = p.get("expiry")
    return Unit(
        code=event.unit,
        item=str(p["item"]),
        quantity=int(str(p["quantity"])),
        quality=event.to_quality or Quality.RELEASED,
        state=event.to_state or UnitState.STORED,
        location=event.to_location,
        gtin=_opt(p.get("gtin")),
        lot=_opt(p.get("lot")),
        serial=_opt(p.get("serial")),
        sscc=_opt(p.get("sscc")),
        uom=_opt(p.get("uom")),
        expiry=date.fromisoformat(str(expiry)) if expiry else None,
        order=_opt(p.get("order")),
        staged_at=event.occurred_at if event.to_state is UnitState.STAGED else None,
        version=1,
        parent=_opt(p.get("parent")),
    )


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


def apply(units: Mapping[str, Unit], event: Event) -> dict[str, Unit]:
    """The units `event` changes, as they are after it (one, or two for a split)."""
    if event.type is EventType.RECEIVE:
        return {event.unit: unit_from_receive(event)}
    unit = units[event.unit]
    if event.type is EventType.SPLIT:
        qty = int(event.quantity or 0)
        child_code = str(event.payload["child"])
        child = replace(
            unit,
            code=child_code,
            quantity=qty,
            sscc=None,
            version=1,
            parent=unit.code,
        )
        parent = replace(unit, quantity=unit.quantity - qty, version=unit.version + 1)
        return {unit.code: parent, child_code: child}
    location = event.to_location if event.to_location is not None else unit.location
    state = event.to_state or unit.state
    moved = location != unit.location or state != unit.state
    staged_at = unit.staged_at
    if state is not UnitState.STAGED:
        staged_at = None
    elif moved:
        staged_at = event.occurred_at
    changed = replace(
        unit,
        location=location,
        state=state,
        quality=event.to_quality or unit.quality,
        staged_at=staged_at,
        version=unit.version + 1,
    )
    return {unit.code: changed}


def replay(events: Iterable[Event]) -> dict[str, Unit]:
    """Every unit as the log says it is now (events in `seq` order)."""
    units: dict[str, Unit] = {}
    for event in events:
        units.update(apply(units, event))
    return units
