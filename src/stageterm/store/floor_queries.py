"""Reads for the floor decisions of SPEC §3 beyond the basic rules: where a unit should
go (lanes with their counts for an order), where the unit that expires first is stored,
the oldest unit of an item waiting in a buffer, and where an item is stored."""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, case, func, literal, select
from sqlmodel import Session

from stageterm.domain.model import LocationKind, Quality, Unit, UnitState
from stageterm.domain.suggest import LaneCount
from stageterm.store.tables import LOCATIONS, UNITS, location_from, unit_from

STAGED = UnitState.STAGED.value


def earlier_expiry(session: Session, unit: Unit, today: date) -> tuple[str, str | None] | None:
    """FEFO: (code, location) of a released, unexpired, stored unit of the same item that
    expires before `unit`, the first to expire."""
    if unit.expiry is None:
        return None
    stmt = (
        select(UNITS.c.code, UNITS.c.location)
        .where(
            UNITS.c.item == unit.item,
            UNITS.c.state == UnitState.STORED.value,
            UNITS.c.quality == Quality.RELEASED.value,
            UNITS.c.expiry < unit.expiry,
            UNITS.c.expiry >= today,
            UNITS.c.code != unit.code,
        )
        .order_by(UNITS.c.expiry, UNITS.c.code)
        .limit(1)
    )
    row = session.execute(stmt).first()
    return (row[0], row[1]) if row else None


def lane_counts(session: Session, order_ref: str | None) -> list[LaneCount]:
    """Every lane with its staged units and how many of them belong to `order_ref`."""
    staged = and_(UNITS.c.location == LOCATIONS.c.code, UNITS.c.state == STAGED)
    same = (
        func.coalesce(func.sum(case((UNITS.c.order_ref == order_ref, 1), else_=0)), 0)
        if order_ref
        else literal(0)
    )
    stmt = (
        select(*LOCATIONS.c, func.count(UNITS.c.code).label("units"), same.label("same"))
        .select_from(LOCATIONS.outerjoin(UNITS, staged))
        .where(LOCATIONS.c.kind == LocationKind.LANE.value)
        .group_by(*LOCATIONS.c)
    )
    return [
        LaneCount(location_from(row), int(row.units), int(row.same or 0))
        for row in session.execute(stmt)
    ]


def oldest_in_buffer(session: Session, buffer: str, item: str) -> Unit | None:
    """The unit of `item` that has waited longest in `buffer` (FIFO issue)."""
    stmt = (
        select(UNITS)
        .where(UNITS.c.location == buffer, UNITS.c.item == item, UNITS.c.state == STAGED)
        .order_by(UNITS.c.staged_at, UNITS.c.code)
        .limit(1)
    )
    row = session.execute(stmt).first()
    return unit_from(row) if row else None


def stored_at(session: Session, item: str, limit: int = 3) -> list[str]:
    """Where released, stored units of `item` are (for a kitting shortfall), fullest first."""
    stmt = (
        select(UNITS.c.location)
        .where(
            UNITS.c.item == item,
            UNITS.c.state == UnitState.STORED.value,
            UNITS.c.quality == Quality.RELEASED.value,
            UNITS.c.location.is_not(None),
        )
        .group_by(UNITS.c.location)
        .order_by(func.sum(UNITS.c.quantity).desc(), UNITS.c.location)
        .limit(limit)
    )
    return [row[0] for row in session.execute(stmt)]
