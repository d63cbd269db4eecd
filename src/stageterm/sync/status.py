"""What the sync is doing, for `sync --status` and the terminal footer, and its record.

The record is one `sync_status` row ("upstream"): when sending last worked, what last went
wrong, and when the next attempt is due during an outage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from stageterm.store.engine import Store
from stageterm.store.tables import SyncStatusRow, as_utc
from stageterm.sync.facts import EVENTS, MAX_ERROR, PENDING, RECEIVE, REJECTED

UPSTREAM = "upstream"
STATUS = SyncStatusRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class RejectedEvent:
    """An event upstream refused, parked until a lead retries it."""

    id: str
    seq: int
    unit: str
    type: str
    reason: str | None


@dataclass(frozen=True)
class SyncStatus:
    pending: int = 0
    """Events waiting to be sent (receive events are never sent and not counted)."""
    held: int = 0
    """Of those, events waiting behind a rejected earlier event of the same unit."""
    rejected: int = 0
    oldest_pending_at: datetime | None = None
    last_success_at: datetime | None = None
    last_attempt_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    next_attempt_at: datetime | None = None
    rejected_events: list[RejectedEvent] = field(default_factory=list)

    @property
    def failing(self) -> bool:
        """The last attempt failed (the last error is newer than the last success)."""
        if self.last_error_at is None:
            return False
        return self.last_success_at is None or self.last_error_at > self.last_success_at

    def oldest_pending_age(self, now: datetime | None = None) -> float | None:
        if self.oldest_pending_at is None:
            return None
        return max(0.0, ((now or datetime.now(UTC)) - self.oldest_pending_at).total_seconds())


def read_status(store: Store, *, list_rejected: int = 0) -> SyncStatus:
    """Counts and the last outcome; with `list_rejected`, that many rejected events too."""
    with store.read() as session:
        visible = (EVENTS.c.sync_state == PENDING) & (EVENTS.c.type != RECEIVE)
        pending, oldest = session.execute(
            select(func.count(), func.min(EVENTS.c.occurred_at)).where(visible)
        ).one()
        rejected = session.execute(
            select(func.count()).where(EVENTS.c.sync_state == REJECTED)
        ).scalar_one()
        held = _held(session, visible) if rejected else 0
        listed = _rejected(session, list_rejected) if list_rejected else []
        row = session.get(SyncStatusRow, UPSTREAM)
    return SyncStatus(
        pending=int(pending),
        held=int(held),
        rejected=int(rejected),
        oldest_pending_at=as_utc(_aware(oldest)),
        last_success_at=row.last_success_at if row else None,
        last_attempt_at=row.last_attempt_at if row else None,
        last_error=row.last_error if row else None,
        last_error_at=row.last_error_at if row else None,
        next_attempt_at=row.next_attempt_at if row else None,
        rejected_events=listed,
    )


def _held(session: Session, visible: ColumnElement[bool]) -> int:
    """Pending events behind a rejected earlier event of their unit (only asked when some are rejected)."""
    earlier = EVENTS.alias("earlier")
    behind = exists().where(
        earlier.c.unit == EVENTS.c.unit,
        earlier.c.sync_state == REJECTED,
        earlier.c.seq < EVENTS.c.seq,
    )
    return int(session.execute(select(func.count()).where(visible, behind)).scalar_one())


def _aware(value: object) -> datetime | None:
    """min() over a datetime column comes back as text on SQLite: read it as UTC."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _rejected(session: Session, limit: int) -> list[RejectedEvent]:
    stmt = (
        select(EVENTS.c.id, EVENTS.c.seq, EVENTS.c.unit, EVENTS.c.type, EVENTS.c.sync_error)
        .where(EVENTS.c.sync_state == REJECTED)
        .order_by(EVENTS.c.seq)
        .limit(limit)
    )
    return [RejectedEvent(*row) for row in session.execute(stmt).all()]


def ensure_status_row(store: Store) -> None:
    """Create the record once; two terminals racing to create it is fine."""
    try:
        with store.write() as session:
            if session.get(SyncStatusRow, UPSTREAM) is None:
                session.add(SyncStatusRow(name=UPSTREAM))
    except IntegrityError:
        pass


def touch_success(session: Session, now: datetime) -> None:
    """Note a success inside the caller's transaction (the one that marks the events)."""
    session.execute(
        update(STATUS)
        .where(STATUS.c.name == UPSTREAM)
        .values(last_success_at=now, last_attempt_at=now, next_attempt_at=None)
    )


def record_failure(
    store: Store, error: str, next_attempt_at: datetime | None, now: datetime | None = None
) -> None:
    now = now or datetime.now(UTC)
    _update(
        store,
        last_error=error[:MAX_ERROR],
        last_error_at=now,
        last_attempt_at=now,
        next_attempt_at=next_attempt_at,
    )


def _update(store: Store, **values: object) -> None:
    with store.write() as session:
        session.execute(update(STATUS).where(STATUS.c.name == UPSTREAM).values(**values))
