"""The alerts table: the figures alerts are judged on, recording what holds now, a lead's
acknowledgement, and claiming alerts to post under a lease (portable SQLAlchemy Core).

Every change here is one conditional UPDATE or INSERT, so terminals sharing a database
agree: a condition is recorded once (unique `live_key`), and an alert is claimed for
posting by one worker at a time (`posted_at IS NULL` and no live lease).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from stageterm.domain.alerts import Alert, LaneFigures, OrderFigures
from stageterm.domain.model import LocationKind, OrderKind, OrderStatus, UnitState
from stageterm.store.engine import Store
from stageterm.store.queries import lane_rows
from stageterm.store.tables import ALERTS, ORDER_LINES, ORDERS, UNITS, as_utc


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """An alert as kept: its id, and whether a lead has acknowledged it."""

    id: int
    kind: str
    subject: str
    message: str
    since: datetime
    raised_at: datetime
    acked_by: str | None
    acked_at: datetime | None
    posted_at: datetime | None
    post_attempts: int


def _record(row: object) -> AlertRecord:
    r = row._mapping  # type: ignore[attr-defined]
    return AlertRecord(
        r["id"],
        r["kind"],
        r["subject"],
        r["message"],
        as_utc(r["since"]) or datetime.min.replace(tzinfo=UTC),
        as_utc(r["raised_at"]) or datetime.min.replace(tzinfo=UTC),
        r["acked_by"],
        as_utc(r["acked_at"]),
        as_utc(r["posted_at"]),
        r["post_attempts"],
    )


# -- the figures ---------------------------------------------------------------------------


def lane_figures(session: Session) -> list[LaneFigures]:
    return [
        LaneFigures(row.lane.code, row.units, row.lane.capacity, row.oldest_staged_at)
        for row in lane_rows(session, kinds=(LocationKind.LANE,))
    ]


def order_figures(session: Session, due_before: datetime) -> list[OrderFigures]:
    """Open outbound orders due before `due_before`, with what they need and what is staged."""
    conn = session.connection()
    due = conn.execute(
        select(ORDERS.c.ref, ORDERS.c.customer, ORDERS.c.due_at).where(
            ORDERS.c.kind == OrderKind.OUTBOUND.value,
            ORDERS.c.status == OrderStatus.OPEN.value,
            ORDERS.c.due_at.is_not(None),
            ORDERS.c.due_at <= due_before,
        )
    ).all()
    if not due:
        return []
    refs = [row.ref for row in due]
    needed = dict(
        conn.execute(
            select(ORDER_LINES.c.order_ref, func.sum(ORDER_LINES.c.quantity))
            .where(ORDER_LINES.c.order_ref.in_(refs))
            .group_by(ORDER_LINES.c.order_ref)
        ).all()
    )
    staged: dict[str, int] = {}
    waiting: dict[str, int] = {}
    for ref, state, quantity, count in conn.execute(
        select(UNITS.c.order_ref, UNITS.c.state, func.sum(UNITS.c.quantity), func.count())
        .where(UNITS.c.order_ref.in_(refs))
        .group_by(UNITS.c.order_ref, UNITS.c.state)
    ).all():
        if state in (UnitState.STAGED.value, UnitState.LOADED.value):
            staged[ref] = staged.get(ref, 0) + int(quantity or 0)
        elif state == UnitState.STORED.value:
            waiting[ref] = waiting.get(ref, 0) + int(count)
    return [
        OrderFigures(
            row.ref,
            row.customer,
            as_utc(row.due_at) or due_before,
            int(needed.get(row.ref) or 0),
            staged.get(row.ref, 0),
            waiting.get(row.ref, 0),
        )
        for row in due
    ]


# -- what holds now ------------------------------------------------------------------------


def live(session: Session) -> list[AlertRecord]:
    """Alerts whose condition still holds, oldest first."""
    rows = session.connection().execute(
        select(ALERTS).where(ALERTS.c.live_key.is_not(None)).order_by(ALERTS.c.since, ALERTS.c.id)
    )
    return [_record(row) for row in rows]


def live_keys(session: Session) -> set[str]:
    rows = session.connection().execute(
        select(ALERTS.c.live_key).where(ALERTS.c.live_key.is_not(None))
    )
    return {row[0] for row in rows}


def record(store: Store, current: list[Alert], now: datetime) -> None:
    """Make the table say what holds now: new conditions inserted, gone ones cleared.
    A condition another terminal recorded a moment ago is left as it recorded it."""
    wanted = {alert.key: alert for alert in current}
    with store.write() as session:
        conn = session.connection()
        known = live_keys(session)
        gone = known - wanted.keys()
        if gone:
            conn.execute(
                update(ALERTS)
                .where(ALERTS.c.live_key.in_(gone))
                .values(live_key=None, cleared_at=now)
            )
        for key, alert in wanted.items():  # in the order judged: ids follow it
            if key in known:
                continue
            try:
                with conn.begin_nested():
                    conn.execute(
                        insert(ALERTS).values(
                            kind=alert.kind.value,
                            subject=alert.subject,
                            message=alert.message,
                            since=alert.since or now,
                            raised_at=now,
                            live_key=key,
                            post_attempts=0,
                        )
                    )
            except IntegrityError:
                # PostgreSQL: another terminal recorded the same condition first; keep its row.
                continue


def acknowledge(store: Store, alert_id: int, badge: str, now: datetime) -> AlertRecord | None:
    """Record that `badge` acknowledged the alert (the first lead's acknowledgement stays).
    None when there is no such alert."""
    with store.write() as session:
        conn = session.connection()
        conn.execute(
            update(ALERTS)
            .where(ALERTS.c.id == alert_id, ALERTS.c.acked_at.is_(None))
            .values(acked_by=badge, acked_at=now)
        )
        row = conn.execute(select(ALERTS).where(ALERTS.c.id == alert_id)).first()
    return _record(row) if row else None


# -- posting -------------------------------------------------------------------------------


def _claimable(now: datetime) -> object:
    return and_(
        ALERTS.c.posted_at.is_(None),
        or_(ALERTS.c.post_until.is_(None), ALERTS.c.post_until < now),
    )


def to_post(store: Store, now: datetime, limit: int = 100) -> list[int]:
    """Ids of alerts not posted yet and not claimed by a live lease, oldest first."""
    with store.read() as session:
        rows = session.connection().execute(
            select(ALERTS.c.id).where(_claimable(now)).order_by(ALERTS.c.id).limit(limit)  # type: ignore[arg-type]
        )
        return [row[0] for row in rows]


def claim(
    store: Store, alert_id: int, owner: str, now: datetime, lease: float
) -> AlertRecord | None:
    """Claim one alert for posting; None when another worker has it or it is posted."""
    with store.write() as session:
        conn = session.connection()
        result = conn.execute(
            update(ALERTS)
            .where(ALERTS.c.id == alert_id, _claimable(now))  # type: ignore[arg-type]
            .values(post_owner=owner, post_until=now + timedelta(seconds=lease))
        )
        if result.rowcount != 1:
            return None
        row = conn.execute(select(ALERTS).where(ALERTS.c.id == alert_id)).first()
    return _record(row) if row else None


def mark_posted(store: Store, alert_id: int, owner: str, now: datetime) -> None:
    with store.write() as session:
        session.connection().execute(
            update(ALERTS)
            .where(ALERTS.c.id == alert_id, ALERTS.c.post_owner == owner)
            .values(posted_at=now, post_owner=None, post_until=None, post_error=None)
        )


def mark_failed(store: Store, alert_id: int, owner: str, error: str, retry_at: datetime) -> None:
    """Not posted: tried again after `retry_at` (by whichever worker comes first)."""
    with store.write() as session:
        session.connection().execute(
            update(ALERTS)
            .where(ALERTS.c.id == alert_id, ALERTS.c.post_owner == owner)
            .values(
                post_owner=None,
                post_until=retry_at,
                post_error=error,
                post_attempts=ALERTS.c.post_attempts + 1,
            )
        )
