"""What an order page changes on the floor: the order changes it brings, and the tasks they
open for staged units that no longer fit their lane (SPEC §6a).

Read in the planning transaction (before the write lock), written as extra steps of the
same plan as the orders, so an order, its recorded change and its tasks are one commit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, bindparam, insert, select, update
from sqlmodel import Session

from stageterm.domain.model import LocationKind, Order, OrderKind, OrderStatus, UnitState
from stageterm.domain.suggest import lane_takes, suggest_lanes
from stageterm.intake.plans import Plan
from stageterm.intake.rows import Checked, OrderIn
from stageterm.store.floor_queries import lane_counts
from stageterm.store.pull_tables import ORDER_CHANGES, TASKS
from stageterm.store.tables import LOCATIONS, ORDERS, UNITS, location_from
from stageterm.store.tasks import RESTAGE, UNSTAGE

WATCHED = ("customer", "route", "status")


@dataclass(frozen=True)
class Recoordination:
    changes: int
    tasks_opened: int


def plan_changes(
    session: Session, checked: Checked[OrderIn], plan: Plan, now: datetime
) -> Recoordination:
    """Add to `plan` the order changes of `checked` and the tasks they open or end."""
    incoming = {order.ref: order for _, order in checked.records}
    if not incoming:
        return Recoordination(0, 0)
    rows = session.execute(
        select(ORDERS.c.ref, ORDERS.c.customer, ORDERS.c.route, ORDERS.c.status).where(
            ORDERS.c.ref.in_(sorted(incoming))
        )
    ).all()
    arrived = now.astimezone(UTC)
    changes: list[dict[str, Any]] = []
    rethink: list[Order] = []
    for ref, customer, route, status in rows:
        new = incoming[ref]
        old = {"customer": customer, "route": route, "status": status or "open"}
        changed = [f for f in WATCHED if old[f] != getattr(new, f)]
        for name in changed:
            changes.append(
                {
                    "order_ref": ref,
                    "field": name,
                    "old": old[name],
                    "new": getattr(new, name),
                    "arrived_at": arrived,
                }
            )
        if {"customer", "route"} & set(changed) or (
            "status" in changed and new.status == OrderStatus.CANCELLED.value
        ):
            rethink.append(_order(new))
    plan.add(insert(ORDER_CHANGES), changes)
    opened, ended = _tasks(session, rethink, arrived)
    plan.add(
        update(TASKS)
        .where(and_(TASKS.c.unit == bindparam("b_unit"), TASKS.c.ended_at.is_(None)))
        .values(ended_at=arrived),
        [{"b_unit": code} for code in ended],
    )
    plan.add(insert(TASKS), opened)
    return Recoordination(len(changes), len(opened))


def _order(order: OrderIn) -> Order:
    return Order(
        ref=order.ref,
        kind=OrderKind(order.kind),
        customer=order.customer,
        route=order.route,
        carrier=order.carrier,
        status=OrderStatus(order.status),
    )


def _tasks(
    session: Session, orders: list[Order], now: datetime
) -> tuple[list[dict[str, Any]], list[str]]:
    """Tasks to open for the staged units of `orders` in lanes that no longer take them, and
    the units whose open task ends (replaced by a new one, or fitting again)."""
    opened: list[dict[str, Any]] = []
    ended: list[str] = []
    for order in orders:
        staged = session.execute(
            select(UNITS.c.code.label("unit_code"), *LOCATIONS.c)
            .join(LOCATIONS, LOCATIONS.c.code == UNITS.c.location)
            .where(
                UNITS.c.order_ref == order.ref,
                UNITS.c.state == UnitState.STAGED.value,
                LOCATIONS.c.kind == LocationKind.LANE.value,
            )
            .order_by(UNITS.c.code)
        ).all()
        suggested: tuple[str, ...] | None = None
        for row in staged:
            code = row.unit_code
            lane = location_from(row)
            ended.append(code)  # whatever task it had was about an older version of the order
            if order.status is OrderStatus.CANCELLED:
                kind, reason = UNSTAGE, f"order {order.ref} cancelled"
                lanes: tuple[str, ...] = ()
            elif lane_takes(lane, order):
                continue
            else:
                if suggested is None:
                    suggested = suggest_lanes(order, lane_counts(session, order.ref))
                kind, lanes = RESTAGE, suggested
                reason = f"order {order.ref} now {order.customer or '-'}/{order.route or '-'}"
            opened.append(
                {
                    "kind": kind,
                    "unit": code,
                    "order_ref": order.ref,
                    "at": lane.code,
                    "suggested": json.dumps(list(lanes)),
                    "since": now,
                    "reason": reason[:200],
                }
            )
    return opened, ended
