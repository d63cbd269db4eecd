"""SQLModel tables and their conversion to and from domain types.

The schema itself is owned by the Alembic migrations in `store/migrations`; a test
checks that these classes and the migrated database agree.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Column, Index, Table, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from stageterm.domain.model import (
    Event,
    EventType,
    Location,
    LocationKind,
    Operator,
    Order,
    OrderKind,
    OrderLine,
    OrderStatus,
    Quality,
    Role,
    SyncState,
    Unit,
    UnitState,
)
from stageterm.store import pull_tables  # noqa: F401  (its tables join this metadata)

metadata = SQLModel.metadata


class LocationRow(SQLModel, table=True):
    __tablename__ = "locations"

    code: str = Field(primary_key=True, max_length=64)
    kind: str = Field(max_length=16)
    name: str | None = Field(default=None, max_length=200)
    customer: str | None = Field(default=None, max_length=64)
    route: str | None = Field(default=None, max_length=64)
    carrier: str | None = Field(default=None, max_length=64)
    capacity: int | None = None
    work_order: str | None = Field(default=None, max_length=64)
    operation: str | None = Field(default=None, max_length=64)

    def to_domain(self) -> Location:
        return Location(
            code=self.code,
            kind=LocationKind(self.kind),
            name=self.name,
            customer=self.customer,
            route=self.route,
            carrier=self.carrier,
            capacity=self.capacity,
            work_order=self.work_order,
            operation=self.operation,
        )


class UnitRow(SQLModel, table=True):
    __tablename__ = "units"
    __table_args__ = (
        Index("ix_units_location", "location", "state"),
        Index("ix_units_gtin_lot", "gtin", "lot"),
        Index("ix_units_sscc", "sscc"),
        Index("ix_units_item_state", "item", "state"),
        # Every figure the lanes board sums, so that its query reads no unit rows
        # (store/queries.py `lane_rows`; migration 0003).
        Index("ix_units_staged_figures", "state", "location", "order_ref", "staged_at", "quantity"),
    )

    code: str = Field(primary_key=True, max_length=64)
    item: str = Field(max_length=64)
    gtin: str | None = Field(default=None, max_length=14)
    lot: str | None = Field(default=None, max_length=64)
    serial: str | None = Field(default=None, max_length=64)
    sscc: str | None = Field(default=None, max_length=18)
    quantity: int
    uom: str | None = Field(default=None, max_length=16)
    expiry: date | None = None
    quality: str = Field(max_length=16)
    state: str = Field(max_length=16)
    location: str | None = Field(default=None, foreign_key="locations.code", max_length=64)
    order_ref: str | None = Field(default=None, max_length=64)
    staged_at: datetime | None = None  # UTC
    version: int = 1
    parent: str | None = Field(default=None, max_length=64)

    def to_domain(self) -> Unit:
        return Unit(
            code=self.code,
            item=self.item,
            quantity=self.quantity,
            quality=Quality(self.quality),
            state=UnitState(self.state),
            location=self.location,
            gtin=self.gtin,
            lot=self.lot,
            serial=self.serial,
            sscc=self.sscc,
            uom=self.uom,
            expiry=self.expiry,
            order=self.order_ref,
            staged_at=as_utc(self.staged_at),
            version=self.version,
            parent=self.parent,
        )

    @staticmethod
    def values_from(unit: Unit) -> dict[str, object]:
        return {
            "code": unit.code,
            "item": unit.item,
            "gtin": unit.gtin,
            "lot": unit.lot,
            "serial": unit.serial,
            "sscc": unit.sscc,
            "quantity": unit.quantity,
            "uom": unit.uom,
            "expiry": unit.expiry,
            "quality": unit.quality.value,
            "state": unit.state.value,
            "location": unit.location,
            "order_ref": unit.order,
            "staged_at": to_utc(unit.staged_at),
            "version": unit.version,
            "parent": unit.parent,
        }


class OrderRow(SQLModel, table=True):
    __tablename__ = "orders"

    ref: str = Field(primary_key=True, max_length=64)
    kind: str = Field(max_length=16)
    customer: str | None = Field(default=None, max_length=64)
    route: str | None = Field(default=None, max_length=64)
    carrier: str | None = Field(default=None, max_length=64)
    due_at: datetime | None = None  # UTC
    status: str = Field(default=OrderStatus.OPEN.value, max_length=16)

    def to_domain(self, lines: list[OrderLineRow]) -> Order:
        return Order(
            ref=self.ref,
            kind=OrderKind(self.kind),
            customer=self.customer,
            route=self.route,
            carrier=self.carrier,
            due_at=as_utc(self.due_at),
            lines=tuple(OrderLine(item=line.item, quantity=line.quantity) for line in lines),
            status=OrderStatus(self.status or OrderStatus.OPEN.value),
        )


class OrderLineRow(SQLModel, table=True):
    __tablename__ = "order_lines"
    __table_args__ = (Index("ix_order_lines_order", "order_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    order_ref: str = Field(foreign_key="orders.ref", max_length=64)
    item: str = Field(max_length=64)
    quantity: int


class OperatorRow(SQLModel, table=True):
    __tablename__ = "operators"

    badge: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    role: str = Field(max_length=16)
    pin_hash: str | None = Field(default=None, max_length=200)
    failed_pins: int = 0
    locked_until: datetime | None = None  # UTC

    def to_domain(self) -> Operator:
        return Operator(
            badge=self.badge, name=self.name, role=Role(self.role), pin_hash=self.pin_hash
        )


class EventRow(SQLModel, table=True):
    """The append-only log; only the sync_* and lease_* columns are ever updated."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("id", name="uq_events_id"),
        Index("ix_events_unit", "unit"),
        Index("ix_events_sync", "sync_state", "seq"),
        Index("ix_events_occurred", "occurred_at"),
    )

    seq: int | None = Field(default=None, primary_key=True)
    id: str = Field(max_length=36)
    type: str = Field(max_length=16)
    unit: str = Field(max_length=64)
    occurred_at: datetime  # UTC
    utc_offset_min: int = 0  # the terminal's local offset when it happened
    operator: str | None = Field(default=None, max_length=64)
    terminal: str | None = Field(default=None, max_length=128)
    from_location: str | None = Field(default=None, max_length=64)
    to_location: str | None = Field(default=None, max_length=64)
    from_state: str | None = Field(default=None, max_length=16)
    to_state: str | None = Field(default=None, max_length=16)
    from_quality: str | None = Field(default=None, max_length=16)
    to_quality: str | None = Field(default=None, max_length=16)
    quantity: int | None = None
    approved_by: str | None = Field(default=None, max_length=64)
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    undoes: str | None = Field(default=None, max_length=36)
    payload: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    sync_state: str = Field(default=SyncState.PENDING.value, max_length=16)
    sync_attempts: int = 0
    sync_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    synced_at: datetime | None = None
    lease_owner: str | None = Field(default=None, max_length=128)
    lease_until: datetime | None = None
    overrides: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    order_ref: str | None = Field(default=None, max_length=64)
    customer: str | None = Field(default=None, max_length=64)
    route: str | None = Field(default=None, max_length=64)
    carrier: str | None = Field(default=None, max_length=64)
    work_order: str | None = Field(default=None, max_length=64)

    def to_domain(self) -> Event:
        offset = timezone(timedelta(minutes=self.utc_offset_min))
        return Event(
            id=self.id,
            type=EventType(self.type),
            unit=self.unit,
            occurred_at=self.occurred_at.astimezone(UTC).astimezone(offset),
            operator=self.operator,
            terminal=self.terminal,
            from_location=self.from_location,
            to_location=self.to_location,
            from_state=UnitState(self.from_state) if self.from_state else None,
            to_state=UnitState(self.to_state) if self.to_state else None,
            from_quality=Quality(self.from_quality) if self.from_quality else None,
            to_quality=Quality(self.to_quality) if self.to_quality else None,
            quantity=self.quantity,
            approved_by=self.approved_by,
            reason=self.reason,
            undoes=self.undoes,
            payload=json.loads(self.payload) if self.payload else {},
            seq=self.seq,
            sync_state=SyncState(self.sync_state),
            overrides=tuple(json.loads(self.overrides)) if self.overrides else (),
            order=self.order_ref,
            customer=self.customer,
            route=self.route,
            carrier=self.carrier,
            work_order=self.work_order,
        )

    @staticmethod
    def values_from(event: Event) -> dict[str, object]:
        offset = event.occurred_at.utcoffset()
        return {
            "id": event.id,
            "type": event.type.value,
            "unit": event.unit,
            "occurred_at": to_utc(event.occurred_at),
            "utc_offset_min": int(offset.total_seconds() // 60) if offset else 0,
            "operator": event.operator,
            "terminal": event.terminal,
            "from_location": event.from_location,
            "to_location": event.to_location,
            "from_state": event.from_state.value if event.from_state else None,
            "to_state": event.to_state.value if event.to_state else None,
            "from_quality": event.from_quality.value if event.from_quality else None,
            "to_quality": event.to_quality.value if event.to_quality else None,
            "quantity": event.quantity,
            "approved_by": event.approved_by,
            "reason": event.reason,
            "undoes": event.undoes,
            "payload": json.dumps(event.payload, sort_keys=True) if event.payload else None,
            "sync_state": event.sync_state.value,
            "overrides": json.dumps(list(event.overrides)) if event.overrides else None,
            "order_ref": event.order,
            "customer": event.customer,
            "route": event.route,
            "carrier": event.carrier,
            "work_order": event.work_order,
        }


class SyncStatusRow(SQLModel, table=True):
    """One row per upstream: when it last worked and what last went wrong."""

    __tablename__ = "sync_status"

    name: str = Field(primary_key=True, max_length=32)
    last_success_at: datetime | None = None
    last_attempt_at: datetime | None = None
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    last_error_at: datetime | None = None
    next_attempt_at: datetime | None = None


class AlertRow(SQLModel, table=True):
    """An alert while its condition holds (SPEC §6b): who acknowledged it and when, and
    whether it has been posted to STAGETERM_ALERT_URL (claimed under a lease, like events).
    `live_key` is "kind:subject" while the condition holds and NULL once it has cleared, so
    that two terminals noticing the same condition at once cannot both record it."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("live_key", name="uq_alerts_live_key"),
        Index("ix_alerts_posted", "posted_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    subject: str = Field(max_length=64)
    message: str = Field(sa_column=Column(Text, nullable=False))
    since: datetime  # UTC
    raised_at: datetime  # UTC
    live_key: str | None = Field(default=None, max_length=96)
    cleared_at: datetime | None = None
    acked_by: str | None = Field(default=None, max_length=64)
    acked_at: datetime | None = None
    posted_at: datetime | None = None
    post_owner: str | None = Field(default=None, max_length=128)
    post_until: datetime | None = None
    post_attempts: int = 0
    post_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


def to_utc(value: datetime | None) -> datetime | None:
    """Datetimes go into the store as aware UTC (SQLModel's UTCDateTime refuses naive ones)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Core rows (faster than ORM loading on the scan path) convert with the same methods.
unit_from: Callable[[Any], Unit] = UnitRow.to_domain
location_from: Callable[[Any], Location] = LocationRow.to_domain
operator_from: Callable[[Any], Operator] = OperatorRow.to_domain
event_from: Callable[[Any], Event] = EventRow.to_domain
order_from: Callable[[Any, list[Any]], Order] = OrderRow.to_domain
UNITS: Table = UnitRow.__table__  # type: ignore[attr-defined]
LOCATIONS: Table = LocationRow.__table__  # type: ignore[attr-defined]
OPERATORS: Table = OperatorRow.__table__  # type: ignore[attr-defined]
ORDERS: Table = OrderRow.__table__  # type: ignore[attr-defined]
ORDER_LINES: Table = OrderLineRow.__table__  # type: ignore[attr-defined]
EVENTS: Table = EventRow.__table__  # type: ignore[attr-defined]
ALERTS: Table = AlertRow.__table__  # type: ignore[attr-defined]
