"""From checked records to the rows to write, with every database read done beforehand.

`plan_*` read what the records depend on (known locations, orders, units, operators) in
a read transaction, which under WAL never waits for a writer and keeps no one waiting,
and build the exact INSERT and UPDATE parameter lists: receive events and their units
(through the same projection a move uses), PIN hashes. Problems that need the database
(an unknown location, a unit that already exists) are `SOURCE:LINE: reason` like any
other. The write transaction then only runs the statements (`intake/writing.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Executable, Table, bindparam, delete, insert, select, update
from sqlmodel import Session

from stageterm.domain import projection
from stageterm.domain.model import (
    Event,
    EventType,
    LocationKind,
    OrderStatus,
    Quality,
    SyncState,
    Unit,
    UnitState,
    new_event_id,
)
from stageterm.domain.pins import hash_pin
from stageterm.intake.rows import Checked, LocationIn, OperatorIn, OrderIn, UnitIn
from stageterm.store.tables import (
    EVENTS,
    LOCATIONS,
    OPERATORS,
    ORDER_LINES,
    ORDERS,
    UNITS,
    EventRow,
    UnitRow,
    as_utc,
    to_utc,
)

# Units may arrive where material already sits; docks and lines only take it through events.
UNIT_HOMES = {
    LocationKind.STORAGE: UnitState.STORED,
    LocationKind.QUARANTINE: UnitState.STORED,
    LocationKind.LANE: UnitState.STAGED,
    LocationKind.KITTING: UnitState.STAGED,
    LocationKind.BUFFER: UnitState.STAGED,  # work in process already waiting there
}
# Codes looked up per query: under SQLite's oldest limit of 999 bound parameters.
LOOKUP_CHUNK = 900


@dataclass(frozen=True)
class Step:
    """One statement and the parameter sets it runs with (an executemany)."""

    statement: Executable
    params: list[dict[str, Any]]


@dataclass
class Plan:
    kind: str
    created: int = 0
    updated: int = 0
    steps: list[Step] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # Events of units already known (the feed's hold/release by `upstream`), recorded in the
    # same transaction through `store.writes.record`, against the units as they were read.
    events: list[Event] = field(default_factory=list)
    units_read: dict[str, Unit] = field(default_factory=dict)

    def add(self, statement: Executable, params: list[dict[str, Any]]) -> None:
        if params:
            self.steps.append(Step(statement, params))


def known(session: Session, column: ColumnElement[Any], values: Iterable[str]) -> set[str]:
    """Which of `values` are in `column`, looked up in chunks (not the whole table)."""
    wanted = sorted(set(values))
    found: set[str] = set()
    for start in range(0, len(wanted), LOOKUP_CHUNK):
        chunk = wanted[start : start + LOOKUP_CHUNK]
        found.update(session.execute(select(column).where(column.in_(chunk))).scalars())
    return found


def _upsert(
    plan: Plan, table: Table, key: str, rows: Sequence[dict[str, Any]], old: set[str]
) -> None:
    """INSERT the rows whose key is new, UPDATE (every given column) those already known."""
    plan.add(insert(table), [row for row in rows if row[key] not in old])
    updates = [
        {**{k: v for k, v in row.items() if k != key}, "b_key": row[key]}
        for row in rows
        if row[key] in old
    ]
    # Rows are grouped by the columns they set: one UPDATE statement per group.
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in updates:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    for group in groups.values():
        plan.add(update(table).where(table.c[key] == bindparam("b_key")), group)
    plan.created += sum(row[key] not in old for row in rows)
    plan.updated += sum(row[key] in old for row in rows)


def plan_locations(session: Session, checked: Checked[LocationIn], **_options: object) -> Plan:
    plan = Plan("locations")
    rows = [record.model_dump() for _, record in checked.records]
    _upsert(
        plan, LOCATIONS, "code", rows, known(session, LOCATIONS.c.code, (r["code"] for r in rows))
    )
    return plan


def plan_orders(session: Session, checked: Checked[OrderIn], **_options: object) -> Plan:
    """Each order's header once; its lines replace the lines it had (a file names them all).

    An order stored exactly so already (header and lines) is counted as updated but not
    written again: a feed page taken a second time (a pull stopped between its slices)
    changes nothing, not even the lines' ids."""
    plan = Plan("orders")
    headers: dict[str, dict[str, Any]] = {}
    lines: dict[str, list[dict[str, Any]]] = {}
    for _, order in checked.records:
        headers.setdefault(
            order.ref,
            {
                "ref": order.ref,
                "kind": order.kind,
                "customer": order.customer,
                "route": order.route,
                "carrier": order.carrier,
                "due_at": to_utc(order.due_at),
                "status": order.status or OrderStatus.OPEN.value,
            },
        )
        named = lines.setdefault(order.ref, [])
        if order.item is not None:
            named.append({"order_ref": order.ref, "item": order.item, "quantity": order.quantity})
    stored = _stored_orders(session, headers)
    changed = [ref for ref in headers if stored.get(ref) != (headers[ref], lines[ref])]
    old = {ref for ref in changed if ref in stored}
    _upsert(plan, ORDERS, "ref", [headers[ref] for ref in changed], old)
    plan.updated += len(headers) - len(changed)  # known, and the same: nothing to write
    plan.add(
        delete(ORDER_LINES).where(ORDER_LINES.c.order_ref == bindparam("b_ref")),
        [{"b_ref": ref} for ref in sorted(old)],
    )
    plan.add(insert(ORDER_LINES), [line for ref in changed for line in lines[ref]])
    return plan


