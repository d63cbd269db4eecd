"""Reads for the sync: events by seq, and the units, places and orders they mention.

Portable SQLAlchemy Core (no dialect-specific SQL), the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, timedelta, timezone
from itertools import pairwise
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, false, or_, select
from sqlmodel import Session

from stageterm.domain.model import (
    Event,
    EventType,
    Location,
    Order,
    Quality,
    SyncState,
    Unit,
    UnitState,
)
from stageterm.store.tables import EventRow, LocationRow, OrderRow, UnitRow
from stageterm.sync.epcis import Facts

EVENTS: Table = EventRow.__table__  # type: ignore[attr-defined]
PENDING = SyncState.PENDING.value
REJECTED = SyncState.REJECTED.value
SYNCED = SyncState.SYNCED.value
RECEIVE = EventType.RECEIVE.value
MAX_ERROR = 500  # characters of upstream's reason kept with an event


# The sync reads whole batches, so it reads Core rows of the columns an event is made of, in
# a fixed order, and builds the events itself: by position, with the enums looked up in
# dicts and one timezone object per offset. That is several times faster than the ORM, and
# three times faster than `EventRow.to_domain` on Core rows (attribute access by name and
# Enum() calls were most of a drain's time); a test checks that both give the same events.
# The outbox's bookkeeping columns are left out: two are datetimes, dear to parse on SQLite.
_EVENT_FIELDS = (
    "id",
    "type",
    "unit",
    "occurred_at",
    "utc_offset_min",
    "operator",
    "terminal",
    "from_location",
    "to_location",
    "from_state",
    "to_state",
    "from_quality",
    "to_quality",
    "quantity",
    "approved_by",
    "reason",
    "undoes",
    "payload",
    "seq",
    "sync_state",
    "overrides",
    "order_ref",
    "customer",
    "route",
    "carrier",
    "work_order",
)
EVENT_COLUMNS = [EVENTS.c[name] for name in _EVENT_FIELDS]
_TYPES = {t.value: t for t in EventType}
_STATES: dict[str | None, UnitState | None] = {s.value: s for s in UnitState}
_QUALITIES: dict[str | None, Quality | None] = {q.value: q for q in Quality}
_SYNC_STATES = {s.value: s for s in SyncState}
_STATES[None] = _QUALITIES[None] = None
_ZONES: dict[int, timezone] = {}


def _event(row: Any) -> Event:
    """The event of a row of EVENT_COLUMNS (what `EventRow.to_domain` gives, faster)."""
    (ident, kind, unit, occurred, offset_min, operator, terminal, from_location, to_location,
     from_state, to_state, from_quality, to_quality, quantity, approved_by, reason, undoes,
     payload, seq, sync_state, overrides, order, customer, route, carrier, work_order) = row  # fmt: skip
    zone = _ZONES.get(offset_min)
    if zone is None:
        zone = _ZONES[offset_min] = timezone(timedelta(minutes=offset_min))
    return Event(
        ident,
        _TYPES[kind],
        unit,
        occurred.astimezone(UTC).astimezone(zone),
        operator,
        terminal,
        from_location,
        to_location,
        _STATES[from_state or None],
        _STATES[to_state or None],
        _QUALITIES[from_quality or None],
        _QUALITIES[to_quality or None],
        quantity,
        approved_by,
        reason,
        undoes,
        json.loads(payload) if payload else {},
        seq,
        _SYNC_STATES[sync_state],
        tuple(json.loads(overrides)) if overrides else (),
        order,
        customer,
        route,
        carrier,
        work_order,
    )


MAX_RUNS = 16  # beyond this many runs of consecutive seqs, a plain IN list is simpler


def _runs(ordered: list[int]) -> list[tuple[int, int]] | None:
    """Runs of consecutive seqs (first, last); None past MAX_RUNS of them."""
    runs: list[tuple[int, int]] = []
    start = end = ordered[0]
    for seq in ordered[1:]:
        if seq != end + 1:
            runs.append((start, end))
            if len(runs) >= MAX_RUNS:
                return None
            start = seq
        end = seq
    runs.append((start, end))
    return runs


def seq_in(seqs: Iterable[int]) -> ColumnElement[bool]:
    """`events.seq` is one of `seqs`, written as ranges where the seqs run on.

    A batch is nearly always one run of consecutive seqs; `seq BETWEEN a AND b` costs
    SQLAlchemy nothing to compile, where an IN list of 500 bound values (expanded anew for
    each statement) cost a noticeable part of a drain.
    """
    ordered = sorted(set(seqs))
    if not ordered:
        return false()
    runs = _runs(ordered)
    column = EVENTS.c.seq
    if runs is None:
        return column.in_(ordered)
    ranges = [column == a if a == b else column.between(a, b) for a, b in runs]
    return ranges[0] if len(ranges) == 1 else or_(*ranges)


def seq_between(seqs: Iterable[int]) -> ColumnElement[bool]:
    """`events.seq` is below the last of `seqs` and none of them: the gaps they leave,
    as ranges (an index walk over the gaps only, not over `seqs`)."""
    ordered = sorted(set(seqs))
    column = EVENTS.c.seq
    if not ordered:
        return false()
    runs = _runs(ordered)
    if runs is None:
        return and_(column < ordered[-1], column.not_in(ordered))
    gaps = [column < runs[0][0]]
    gaps.extend(column.between(end + 1, start - 1) for (_, end), (start, _) in pairwise(runs))
    return gaps[0] if len(gaps) == 1 else or_(*gaps)


def events_by_seq(session: Session, seqs: Sequence[int]) -> list[Event]:
    if not seqs:
        return []
    stmt = select(*EVENT_COLUMNS).where(seq_in(seqs)).order_by(EVENTS.c.seq)
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
