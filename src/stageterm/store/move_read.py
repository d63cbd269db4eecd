"""The one read a move is judged on, inside its write transaction: the operator, the unit,
the target, where the unit is, its order, the target's staged count, the unit's latest
event and whether it has an open re-coordination task, all from one SELECT built once (portable Core, the same on SQLite and PostgreSQL).

Each of these used to be a statement of its own (seven a scan); on a scan that is most of
what stageterm adds to the bare transaction. Order lines, the work order of a kitting area
and the FEFO probe stay separate reads, made only when the data needs them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import ColumnElement, bindparam, exists, func, literal_column, select
from sqlmodel import Session

from stageterm.domain.model import EventType, Location, Operator, Order, Unit, UnitState
from stageterm.store.prepared import Prepared
from stageterm.store.pull_tables import TASKS
from stageterm.store.tables import (
    EVENTS,
    LOCATIONS,
    OPERATORS,
    ORDER_LINES,
    ORDERS,
    UNITS,
    as_utc,
    location_from,
    operator_from,
    order_from,
    unit_from,
)


@dataclass(frozen=True, slots=True)
class MoveRead:
    """What one read found. `names_more`: the code also names a location or a badge (a
    scan of it is not only a unit's). `latest`: the unit's latest event as the
    "just moved by another" question needs it (type, operator, UTC time, moved it).
    `open_task`: the unit has an open re-coordination task (a move may end it)."""

    person: Operator | None
    unit: Unit | None
    target: Location | None
    here: Location | None
    order: Order | None
    staged_in_target: int
    latest: tuple[EventType, str | None, datetime, bool] | None
    names_more: bool
    open_task: bool


_PERSON = OPERATORS.alias("p")
_UNIT = UNITS.alias("u")
_TARGET = LOCATIONS.alias("t")
_HERE = LOCATIONS.alias("h")
_ORDER = ORDERS.alias("o")
_LATEST = EVENTS.alias("e")
_LATEST_COLUMNS = ("type", "operator", "occurred_at", "from_location", "to_location")
_PARTS: tuple[tuple[str, Any], ...] = (
    ("p", _PERSON),
    ("u", _UNIT),
    ("t", _TARGET),
    ("h", _HERE),
    ("o", _ORDER),
)


def _build() -> tuple[Any, dict[str, list[tuple[str, int]]]]:
    columns: list[ColumnElement[Any]] = []
    where: dict[str, list[tuple[str, int]]] = {}
    for prefix, table in _PARTS:
        # The primary key first: it is None exactly when the outer join found no row.
        key = next(iter(table.primary_key)).key
        where[prefix] = []
        for column in sorted(table.c, key=lambda c: c.key != key):
            where[prefix].append((column.key, len(columns)))
            columns.append(column.label(f"{prefix}_{column.key}"))
    where["e"] = []
    for key in _LATEST_COLUMNS:
        where["e"].append((key, len(columns)))
        columns.append(_LATEST.c[key].label(f"e_{key}"))
    staged = (
        select(func.count())
        .select_from(UNITS)
        .where(UNITS.c.location == bindparam("to"), UNITS.c.state == UnitState.STAGED.value)
        .scalar_subquery()
    )
    names_more = exists().where(LOCATIONS.c.code == bindparam("code")) | exists().where(
        OPERATORS.c.badge == bindparam("code")
    )
    open_task = exists().where(TASKS.c.unit == bindparam("code"), TASKS.c.ended_at.is_(None))
    columns.append(staged.label("staged"))
    columns.append(names_more.label("names_more"))
    columns.append(open_task.label("open_task"))
    latest_seq = (
        select(func.max(EVENTS.c.seq)).where(EVENTS.c.unit == bindparam("code")).scalar_subquery()
    )
    # One row whatever is missing: everything hangs off a constant by outer joins.
    anchor = select(literal_column("1").label("one")).subquery("k")
    joined = (
        anchor.outerjoin(_PERSON, _PERSON.c.badge == bindparam("badge"))
        .outerjoin(_UNIT, _UNIT.c.code == bindparam("code"))
        .outerjoin(_TARGET, _TARGET.c.code == bindparam("to"))
        .outerjoin(_HERE, _HERE.c.code == _UNIT.c.location)
        .outerjoin(_ORDER, _ORDER.c.ref == _UNIT.c.order_ref)
        .outerjoin(_LATEST, _LATEST.c.seq == latest_seq)
    )
    return select(*columns).select_from(joined), where


_SELECT, _WHERE = _build()
_READ = Prepared(_SELECT)
_KEY = {prefix: where[0][1] for prefix, where in _WHERE.items()}  # the primary key's column
_STAGED, _NAMES_MORE, _OPEN_TASK = range(
    len(_SELECT.selected_columns) - 3, len(_SELECT.selected_columns)
)
_LINES = Prepared(
    select(ORDER_LINES)
    .where(ORDER_LINES.c.order_ref == bindparam("ref"))
    .order_by(ORDER_LINES.c.id)
)
_LINE_COLUMNS = tuple(ORDER_LINES.c.keys())


def _part(row: Any, prefix: str) -> SimpleNamespace | None:
    if row[_KEY[prefix]] is None:  # the outer join found nothing
        return None
    return SimpleNamespace(**{key: row[i] for key, i in _WHERE[prefix]})


def move_read(session: Session, badge: str, code: str, to: str) -> MoveRead:
    """Everything a move of unit `code` to `to` by `badge` is judged on, in one SELECT
    (plus the order's lines when the unit has an order)."""
    connection = session.connection()
    (row,) = _READ.rows(connection, {"badge": badge, "code": code, "to": to})
    person, unit, target, here, order = (_part(row, prefix) for prefix, _ in _PARTS)
    lines = (
        [SimpleNamespace(**dict(zip(_LINE_COLUMNS, line, strict=True))) for line in found]
        if order is not None and (found := _LINES.rows(connection, {"ref": order.ref}))
        else []
    )
    latest_part = _part(row, "e")
    latest = None
    if latest_part is not None:
        at = as_utc(latest_part.occurred_at)
        assert at is not None  # NOT NULL
        latest = (
            EventType(latest_part.type),
            latest_part.operator,
            at,
            latest_part.from_location != latest_part.to_location,
        )
    return MoveRead(
        person=operator_from(person) if person else None,
        unit=unit_from(unit) if unit else None,
        target=location_from(target) if target else None,
        here=location_from(here) if here else None,
        order=order_from(order, lines) if order else None,
        staged_in_target=int(row[_STAGED]),
        latest=latest,
        names_more=bool(row[_NAMES_MORE]),
        open_task=bool(row[_OPEN_TASK]),
    )
