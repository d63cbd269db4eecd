"""Reads for the sync: events by seq, and the units, places and orders they mention.

Portable SQLAlchemy Core (no dialect-specific SQL), the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Table, select
from sqlmodel import Session

from stageterm.domain.model import Event, EventType, Location, Order, SyncState, Unit
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


# The outbox's own bookkeeping is not part of an event; leaving it out (two of its columns
# are datetimes, dear to parse on SQLite) makes reading a batch about three times faster.
_BOOKKEEPING = frozenset({"sync_attempts", "sync_error", "synced_at", "lease_owner", "lease_until"})
EVENT_COLUMNS = [c for c in EVENTS.c if c.name not in _BOOKKEEPING]


def _event(row: Any) -> Event:
    return EventRow.to_domain(row)


def events_by_seq(session: Session, seqs: Sequence[int]) -> list[Event]:
    if not seqs:
        return []
    stmt = select(*EVENT_COLUMNS).where(EVENTS.c.seq.in_(seqs)).order_by(EVENTS.c.seq)
    return [_event(row) for row in session.execute(stmt)]


def exported_events(session: Session, after_seq: int, limit: int) -> list[Event]:
    """Events upstream sees (every type but receive), in seq order after `after_seq`."""
    stmt = (
        select(*EVENT_COLUMNS)
        .where(EVENTS.c.seq > after_seq, EVENTS.c.type != EventType.RECEIVE.value)
        .order_by(EVENTS.c.seq)
        .limit(limit)
    )
    return [_event(row) for row in session.execute(stmt)]


class FactsCache:
    """Units, locations and orders already read during one drain or export.

    A backlog mentions the same units, lanes and orders batch after batch; reading each
    once per drain instead of once per batch is most of the cost of a batch. What the
    mapping takes from them (GS1 ids, lot, order, a lane's route) does not change while
    a drain runs; a new drain starts with a new cache.
    """

    def __init__(self, limit: int = 50_000) -> None:
        self.limit = limit
        self.units: dict[str, Unit] = {}
        self.locations: dict[str, Location] = {}
        self.orders: dict[str, Order] = {}

    def facts(self, session: Session, events: Iterable[Event]) -> Facts:
        """Facts covering `events` (and perhaps more), reading only what is not known yet."""
        events = list(events)
        if len(self.units) > self.limit:
            self.units.clear()
        unit_codes: set[str] = set()
        location_codes: set[str] = set()
        for event in events:
            unit_codes.add(event.unit)
            child = event.payload.get("child") if event.type is EventType.SPLIT else None
            if child:
                unit_codes.add(str(child))
            location_codes.update(c for c in (event.from_location, event.to_location) if c)
        for row in _rows(session, UnitRow, "code", unit_codes - self.units.keys()):
            self.units[row.code] = UnitRow.to_domain(row)
        for row in _rows(session, LocationRow, "code", location_codes - self.locations.keys()):
            self.locations[row.code] = LocationRow.to_domain(row)
        refs = {self.units[c].order for c in unit_codes if c in self.units and self.units[c].order}
        # An event's own order and work order (kept with it): their kind names the transaction.
        refs.update(e.order or "" for e in events)
        refs.update(e.work_order or "" for e in events)
        refs.update(
            self.locations[c].work_order
            for c in location_codes
            if c in self.locations and self.locations[c].work_order
        )
        # Orders without their lines: the mapping needs kind, customer, route and carrier only.
        for row in _rows(session, OrderRow, "ref", {r for r in refs if r} - self.orders.keys()):
            self.orders[row.ref] = OrderRow.to_domain(row, [])
        return Facts(units=self.units, locations=self.locations, orders=self.orders)


def load_facts(session: Session, events: Iterable[Event]) -> Facts:
    """The units, locations and orders `events` refer to (no cache)."""
    return FactsCache().facts(session, events)


def _rows(session: Session, model: Any, key: str, values: set[str]) -> list[Any]:
    if not values:
        return []
    table: Table = model.__table__
    return list(session.execute(select(table).where(table.c[key].in_(sorted(values)))))
