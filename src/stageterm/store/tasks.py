"""Re-coordination tasks in the store: open ones, ending them when a move makes the unit
fit, and the (change arrived, correcting move) pairs of the decision lag (SPEC §6a).

`end_fitting` runs inside `writes.record`, in the transaction of the move itself: a
task ends exactly when the event that corrected its unit is written, never apart from it.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlmodel import Session

from stageterm.domain.model import Event, LocationKind, Unit, UnitState
from stageterm.domain.suggest import lane_takes
from stageterm.store import queries
from stageterm.store.pull_tables import TASKS
from stageterm.store.tables import as_utc, to_utc

RESTAGE = "restage"
UNSTAGE = "unstage"


@dataclass(frozen=True, slots=True)
class Task:
    kind: str
    unit: str
    order: str | None
    at: str | None
    suggested: tuple[str, ...]
    since: datetime
    reason: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "unit": self.unit,
            "order": self.order,
            "at": self.at,
            "suggested": list(self.suggested),
            "since": self.since.isoformat(),
            "reason": self.reason,
        }


def open_tasks(session: Session) -> list[Task]:
    """Every open task, oldest first."""
    stmt = select(TASKS).where(TASKS.c.ended_at.is_(None)).order_by(TASKS.c.since, TASKS.c.id)
    return [
        Task(
            kind=row.kind,
            unit=row.unit,
            order=row.order_ref,
            at=row.at,
            suggested=tuple(json.loads(row.suggested)) if row.suggested else (),
            since=as_utc(row.since) or row.since,
            reason=row.reason,
        )
        for row in session.execute(stmt)
    ]


def open_for(session: Session, units: Iterable[str]) -> dict[str, tuple[int, str]]:
    """unit -> (task id, kind) of the open tasks of `units`."""
    codes = sorted(set(units))
    if not codes:
        return {}
    stmt = select(TASKS.c.id, TASKS.c.unit, TASKS.c.kind).where(
        TASKS.c.unit.in_(codes), TASKS.c.ended_at.is_(None)
    )
    return {row.unit: (row.id, row.kind) for row in session.execute(stmt)}


def fits(session: Session, task_kind: str, unit: Unit) -> bool:
    """Whether `unit`, where it is now, no longer needs its task: out of the lanes for an
    `unstage`; in a lane that takes its order (or out of staging) for a `restage`."""
    if unit.state is not UnitState.STAGED or unit.location is None:
        return True
    lane = queries.location(session, unit.location)
    if lane is None or lane.kind is not LocationKind.LANE:
        return True
    if task_kind == UNSTAGE:
        return False
    return lane_takes(lane, queries.order(session, unit.order))


def end_fitting(
    session: Session,
    units: Mapping[str, Unit],
    events: Iterable[Event],
    without_tasks: Collection[str] = (),
) -> int:
    """End the open tasks of units these events put where they fit; returns how many.
    `without_tasks`: units known (read in this transaction) to have none."""
    placed = {
        e.unit: e
        for e in events
        if (e.from_location != e.to_location or e.to_state is not None)
        and e.unit not in without_tasks
    }
    if not placed:
        return 0
    connection = session.connection()
    rows = connection.execute(
        select(TASKS.c.id, TASKS.c.unit, TASKS.c.kind).where(
            TASKS.c.unit.in_(sorted(placed)), TASKS.c.ended_at.is_(None)
        )
    ).all()
    ended = 0
    for task_id, code, kind in rows:
        unit = units.get(code)
        if unit is None or not fits(session, kind, unit):
            continue
        event = placed[code]
        connection.execute(
            update(TASKS)
            .where(TASKS.c.id == task_id)
            .values(ended_at=to_utc(event.occurred_at), ended_by_event=event.id)
        )
        ended += 1
    return ended


def decision_lag_pairs(
    session: Session, since: datetime | None = None, until: datetime | None = None
) -> list[tuple[datetime, datetime]]:
    """(change arrived, correcting move) for every task a move ended, in the window by its move."""
    stmt = select(TASKS.c.since, TASKS.c.ended_at).where(TASKS.c.ended_by_event.is_not(None))
    if since is not None:
        stmt = stmt.where(TASKS.c.ended_at >= to_utc(since))
    if until is not None:
        stmt = stmt.where(TASKS.c.ended_at <= to_utc(until))
    pairs = []
    for began, ended in session.execute(stmt):
        start, end = as_utc(began), as_utc(ended)
        if start is not None and end is not None:
            pairs.append((start, end))
    return pairs


_OPEN_BY_LANE = (  # built once: every lanes board refresh reads it
    select(TASKS.c.at, func.count())
    .where(TASKS.c.ended_at.is_(None), TASKS.c.at.is_not(None))
    .group_by(TASKS.c.at)
)


def open_counts_by_lane(session: Session) -> dict[str, int]:
    """Open tasks per lane they sit in (the lanes board's marker)."""
    rows = session.connection().execute(_OPEN_BY_LANE)
    return {str(at): int(count) for at, count in rows}
