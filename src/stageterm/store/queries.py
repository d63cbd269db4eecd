"""Reads the use cases need, in portable SQLAlchemy (the same on SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Select, bindparam, func, or_, select
from sqlmodel import Session

from stageterm.domain.model import (
    Event,
    EventType,
    Location,
    LocationKind,
    Operator,
    Order,
    Unit,
    UnitState,
)
from stageterm.store.pull_tables import DATA_VERSIONS, MASTER_DATA
from stageterm.store.tables import (
    EVENTS,
    LOCATIONS,
    OPERATORS,
    ORDER_LINES,
    ORDERS,
    UNITS,
    as_utc,
    event_from,
    location_from,
    operator_from,
    order_from,
    unit_from,
)


def _rows(session: Session, stmt: Any) -> list[Any]:
    """Core rows: the scan path avoids ORM loading, which costs ~0.5 ms a row here."""
    return list(session.connection().execute(stmt))


def _first(session: Session, stmt: Any) -> Any:
    return session.connection().execute(stmt).first()


# Built once: the scan path runs these on every scan.
_UNIT = select(UNITS).where(UNITS.c.code == bindparam("key"))
_LOCATION = select(LOCATIONS).where(LOCATIONS.c.code == bindparam("key"))
_OPERATOR = select(OPERATORS).where(OPERATORS.c.badge == bindparam("key"))
_UNITS_AT = select(func.count()).where(
    UNITS.c.location == bindparam("key"), UNITS.c.state == UnitState.STAGED.value
)


def unit(session: Session, code: str) -> Unit | None:
    row = session.connection().execute(_UNIT, {"key": code}).first()
    return unit_from(row) if row else None


def location(session: Session, code: str) -> Location | None:
    row = session.connection().execute(_LOCATION, {"key": code}).first()
    return location_from(row) if row else None


def operator(session: Session, badge: str) -> Operator | None:
    row = session.connection().execute(_OPERATOR, {"key": badge}).first()
    return operator_from(row) if row else None


def order(session: Session, ref: str | None) -> Order | None:
    if not ref:
        return None
    row = _first(session, select(ORDERS).where(ORDERS.c.ref == ref))
    if row is None:
        return None
    lines = _rows(
        session,
        select(ORDER_LINES).where(ORDER_LINES.c.order_ref == ref).order_by(ORDER_LINES.c.id),
    )
    return order_from(row, lines)


def units_at(session: Session, code: str) -> int:
    """Units staged at a location now (lane capacity counts units)."""
    return int(session.connection().execute(_UNITS_AT, {"key": code}).scalar_one())


def kit_quantity(session: Session, work_order: str, item: str) -> int:
    """Quantity of `item` staged in (or issued from) the kitting areas of a work order."""
    stmt = (
        select(func.coalesce(func.sum(UNITS.c.quantity), 0))
        .select_from(UNITS)
        .join(LOCATIONS, LOCATIONS.c.code == UNITS.c.location)
        .where(
            LOCATIONS.c.work_order == work_order,
            LOCATIONS.c.kind == LocationKind.KITTING.value,
            UNITS.c.item == item,
            UNITS.c.state.in_([UnitState.STAGED.value, UnitState.ISSUED.value]),
        )
    )
    return int(session.execute(stmt).scalar_one())


def latest_event(session: Session, unit_code: str) -> Event | None:
    row = _first(
        session,
        select(EVENTS).where(EVENTS.c.unit == unit_code).order_by(EVENTS.c.seq.desc()).limit(1),
    )
    return event_from(row) if row else None


_LATEST_MOVER = (
    select(
        EVENTS.c.type,
        EVENTS.c.operator,
        EVENTS.c.occurred_at,
        EVENTS.c.from_location,
        EVENTS.c.to_location,
    )
    .where(EVENTS.c.unit == bindparam("key"))
    .order_by(EVENTS.c.seq.desc())
    .limit(1)
)


def latest_mover(
    session: Session, unit_code: str
) -> tuple[EventType, str | None, datetime, bool] | None:
    """A unit's latest event as the scan path needs it: type, operator, time (UTC), and
    whether it changed the unit's place. A few columns of one index-found row
    (`latest_event` builds the whole event)."""
    row = session.connection().execute(_LATEST_MOVER, {"key": unit_code}).first()
    if row is None:
        return None
    at = as_utc(row.occurred_at)
    assert at is not None  # NOT NULL
    return EventType(row.type), row.operator, at, row.from_location != row.to_location


def event_by_id(session: Session, event_id: str) -> Event | None:
    row = _first(session, select(EVENTS).where(EVENTS.c.id == event_id))
    return event_from(row) if row else None


def history(session: Session, unit_code: str) -> list[Event]:
    stmt = select(EVENTS).where(EVENTS.c.unit == unit_code).order_by(EVENTS.c.seq)
    return [event_from(row) for row in _rows(session, stmt)]


def children_count(session: Session, parent: str) -> int:
    return int(session.execute(select(func.count()).where(UNITS.c.parent == parent)).scalar_one())


def units_matching(
    session: Session,
    *,
    sscc: str | None = None,
    gtin: str | None = None,
    lot: str | None = None,
    serial: str | None = None,
    code: str | None = None,
    limit: int = 10,
) -> list[Unit]:
    """Candidate units for a scanned label: by SSCC, else GTIN + lot (+ serial), else code."""
    if sscc:
        stmt = select(UNITS).where(UNITS.c.sscc == sscc)
    elif gtin:
        stmt = select(UNITS).where(or_(UNITS.c.gtin == gtin, UNITS.c.item == gtin))
        if lot:
            stmt = stmt.where(UNITS.c.lot == lot)
        if serial:
            stmt = stmt.where(UNITS.c.serial == serial)
        # Closed units keep their labels; an open one is what the operator holds.
        stmt = stmt.order_by(
            UNITS.c.state.in_([UnitState.ISSUED.value, UnitState.LOADED.value]), UNITS.c.code
        )
    elif code:
        stmt = select(UNITS).where(UNITS.c.code == code)
    else:
        return []
    return [unit_from(row) for row in _rows(session, stmt.limit(limit))]


@dataclass(frozen=True, slots=True)
class ChangeMark:
    """Where the site stood at a read: its newest event and its master data's version."""

    seq: int
    master: int


