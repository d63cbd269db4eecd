"""Master data in: locations, units, orders and operators from CSV or JSON, all or nothing.

Every row is checked before anything is written; problems are reported as
`FILE:LINE: reason` and nothing of the file is written. Locations, orders and
operators already known are updated; units come in through `receive` events, which
start their history (and are never sent upstream).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, select
from sqlmodel import Session

from stageterm.domain.model import (
    Event,
    EventType,
    LocationKind,
    OrderKind,
    Quality,
    Role,
    SyncState,
    UnitState,
    new_event_id,
)
from stageterm.domain.pins import hash_pin
from stageterm.imports.reading import (
    COLUMNS,
    ImportFailed,
    Row,
    RowError,
    _choice,
    _date,
    _datetime,
    _int,
    _text,
    read_rows,
)
from stageterm.store.engine import Store
from stageterm.store.tables import (
    LOCATIONS,
    ORDER_LINES,
    ORDERS,
    UNITS,
    LocationRow,
    OperatorRow,
    OrderLineRow,
    OrderRow,
)
from stageterm.store.writes import record

KINDS = tuple(COLUMNS)
MAX_PROBLEMS = 20
# Units may arrive where material already sits; docks and lines only take it through events.
UNIT_HOMES = {
    LocationKind.STORAGE: UnitState.STORED,
    LocationKind.QUARANTINE: UnitState.STORED,
    LocationKind.LANE: UnitState.STAGED,
    LocationKind.KITTING: UnitState.STAGED,
}


@dataclass(frozen=True)
class ImportReport:
    kind: str
    created: int
    updated: int


def import_file(
    store: Store,
    kind: str,
    path: Path,
    *,
    clock: Callable[[], datetime],
    terminal: str = "import",
    operator: str | None = None,
) -> ImportReport:
    """Check every row of `path`, then write them all in one transaction (or nothing)."""
    if kind not in KINDS:
        raise ImportFailed([f"unknown import kind {kind!r}: use {', '.join(KINDS)}"])
    rows = read_rows(path, kind)
    return import_rows(
        store, kind, path.name, rows, clock=clock, terminal=terminal, operator=operator
    )


def import_rows(
    store: Store,
    kind: str,
    name: str,
    rows: list[tuple[int, Row]],
    *,
    clock: Callable[[], datetime],
    terminal: str = "import",
    operator: str | None = None,
) -> ImportReport:
    with store.write() as session:
        return _APPLY[kind](session, name, rows, clock, terminal, operator)


def _fail_on(problems: list[str]) -> None:
    if problems:
        raise ImportFailed(problems[:MAX_PROBLEMS])


def _duplicates(name: str, rows: list[tuple[int, Row]], key: str, problems: list[str]) -> None:
    seen: set[str | None] = set()
    for line, row in rows:
        value = row.get(key)
        if value in seen:
            problems.append(f"{name}:{line}: duplicate {key} {value!r}")
        seen.add(value)


def _locations(
    session: Session, name: str, rows: list[tuple[int, Row]], *_: object
) -> ImportReport:
    problems: list[str] = []
    _duplicates(name, rows, "code", problems)
    checked = []
    for line, row in rows:
        k = "locations"
        try:
            code = _text(row, "code", k)
            assert code is not None  # required: _text raised when empty
            checked.append(
                LocationRow(
                    code=code,
                    kind=_choice(row, "kind", k, [x.value for x in LocationKind]),
                    name=_text(row, "name", k),
                    customer=_text(row, "customer", k),
                    route=_text(row, "route", k),
                    carrier=_text(row, "carrier", k),
                    capacity=_int(row, "capacity", k, minimum=1),
                    work_order=_text(row, "work_order", k),
                )
            )
        except RowError as exc:
            problems.append(f"{name}:{line}: {exc}")
    _fail_on(problems)
    existing = set(session.execute(select(LOCATIONS.c.code)).scalars())
    for location in checked:
        session.merge(location)
    return ImportReport(
        "locations",
        sum(r.code not in existing for r in checked),
        sum(r.code in existing for r in checked),
    )


def _units(
    session: Session,
    name: str,
    rows: list[tuple[int, Row]],
    clock: Callable[[], datetime],
    terminal: str,
    operator: str | None,
) -> ImportReport:
    problems: list[str] = []
    _duplicates(name, rows, "code", problems)
    kinds = {
        code: LocationKind(kind)
        for code, kind in session.execute(select(LOCATIONS.c.code, LOCATIONS.c.kind)).all()
    }
    known_units = set(session.execute(select(UNITS.c.code)).scalars())
    known_orders = set(session.execute(select(ORDERS.c.ref)).scalars())
    now = clock()
    events = []
    for line, row in rows:
        k = "units"
        try:
            code = _text(row, "code", k)
            if code in known_units:
                raise RowError(f"unit {code} already exists (units change only through moves)")
            location = _text(row, "location", k)
            if location is not None and location not in kinds:
                raise RowError(f"location {location!r} is not known (import locations first)")
            if location is not None and kinds[location] not in UNIT_HOMES:
                raise RowError(
                    f"location {location} is a {kinds[location].value}; units arrive in storage, quarantine, lanes or kitting"
                )
            order = _text(row, "order", k)
            if order is not None and order not in known_orders:
                raise RowError(f"order {order!r} is not known (import orders first)")
            gtin = _text(row, "gtin", k)
            if gtin is not None and not (gtin.isdigit() and len(gtin) in (8, 12, 13, 14)):
                raise RowError(f"gtin {gtin!r} is not 8, 12, 13 or 14 digits")
            sscc = _text(row, "sscc", k)
            if sscc is not None and not (sscc.isdigit() and len(sscc) == 18):
                raise RowError(f"sscc {sscc!r} is not 18 digits")
            expiry = _date(row, "expiry", k)
            payload = {
                "item": _text(row, "item", k),
                "gtin": gtin.zfill(14) if gtin else None,
                "lot": _text(row, "lot", k),
                "serial": _text(row, "serial", k),
                "sscc": sscc,
                "quantity": _int(row, "quantity", k, minimum=1),
                "uom": _text(row, "uom", k),
                "expiry": expiry.isoformat() if expiry else None,
                "order": order,
            }
            quality = Quality(
                _choice(row, "quality", k, [q.value for q in Quality], Quality.RELEASED.value)
            )
        except RowError as exc:
            problems.append(f"{name}:{line}: {exc}")
            continue
        assert code is not None
        events.append(
            Event(
                id=new_event_id(),
                type=EventType.RECEIVE,
                unit=code,
                occurred_at=now,
                operator=operator,
                terminal=terminal,
                to_location=location,
                to_state=UNIT_HOMES[kinds[location]] if location else UnitState.STORED,
                to_quality=quality,
                quantity=int(str(payload["quantity"])),
                reason=f"import {name}"[:200],
                payload={k: v for k, v in payload.items() if v is not None},
                sync_state=SyncState.LOCAL,
            )
        )
    _fail_on(problems)
    if events:
        record(session, {}, events)
    return ImportReport("units", len(events), 0)


def _orders(session: Session, name: str, rows: list[tuple[int, Row]], *_: object) -> ImportReport:
    problems: list[str] = []
    headers: dict[str, OrderRow] = {}
    lines: dict[str, list[OrderLineRow]] = {}
    for line, row in rows:
        k = "orders"
        try:
            ref = _text(row, "ref", k)
            assert ref is not None  # required: _text raised when empty
            header = OrderRow(
                ref=ref,
                kind=_choice(row, "kind", k, [x.value for x in OrderKind]),
                customer=_text(row, "customer", k),
                route=_text(row, "route", k),
                carrier=_text(row, "carrier", k),
                due_at=_datetime(row, "due_at", k),
            )
            item, quantity = _text(row, "item", k), _int(row, "quantity", k, minimum=1)
            if (item is None) != (quantity is None):
                raise RowError("an order line needs both item and quantity")
            first = headers.setdefault(header.ref, header)
            if first.model_dump() != header.model_dump():
                raise RowError(
                    f"order {header.ref} differs from its earlier rows (kind, customer, route, carrier, due_at)"
                )
            if item is not None and any(x.item == item for x in lines.get(header.ref, [])):
                raise RowError(f"duplicate line for item {item!r} on order {header.ref}")
            if item is not None and quantity is not None:
                lines.setdefault(header.ref, []).append(
                    OrderLineRow(order_ref=header.ref, item=item, quantity=quantity)
                )
        except RowError as exc:
            problems.append(f"{name}:{line}: {exc}")
    _fail_on(problems)
    existing = set(session.execute(select(ORDERS.c.ref)).scalars())
    for ref, header in headers.items():
        session.merge(header)
        session.flush()
        session.execute(delete(ORDER_LINES).where(ORDER_LINES.c.order_ref == ref))
        session.add_all(lines.get(ref, []))
    return ImportReport(
        "orders", sum(r not in existing for r in headers), sum(r in existing for r in headers)
    )


def _operators(
    session: Session, name: str, rows: list[tuple[int, Row]], *_: object
) -> ImportReport:
    problems: list[str] = []
    _duplicates(name, rows, "badge", problems)
    checked: list[tuple[str, str, str, str | None]] = []
    for line, row in rows:
        k = "operators"
        try:
            badge, person = _text(row, "badge", k), _text(row, "name", k)
            role = _choice(row, "role", k, [r.value for r in Role])
            pin = _text(row, "pin", k)
            if pin is not None and not (4 <= len(pin) <= 32):
                raise RowError("pin must be 4 to 32 characters")
            assert badge is not None and person is not None
            checked.append((badge, person, role, pin))
        except RowError as exc:
            problems.append(f"{name}:{line}: {exc}")
    _fail_on(problems)
    created = updated = 0
    for badge, person, role, pin in checked:
        person_row = session.get(OperatorRow, badge)
        if person_row is None:
            person_row = OperatorRow(badge=badge, name=person, role=role)
            created += 1
        else:
            person_row.name, person_row.role = person, role
            updated += 1
        if pin is not None:
            person_row.pin_hash = hash_pin(pin)  # the PIN itself is never stored
        session.add(person_row)
    return ImportReport("operators", created, updated)


_APPLY: dict[str, Callable[..., ImportReport]] = {
    "locations": _locations,
    "units": _units,
    "orders": _orders,
    "operators": _operators,
}

__all__ = ["COLUMNS", "KINDS", "ImportFailed", "ImportReport", "import_file", "import_rows"]
