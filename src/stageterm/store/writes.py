"""The one way the event log and the unit projection change: together, in one transaction."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import bindparam, insert, update
from sqlmodel import Session

from stageterm.domain import projection
from stageterm.domain.model import Event, Unit
from stageterm.store import tasks
from stageterm.store.prepared import Prepared
from stageterm.store.tables import EVENTS, UNITS, EventRow, UnitRow

# Prepared once (store/prepared.py): the scan path runs these on every scan. The SET of an
# update is the columns its parameters name.
_ADD_EVENTS = Prepared(insert(EVENTS))
_ADD_UNIT = Prepared(insert(UNITS))
_CHANGE_UNIT = Prepared(
    update(UNITS).where(
        UNITS.c.code == bindparam("was_code"), UNITS.c.version == bindparam("was_version")
    )
)


class StaleUnit(Exception):
    """Another terminal changed the unit between reading and writing it."""

    def __init__(self, unit: str) -> None:
        super().__init__(unit)
        self.unit = unit


def record(
    session: Session,
    units: dict[str, Unit],
    events: Sequence[Event],
    *,
    without_tasks: Collection[str] = (),
) -> dict[str, Unit]:
    """Append `events` and write what they do to the units (optimistic on `version`).

    `units` holds the units as they were read in this transaction; `without_tasks` the
    codes this transaction has already read to have no open re-coordination task (the
    move's one read does), so that they are not looked up again. Raises StaleUnit when
    a unit's version moved on meanwhile (on PostgreSQL, where readers don't block writers).
    Returns the units as they are after the events.
    """
    current = dict(units)
    before = {code: unit.version for code, unit in units.items()}
    for event in events:
        current.update(projection.apply(current, event))
    connection = session.connection()
    if events:
        _ADD_EVENTS.run(connection, [EventRow.values_from(e) for e in events])
    for code, unit in current.items():
        if code in before and unit.version == before[code]:
            continue
        values = UnitRow.values_from(unit)
        if code not in before:
            _ADD_UNIT.run(connection, [values])
            continue
        # Only the columns that changed: SQLite rewrites an index entry for every column SET.
        old = UnitRow.values_from(units[code])
        changed = {k: v for k, v in values.items() if old[k] != v}
        changed_rows = _CHANGE_UNIT.run(
            connection, [{**changed, "was_code": code, "was_version": before[code]}]
        )
        if changed_rows != 1:
            raise StaleUnit(code)
    # A re-coordination task ends with the move that put its unit where it fits (SPEC §6a).
    tasks.end_fitting(session, current, events, without_tasks)
    return current
