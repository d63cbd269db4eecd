"""Where the pull stands: the cursor per feed kind, and the lease that keeps one pull
worker per site at a time (the sync's lease idea, SPEC §6a)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Executable, delete, insert, select, update
from sqlmodel import Session

from stageterm.store.engine import Store
from stageterm.store.pull_tables import FEED_CURSORS, PULL_LEASE
from stageterm.store.tables import as_utc

LEASE_NAME = "pull"
LEASE = timedelta(minutes=2)  # renewed at every page: a worker that dies frees it this soon
POLL_S = 30.0  # between pull passes of a worker (`stageterm pull`, a terminal's)


def cursor(session: Session, kind: str) -> str | None:
    """The cursor to ask the feed with for `kind`; None: from the start."""
    return session.execute(
        select(FEED_CURSORS.c.cursor).where(FEED_CURSORS.c.kind == kind)
    ).scalar_one_or_none()


def keep_cursor(
    kind: str, value: str, now: datetime
) -> list[tuple[Executable, list[dict[str, Any]]]]:
    """The statements that keep `value` as the cursor of `kind` (run in the page's own
    write transaction, so the cursor moves exactly when the page is written)."""
    return [
        (delete(FEED_CURSORS).where(FEED_CURSORS.c.kind == kind), [{}]),
        (
            insert(FEED_CURSORS),
            [{"kind": kind, "cursor": value, "updated_at": now.astimezone(UTC)}],
        ),
    ]


def take_lease(
    store: Store,
    owner: str,
    lease: timedelta,
    is_dead: Callable[[str], bool],
    now: datetime | None = None,
) -> str | None:
    """Take or renew the site's pull lease; None when taken, else the live holder's name."""
    now = now or datetime.now(UTC)
    with store.write() as session:
        row = session.execute(select(PULL_LEASE).where(PULL_LEASE.c.name == LEASE_NAME)).first()
        if row is None:
            session.execute(
                insert(PULL_LEASE).values(name=LEASE_NAME, owner=owner, until=now + lease)
            )
            return None
        until = as_utc(row.until)
        held = row.owner and row.owner != owner and until is not None and until > now
        if held and not is_dead(str(row.owner)):
            return str(row.owner)
        session.execute(
            update(PULL_LEASE)
            .where(PULL_LEASE.c.name == LEASE_NAME)
            .values(owner=owner, until=now + lease)
        )
    return None


def drop_lease(store: Store, owner: str) -> None:
    with store.write() as session:
        session.execute(
            update(PULL_LEASE)
            .where(PULL_LEASE.c.name == LEASE_NAME, PULL_LEASE.c.owner == owner)
            .values(owner=None, until=None)
        )