# Built once: the board's change poll and every refresh run these.
_CHANGE_MARK = select(
    select(func.coalesce(func.max(EVENTS.c.seq), 0)).scalar_subquery(),
    select(func.coalesce(func.max(DATA_VERSIONS.c.version), 0))
    .where(DATA_VERSIONS.c.name == MASTER_DATA)
    .scalar_subquery(),
)
_EVENTS_AFTER = (
    select(EVENTS.c.from_location, EVENTS.c.to_location, EVENTS.c.unit)
    .where(EVENTS.c.seq > bindparam("seq"))
    .limit(bindparam("most"))
)
_WHERE_UNITS_ARE = select(UNITS.c.location).where(
    UNITS.c.code.in_(bindparam("units", expanding=True))
)


def change_mark(session: Session) -> ChangeMark:
    seq, version = session.connection().execute(_CHANGE_MARK).one()
    return ChangeMark(int(seq), int(version))


def places_touched_since(session: Session, seq: int, most: int) -> set[str] | None:
    """The places events after `seq` moved units from or to, and where the units those
    events name are now; None when there are more than `most` events to look at."""
    connection = session.connection()
    events = connection.execute(_EVENTS_AFTER, {"seq": seq, "most": most + 1}).all()
    if len(events) > most:
        return None
    places = {place for from_, to, _unit in events for place in (from_, to) if place}
    units = sorted({unit for _from, _to, unit in events if unit})
    if units:
        here = connection.execute(_WHERE_UNITS_ARE, {"units": units})
        places.update(p for (p,) in here if p)
    return places


def change_counter(session: Session) -> int:
    """The newest event's seq plus the master data's version: it moves whenever any
    terminal moves anything and whenever master data is written (an import, a pull)."""
    mark = change_mark(session)
    return mark.seq + mark.master


@dataclass(frozen=True, slots=True)
class LaneRow:
    lane: Location
    units: int
    quantity: int
    oldest_staged_at: datetime | None
    earliest_due: datetime | None


STAGING_KINDS_TUPLE = (LocationKind.LANE, LocationKind.KITTING)


