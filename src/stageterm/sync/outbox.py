"""The outbox: claim pending events under a lease, renew it, and record what upstream said.

Ordering is the point. Upstream must see a unit's events in the order they happened, so
a worker only ever takes the *head* of the queue (the lowest pending seqs): if another
live worker holds any of those, it takes nothing and waits. Several terminals sharing a
database therefore take turns batch by batch and never send the same event at once, and
a later event can never overtake an earlier one that is still failing. An event parked
as rejected holds back the later events of its unit (they stay pending, "held") until a
lead retries it; other units go on.

Everything here is portable SQLAlchemy Core. On SQLite the write transaction is
BEGIN IMMEDIATE, which already serialises claimers; on PostgreSQL the head is read
FOR UPDATE, so a concurrent claimer waits and then sees the first one's lease.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, exists, false, func, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlmodel import Session

from stageterm.domain.model import Event
from stageterm.store.engine import Store
from stageterm.sync import status
from stageterm.sync.epcis import Facts, event_id_from
from stageterm.sync.facts import (
    EVENTS,
    MAX_ERROR,
    PENDING,
    RECEIVE,
    REJECTED,
    SYNCED,
    FactsCache,
    events_by_seq,
    seq_between,
    seq_in,
)


def new_owner() -> str:
    """A lease owner: host and pid (so a dead process on this host is recognised) and a nonce."""
    return f"{socket.gethostname()[:64]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def owner_is_dead(owner: str, *, host: str | None = None) -> bool:
    """True when `owner` was a process on this host that no longer runs.

    Lets a restarted `stageterm sync` take over its killed predecessor's batch at once
    instead of waiting for the lease to run out. Owners on other hosts are never judged.
    """
    parts = owner.rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return False
    owner_host, pid = parts[0], int(parts[1])
    if owner_host != (host or socket.gethostname()[:64]) or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # it exists, as another user
    return False


@dataclass(frozen=True)
class Claim:
    """A leased batch, in seq order, with the facts needed to map it."""

    owner: str
    seqs: list[int]  # leased, in order
    events: list[Event] = field(default_factory=list)  # read back (unless claimed unread)
    facts: Facts = field(default_factory=Facts)
    busy_with: str | None = None  # another worker's lease on the head of the queue
    marked: int = 0  # events of the batch before marked synced in the same transaction
    behind: bool = False  # claimed `holding`: an earlier event can be sent, not held by us


class _Raced(Exception):
    """Another claimer took part of the head between our read and our update."""


class _Behind(Exception):
    """An earlier event than those leased ahead can be sent: the lease is rolled back."""


@cache  # built once: a new alias a claim cost SQLAlchemy ~2 ms (its columns set up anew)
def _claimable() -> ColumnElement[bool]:
    """Pending, not a receive, and not held behind a rejected earlier event of its unit."""
    earlier = EVENTS.alias("earlier")
    held = exists().where(
        earlier.c.unit == EVENTS.c.unit,
        earlier.c.sync_state == REJECTED,
        earlier.c.seq < EVENTS.c.seq,
    )
    return and_(EVENTS.c.sync_state == PENDING, EVENTS.c.type != RECEIVE, ~held)


def claim(
    store: Store,
    owner: str,
    *,
    limit: int,
    lease: timedelta,
    up_to_seq: int | None = None,
    now: datetime | None = None,
    cache: FactsCache | None = None,
    synced: Collection[int] = (),
    holding: Collection[int] = (),
    read: bool = True,
) -> Claim:
    """Lease the head of the queue (up to `limit` events) for `owner`.

    Returns an empty claim when nothing is pending, or with `busy_with` set when another
    live worker holds part of the head. `synced`: the batch upstream took just before,
    marked synced in the same write transaction (one commit, so one fsync, a batch
    instead of two); how many were marked is the claim's `marked`, whatever it leases.
    `holding`: the batches `owner` has leased already and not yet sent (bodies made ahead,
    sync/ahead.py): the head after them; nothing is leased, and the claim says `behind`,
    when an event before the last of them can be sent that is not one of them (a rejected
    event retried meanwhile, with the later events of its unit held behind it): it must
    go first. `read=False`: only the seqs, the events are read by whoever makes the body.
    """
    now = now or datetime.now(UTC)
    marked = 0
    after_seq = max(holding) if holding else None
    for _ in range(3):
        try:
            with store.write() as session:
                if synced:
                    marked = _mark_synced(session, synced, now)
                result = _lease_head(session, owner, limit, lease, up_to_seq, after_seq, now)
                # Looked at after the lease, in its transaction: on PostgreSQL each statement
                # sees what committed before it, so a retry the lease missed is seen here.
                leased = isinstance(result, list) and bool(result)
                if holding and leased and _waits_before(session, holding):
                    raise _Behind
        except _Raced:
            continue
        except _Behind:  # rolled back with the mark: the mark on its own
            marked = mark_synced(store, synced, now) if synced else 0
            return Claim(owner, [], marked=marked, behind=True)
        synced = ()  # committed with this lease: not to be marked again on a retry
        if isinstance(result, str):
            return Claim(owner, [], busy_with=result, marked=marked)
        if result and not read:
            return Claim(owner, result, marked=marked)
        if result:
            # Read the batch after the lease is committed: the write lock (which the
            # terminals recording scans wait for) is held only for the lease itself.
            with store.read() as session:
                events = events_by_seq(session, result)
                facts = (cache or FactsCache()).facts(session, events)
            return Claim(owner, result, events, facts, marked=marked)
        # PostgreSQL may return nothing when the rows it waited on were synced meanwhile
        # (FOR UPDATE re-checks them after the LIMIT): look again before saying "empty".
        if not _any_claimable(store, up_to_seq, after_seq):
            break
    if synced:  # three races in a row: the batch before is marked on its own
        marked = mark_synced(store, synced, now)
    return Claim(owner, [], marked=marked)


def _lease_head(
    session: Session,
    owner: str,
    limit: int,
    lease: timedelta,
    up_to_seq: int | None,
    after_seq: int | None,
    now: datetime,
) -> list[int] | str:
    """The seqs leased, or the owner of a live lease on the head (then nothing is leased)."""
    head = (
        select(EVENTS.c.seq, EVENTS.c.lease_owner, EVENTS.c.lease_until)
        .where(_claimable())
        .order_by(EVENTS.c.seq)
        .limit(limit)
        .with_for_update()
    )
    head = _within(head, up_to_seq, after_seq)
    rows = session.execute(head).all()
    if not rows:
        return []
    dead: set[str] = set()
    for _seq, lease_owner, until in rows:
        if lease_owner and lease_owner != owner and until is not None and until > now:
            if lease_owner in dead or owner_is_dead(lease_owner):
                dead.add(lease_owner)
                continue
            return str(lease_owner)
    seqs = [row[0] for row in rows]
    free = or_(
        EVENTS.c.lease_until.is_(None),
        EVENTS.c.lease_until <= now,
        EVENTS.c.lease_owner == owner,
        EVENTS.c.lease_owner.in_(sorted(dead)) if dead else false(),
    )
    taken = session.execute(
        update(EVENTS)
        .where(seq_in(seqs), EVENTS.c.sync_state == PENDING, free)
        .values(
            lease_owner=owner, lease_until=now + lease, sync_attempts=EVENTS.c.sync_attempts + 1
        )
    )
    if _count(taken) != len(seqs):
        raise _Raced  # rolls the whole claim back: all of the head or nothing
    return seqs


def _waits_before(session: Session, holding: Collection[int]) -> bool:
    """An event before the last of `holding` could be sent that is not one of them."""
    stmt = (
        select(EVENTS.c.seq)
        .where(EVENTS.c.sync_state == PENDING, seq_between(holding), _claimable())
        .limit(1)
    )
    return session.execute(stmt).first() is not None


def _within(stmt: Select[Any], up_to_seq: int | None, after_seq: int | None) -> Select[Any]:
    if up_to_seq is not None:
        stmt = stmt.where(EVENTS.c.seq <= up_to_seq)
    if after_seq is not None:
        stmt = stmt.where(EVENTS.c.seq > after_seq)
    return stmt


def _any_claimable(store: Store, up_to_seq: int | None, after_seq: int | None = None) -> bool:
    with store.read() as session:
        stmt = _within(select(EVENTS.c.seq).where(_claimable()).limit(1), up_to_seq, after_seq)
        return session.execute(stmt).first() is not None


def pending_at_least(store: Store, count: int, up_to_seq: int) -> bool:
    """At least `count` events wait to be sent up to `up_to_seq` (a short index walk)."""
    with store.read() as session:
        stmt = (
            select(EVENTS.c.seq)
            .where(
                EVENTS.c.sync_state == PENDING,
                EVENTS.c.type != RECEIVE,
                EVENTS.c.seq <= up_to_seq,
            )
            .order_by(EVENTS.c.seq)
            .offset(max(0, count - 1))
            .limit(1)
        )
        return session.execute(stmt).first() is not None


def renew(
    store: Store,
    owner: str,
    seqs: Collection[int],
    lease: timedelta,
    now: datetime | None = None,
    *,
    held: Collection[int] = (),
) -> bool:
    """Extend the lease before an attempt and count the attempt; False if the lease was lost.
    `held`: batches leased ahead (sync/ahead.py), their leases extended too, uncounted."""
    now = now or datetime.now(UTC)
    mine = and_(EVENTS.c.lease_owner == owner, EVENTS.c.sync_state == PENDING)
    kept = True
    with store.write() as session:
        if seqs:
            result = session.execute(
                update(EVENTS)
                .where(seq_in(seqs), mine)
                .values(lease_until=now + lease, sync_attempts=EVENTS.c.sync_attempts + 1)
            )
            kept = _count(result) == len(seqs)
        if held:
            result = session.execute(
                update(EVENTS).where(seq_in(held), mine).values(lease_until=now + lease)
            )
            kept = kept and _count(result) == len(held)
        return kept


def mark_synced(store: Store, seqs: Collection[int], now: datetime | None = None) -> int:
    """Upstream has these (2xx, or 409 for ids it already had); noted as the last success."""
    now = now or datetime.now(UTC)
    with store.write() as session:
        return _mark_synced(session, seqs, now)


def _mark_synced(session: Session, seqs: Collection[int], now: datetime) -> int:
    # One transaction for both: a commit is the dearest part of a batch on SQLite.
    status.touch_success(session, now)
    if not seqs:
        return 0
    result = session.execute(
        update(EVENTS)
        .where(seq_in(seqs), EVENTS.c.sync_state == PENDING)
        .values(
            sync_state=SYNCED,
            synced_at=now,
            sync_error=None,
            lease_owner=None,
            lease_until=None,
        )
    )
    return _count(result)


def mark_rejected(store: Store, reasons: Mapping[int, str]) -> int:
    """Park events upstream refused, each with upstream's reason, for a lead to look at."""
    done = 0
    with store.write() as session:
        for seq, reason in reasons.items():
            result = session.execute(
                update(EVENTS)
                .where(EVENTS.c.seq == seq, EVENTS.c.sync_state == PENDING)
                .values(
                    sync_state=REJECTED,
                    sync_error=reason[:MAX_ERROR],
                    lease_owner=None,
                    lease_until=None,
                )
            )
            done += _count(result)
    return done


