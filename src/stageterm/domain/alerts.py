"""Alerts (SPEC §6b): what needs a lead now, judged from lane and order figures.

Three kinds: `lane-old` (a lane's oldest unit has waited past the "old" threshold),
`order-at-risk` (an open outbound order due within the at-risk window whose quantity is
not all staged or loaded) and `over-capacity` (a lane holding more units than its
capacity). Pure functions: the services read the figures and keep the alerts in the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from stageterm.domain.metrics import format_dwell


class AlertKind(StrEnum):
    LANE_OLD = "lane-old"
    ORDER_AT_RISK = "order-at-risk"
    OVER_CAPACITY = "over-capacity"


@dataclass(frozen=True, slots=True)
class Alert:
    """One condition that needs a lead. `since` is when it began where the figures say so
    (the oldest unit passing the threshold, the order entering the at-risk window); for
    over-capacity it is None here and the store keeps when the alert was first seen."""

    kind: AlertKind
    subject: str  # the lane code or the order ref
    message: str
    since: datetime | None

    @property
    def key(self) -> str:
        return f"{self.kind.value}:{self.subject}"


@dataclass(frozen=True, slots=True)
class LaneFigures:
    code: str
    units: int
    capacity: int | None
    oldest_staged_at: datetime | None


@dataclass(frozen=True, slots=True)
class OrderFigures:
    ref: str
    customer: str | None
    due_at: datetime
    needed: int  # the order's quantity over all its lines
    staged: int  # quantity of its units staged or loaded
    waiting_units: int  # its units still in storage (not staged yet)


def lane_alerts(lanes: list[LaneFigures], now: datetime, old_s: int) -> list[Alert]:
    """lane-old and over-capacity alerts, lane by lane."""
    found: list[Alert] = []
    for lane in lanes:
        if lane.oldest_staged_at is not None and lane.units:
            waited = int((now - lane.oldest_staged_at).total_seconds())
            if waited >= old_s:
                found.append(
                    Alert(
                        AlertKind.LANE_OLD,
                        lane.code,
                        f"Lane {lane.code}: oldest unit waiting {format_dwell(waited)}.",
                        lane.oldest_staged_at + timedelta(seconds=old_s),
                    )
                )
        if lane.capacity and lane.units > lane.capacity:
            found.append(
                Alert(
                    AlertKind.OVER_CAPACITY,
                    lane.code,
                    f"Lane {lane.code}: {lane.units} units, capacity {lane.capacity}.",
                    None,
                )
            )
    return found


def order_alerts(orders: list[OrderFigures], now: datetime, at_risk_s: int) -> list[Alert]:
    """order-at-risk: due within the window (or overdue) and not all staged."""
    found: list[Alert] = []
    for order in orders:
        if order.due_at - now > timedelta(seconds=at_risk_s):
            continue
        if order.staged >= order.needed and not order.waiting_units:
            continue
        due = order.due_at.astimezone(now.tzinfo)
        late = "overdue since" if order.due_at <= now else "due"
        who = f" ({order.customer})" if order.customer else ""
        found.append(
            Alert(
                AlertKind.ORDER_AT_RISK,
                order.ref,
                f"Order {order.ref}{who} {late} {due:%H:%M}: "
                f"{order.staged} of {order.needed} staged.",
                order.due_at - timedelta(seconds=at_risk_s),
            )
        )
    return found