# The lanes board reads every staged unit on each refresh (20,000 on a big site), so the
# figures are summed in two steps the database does cheaply: units per (lane, order), read
# from one index that holds every column needed (no table rows are visited), then orders
# joined once per (lane, order) rather than once per unit, then lanes. The index
# (ix_units_staged_figures) is declared with the table in tables.py; migration 0003 creates it.
def _lane_rows_statement(only: bool) -> Select[Any]:
    """The board's figures for every lane, or (`only`) for the lanes named in `:lanes`."""
    staged = UNITS.c.state == UnitState.STAGED.value
    per_order = (
        select(
            UNITS.c.location.label("lane"),
            UNITS.c.order_ref.label("order_ref"),
            func.count().label("units"),
            func.sum(UNITS.c.quantity).label("quantity"),
            func.min(UNITS.c.staged_at).label("oldest"),
        )
        .where(staged, UNITS.c.location.in_(bindparam("lanes", expanding=True)) if only else staged)
        .group_by(UNITS.c.location, UNITS.c.order_ref)
        .subquery("per_order")
    )
    per_lane = (
        select(
            per_order.c.lane,
            func.sum(per_order.c.units).label("units"),
            func.sum(per_order.c.quantity).label("quantity"),
            func.min(per_order.c.oldest).label("oldest"),
            func.min(ORDERS.c.due_at).label("due"),
        )
        .select_from(per_order)
        .outerjoin(ORDERS, ORDERS.c.ref == per_order.c.order_ref)
        .group_by(per_order.c.lane)
        .subquery("per_lane")
    )
    kinds = LOCATIONS.c.kind.in_(bindparam("kinds", expanding=True))
    return (
        select(
            LOCATIONS,
            func.coalesce(per_lane.c.units, 0),
            func.coalesce(per_lane.c.quantity, 0),
            per_lane.c.oldest,
            per_lane.c.due,
        )
        .select_from(LOCATIONS)
        .outerjoin(per_lane, per_lane.c.lane == LOCATIONS.c.code)
        .where(kinds, LOCATIONS.c.code.in_(bindparam("lanes", expanding=True)) if only else kinds)
        .order_by(LOCATIONS.c.code)
    )


_LANE_ROWS = _lane_rows_statement(only=False)
_LANE_ROWS_OF = _lane_rows_statement(only=True)  # a refresh that knows which lanes moved

_LOCATION_WIDTH = len(LOCATIONS.c)


@lru_cache(maxsize=4096)
def _lane(values: tuple[Any, ...]) -> Location:
    """A location from its columns, kept: the board reads the same lanes on every refresh,
    and building 500 of them each time was a quarter of the query's time. Keyed by every
    column, so an edited lane is built again."""
    return location_from(SimpleNamespace(**dict(zip(LOCATIONS.c.keys(), values, strict=True))))


def lane_rows(
    session: Session,
    kinds: tuple[LocationKind, ...] = (LocationKind.LANE,),
    lanes: Collection[str] | None = None,
) -> list[LaneRow]:
    """Per lane: staged units, quantity, oldest staged time and earliest due of their orders
    (of every lane, or of `lanes` only)."""
    params: dict[str, Any] = {"kinds": [k.value for k in kinds]}
    if lanes is not None:
        params["lanes"] = sorted(lanes)
    statement = _LANE_ROWS if lanes is None else _LANE_ROWS_OF
    rows = session.connection().execute(statement, params).all()
    return [
        LaneRow(
            _lane(row[:_LOCATION_WIDTH]),
            int(row[-4]),
            int(row[-3]),
            as_utc(row[-2]),
            as_utc(row[-1]),
        )
        for row in rows
    ]


def units_in(session: Session, code: str) -> list[Unit]:
    stmt = (
        select(UNITS)
        .where(UNITS.c.location == code, UNITS.c.state == UnitState.STAGED.value)
        .order_by(UNITS.c.staged_at, UNITS.c.code)
    )
    return [unit_from(row) for row in _rows(session, stmt)]


def orders_by_ref(session: Session, refs: set[str]) -> dict[str, Order]:
    found: dict[str, Order] = {}
    for ref in refs:
        got = order(session, ref)
        if got is not None:
            found[ref] = got
    return found


def production_orders(session: Session) -> list[Order]:
    rows = _rows(
        session, select(ORDERS.c.ref).where(ORDERS.c.kind == "production").order_by(ORDERS.c.ref)
    )
    return [o for o in (order(session, row.ref) for row in rows) if o is not None]


def kitting_areas(session: Session) -> list[Location]:
    stmt = (
        select(LOCATIONS)
        .where(LOCATIONS.c.kind == LocationKind.KITTING.value)
        .order_by(LOCATIONS.c.code)
    )
    return [location_from(row) for row in _rows(session, stmt)]


def all_locations(session: Session) -> list[Location]:
    return [
        location_from(row) for row in _rows(session, select(LOCATIONS).order_by(LOCATIONS.c.code))
    ]


def audit_events(
    session: Session,
    *,
    since: datetime | None = None,
    operator: str | None = None,
    limit: int = 10_000,
) -> list[Event]:
    """Who did what, oldest first: events since a time, by or approved by an operator."""
    stmt = select(EVENTS)
    if since is not None:
        stmt = stmt.where(EVENTS.c.occurred_at >= since)
    if operator:
        stmt = stmt.where(or_(EVENTS.c.operator == operator, EVENTS.c.approved_by == operator))
    return [event_from(row) for row in _rows(session, stmt.order_by(EVENTS.c.seq).limit(limit))]