def release(store: Store, owner: str, error: str | None = None) -> int:
    """Give back what `owner` holds, still pending, so the next attempt (anyone's) takes it at once."""
    values: dict[str, object] = {"lease_owner": None, "lease_until": None}
    if error is not None:
        values["sync_error"] = error[:MAX_ERROR]
    with store.write() as session:
        result = session.execute(
            update(EVENTS)
            .where(EVENTS.c.lease_owner == owner, EVENTS.c.sync_state == PENDING)
            .values(**values)
        )
        return _count(result)


def give_back(store: Store, owner: str, seqs: Collection[int]) -> int:
    """Batches leased ahead and never sent (sync/ahead.py): back in the queue as they were,
    our lease not counted as an attempt (also where another worker has taken it since:
    its own lease counts, ours does not)."""
    if not seqs:
        return 0
    ours = EVENTS.c.lease_owner == owner
    with store.write() as session:
        result = session.execute(
            update(EVENTS)
            .where(seq_in(seqs), EVENTS.c.sync_state == PENDING, EVENTS.c.sync_attempts > 0)
            .values(
                # Both read the row as it was: the owner is cleared only where it was us.
                lease_owner=case((ours, None), else_=EVENTS.c.lease_owner),
                lease_until=case((ours, None), else_=EVENTS.c.lease_until),
                sync_attempts=EVENTS.c.sync_attempts - 1,
            )
        )
        return _count(result)


def retry_rejected(store: Store, event_ids: Iterable[str] | None = None) -> int:
    """Put rejected events back in the queue (all, or those named); returns how many.

    They go back in their original seq order, ahead of the later events of their units
    that waited behind them.
    """
    stmt = update(EVENTS).where(EVENTS.c.sync_state == REJECTED)
    if event_ids is not None:
        ids = sorted({event_id_from(i) for i in event_ids})
        if not ids:
            return 0
        stmt = stmt.where(EVENTS.c.id.in_(ids))
    with store.write() as session:
        result = session.execute(
            stmt.values(sync_state=PENDING, sync_error=None, lease_owner=None, lease_until=None)
        )
        return _count(result)


def max_pending_seq(store: Store) -> int | None:
    with store.read() as session:
        stmt = select(func.max(EVENTS.c.seq)).where(
            EVENTS.c.sync_state == PENDING, EVENTS.c.type != RECEIVE
        )
        value = session.execute(stmt).scalar_one_or_none()
        return int(value) if value is not None else None


def _count(result: object) -> int:
    return int(result.rowcount) if isinstance(result, CursorResult) else 0