def _stored_orders(
    session: Session, refs: Iterable[str]
) -> dict[str, tuple[dict[str, Any], list[dict[str, Any]]]]:
    """The known orders among `refs`: (header, lines in their order) as `plan_orders` builds
    them, to tell an order that changed from one sent again."""
    wanted = sorted(set(refs))
    stored: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = {}
    for start in range(0, len(wanted), LOOKUP_CHUNK):
        chunk = wanted[start : start + LOOKUP_CHUNK]
        for row in session.execute(select(ORDERS).where(ORDERS.c.ref.in_(chunk))).mappings():
            stored[row["ref"]] = ({**row, "due_at": as_utc(row["due_at"])}, [])
        found = session.execute(
            select(ORDER_LINES.c.order_ref, ORDER_LINES.c.item, ORDER_LINES.c.quantity)
            .where(ORDER_LINES.c.order_ref.in_(chunk))
            .order_by(ORDER_LINES.c.id)
        ).mappings()
        for line in found:
            stored[line["order_ref"]][1].append(dict(line))
    return stored


def plan_operators(session: Session, checked: Checked[OperatorIn], **_options: object) -> Plan:
    plan = Plan("operators")
    people = [person for _, person in checked.records]
    old = known(session, OPERATORS.c.badge, (p.badge for p in people))
    rows = []
    for person in people:
        row: dict[str, Any] = {"badge": person.badge, "name": person.name, "role": person.role}
        if person.pin is not None:
            row["pin_hash"] = hash_pin(person.pin)  # the PIN itself is never stored
        if person.badge not in old:
            row = {"pin_hash": None, "failed_pins": 0, **row}
        rows.append(row)
    _upsert(plan, OPERATORS, "badge", rows, old)
    return plan


def plan_units(
    session: Session,
    checked: Checked[UnitIn],
    *,
    clock: Callable[[], datetime],
    terminal: str,
    operator: str | None,
) -> Plan:
    """A `receive` event per unit and the unit it makes; units already known are refused."""
    plan = Plan("units")
    units = checked.records
    kinds = {
        code: LocationKind(kind)
        for code, kind in session.execute(select(LOCATIONS.c.code, LOCATIONS.c.kind)).all()
    }
    existing = known(session, UNITS.c.code, (u.code for _, u in units))
    orders = known(session, ORDERS.c.ref, (u.order for _, u in units if u.order is not None))
    now = clock()
    reason = f"import {checked.source}"[:200]
    event_rows: list[dict[str, Any]] = []
    unit_rows: list[dict[str, Any]] = []
    for line, unit in units:
        problem = _unit_problem(unit, existing, kinds, orders)
        if problem is not None:
            plan.problems.append(f"{checked.source}:{line}: {problem}")
            continue
        payload = {
            "item": unit.item,
            "gtin": unit.gtin,
            "lot": unit.lot,
            "serial": unit.serial,
            "sscc": unit.sscc,
            "quantity": unit.quantity,
            "uom": unit.uom,
            "expiry": unit.expiry.isoformat() if unit.expiry else None,
            "order": unit.order,
        }
        location = unit.location
        event = Event(
            id=new_event_id(),
            type=EventType.RECEIVE,
            unit=unit.code,
            occurred_at=now,
            operator=operator,
            terminal=terminal,
            to_location=location,
            to_state=UNIT_HOMES[kinds[location]] if location else UnitState.STORED,
            to_quality=Quality(unit.quality),
            quantity=unit.quantity,
            reason=reason,
            payload={k: v for k, v in payload.items() if v is not None},
            sync_state=SyncState.LOCAL,  # receive events are not sent upstream
        )
        event_rows.append(EventRow.values_from(event))
        unit_rows.extend(UnitRow.values_from(u) for u in projection.apply({}, event).values())
    plan.add(insert(EVENTS), event_rows)
    plan.add(insert(UNITS), unit_rows)
    plan.created = len(unit_rows)
    return plan


def _unit_problem(
    unit: UnitIn, existing: set[str], kinds: dict[str, LocationKind], orders: set[str]
) -> str | None:
    if unit.code in existing:
        return f"unit {unit.code} already exists (units change only through moves)"
    location = unit.location
    if location is not None and location not in kinds:
        return f"location {location!r} is not known (import locations first)"
    if location is not None and kinds[location] not in UNIT_HOMES:
        return (
            f"location {location} is a {kinds[location].value}; units arrive in storage, "
            "quarantine, lanes, kitting areas or buffers"
        )
    if unit.order is not None and unit.order not in orders:
        return f"order {unit.order!r} is not known (import orders first)"
    return None


PLANNERS: dict[str, Callable[..., Plan]] = {
    "locations": plan_locations,
    "units": plan_units,
    "orders": plan_orders,
    "operators": plan_operators,
}
