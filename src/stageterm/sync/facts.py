"""Reads for the sync: events by seq, and the units, places and orders they mention.

Portable SQLAlchemy Core (no dialect-specific SQL), the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Table, select
from sqlmodel import Session

from stageterm.domain.model import Event, EventType, SyncState
from stageterm.store.tables import EventRow, LocationRow, OrderRow, UnitRow
from stageterm.sync.epcis import Facts

EVENTS: Table = EventRow.__table__  # type: ignore[attr-defined]
PENDING = SyncState.PENDING.value
REJECTED = SyncState.REJECTED.value
SYNCED = SyncState.SYNCED.value
RECEIVE = EventType.RECEIVE.value
MAX_ERROR = 500  # characters of upstream's reason kept with an event


# The sync reads whole batches, so it reads Core rows rather than ORM objects (several
# times faster) and hands them to the tables' own `to_domain`, which only reads
# attributes: a Core row has the same ones, typed by the same column types.


def _event(row: Any) -> Event:
    return EventRow.to_domain(row)


def events_by_seq(session: Session, seqs: Sequence[int]) -> list[Event]:
    if not seqs:
        return []
    stmt = select(EVENTS).where(EVENTS.c.seq.in_(seqs)).order_by(EVENTS.c.seq)
    return [_event(row) for row in session.execute(stmt)]


def exported_events(session: Session, after_seq: int, limit: int) -> list[Event]:
    """Events upstream sees (every type but receive), in seq order after `after_seq`."""
    stmt = (
        select(EVENTS)
        .where(EVENTS.c.seq > after_seq, EVENTS.c.type != EventType.RECEIVE.value)
        .order_by(EVENTS.c.seq)
        .limit(limit)
    )
    return [_event(row) for row in session.execute(stmt)]


def load_facts(session: Session, events: Iterable[Event]) -> Facts:
    """The units, locations and orders `events` refer to, in three queries."""
    unit_codes: set[str] = set()
    location_codes: set[str] = set()
    for event in events:
        unit_codes.add(event.unit)
        child = event.payload.get("child") if event.type is EventType.SPLIT else None
        if child:
            unit_codes.add(str(child))
        location_codes.update(c for c in (event.from_location, event.to_location) if c)
    units = {
        row.code: UnitRow.to_domain(row) for row in _rows(session, UnitRow, "code", unit_codes)
    }
    locations = {
        row.code: LocationRow.to_domain(row)
        for row in _rows(session, LocationRow, "code", location_codes)
    }
    refs = {u.order for u in units.values() if u.order}
    refs.update(loc.work_order for loc in locations.values() if loc.work_order)
    # Orders without their lines: the mapping needs kind, customer, route and carrier only.
    orders = {row.ref: OrderRow.to_domain(row, []) for row in _rows(session, OrderRow, "ref", refs)}
    return Facts(units=units, locations=locations, orders=orders)


def _rows(session: Session, model: Any, key: str, values: set[str]) -> list[Any]:
    if not values:
        return []
    table: Table = model.__table__
    return list(session.execute(select(table).where(table.c[key].in_(sorted(values)))))
