"""One feed page or inbox file taken in: checked as an import is, then written, with what
only the feed and the inbox do (SPEC §6a):

- a unit already known is not an error: a change of `quality` becomes a `hold` or
  `release` event by operator `upstream`; any other difference is a conflict, reported
  (unit, field) and not applied (`intake/upstream.py`);
- an order whose route or customer changed, or that was cancelled, opens tasks for its
  staged units (`intake/recoordinate.py`), in the same transaction as the order.

An inbox file is written in one transaction: all or nothing. A feed page is written in
slices (`intake/slices.py`), a few orders or units each, so that scans on the terminals
meanwhile keep their budget (SPEC §10); its cursor is kept in the transaction of the last
slice. A pull stopped between two slices (a crash, a kill, the database gone) has not kept
the cursor, so the next pull asks for the same page and takes it again: the slices already
written plan nothing new (no second receipt, order change, task or event), the others are
written then.

Both are checked whole first (validated, then planned in one read transaction): a page or
file with a bad row, or one the database refuses (an unknown location), writes nothing. Each
slice of a page is then planned again just before it is written, from what is stored then.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from stageterm.intake import MAX_PROBLEMS
from stageterm.intake.reading import ImportFailed
from stageterm.intake.rows import Checked, validate
from stageterm.intake.slices import SLICE_RECORDS, Slice, plan_slice, split
from stageterm.intake.upstream import Conflict
from stageterm.intake.writing import ChangedMeanwhile, write_plan
from stageterm.store import pull_state
from stageterm.store.engine import Store

ATTEMPTS = 2  # a slice planned again once, when another writer changed what it read


@dataclass
class Taken:
    """What one page or file brought."""

    kind: str
    source: str
    created: int = 0
    updated: int = 0
    quality_events: int = 0
    changes: int = 0
    tasks_opened: int = 0
    conflicts: list[Conflict] = field(default_factory=list)

    def add(self, written: Slice) -> None:
        self.created += written.plan.created
        self.updated += written.plan.updated
        self.quality_events += len(written.plan.events)
        self.changes += written.changes
        self.tasks_opened += written.tasks_opened
        self.conflicts.extend(written.conflicts)


def take(
    store: Store,
    kind: str,
    source: str,
    rows: Iterable[tuple[int, Mapping[str, object]]],
    *,
    clock: Callable[[], datetime],
    terminal: str,
    keep_cursor: str | None = None,
    in_slices: bool = False,
) -> Taken:
    """Check and write one page or file; ImportFailed names its bad rows (nothing written,
    the cursor not kept). `keep_cursor`: the feed's `next`, kept with the last slice.
    `in_slices`: a feed page, written slice by slice; else one transaction."""
    checked = validate(kind, source, rows)
    if checked.problems:
        raise ImportFailed(checked.problems[:MAX_PROBLEMS])
    with store.read() as session:  # the whole, checked at once: lookups in bulk
        whole = plan_slice(session, checked, clock=clock, terminal=terminal)
    if whole.plan.problems:
        raise ImportFailed(whole.plan.problems[:MAX_PROBLEMS])
    parts = split(checked, SLICE_RECORDS) if in_slices else [checked]
    taken = Taken(kind, source)
    committed: float | None = None
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        written = _write(
            store,
            part,
            whole if len(parts) == 1 else None,
            clock=clock,
            terminal=terminal,
            cursor=keep_cursor if last else None,
            after=committed,
        )
        committed = time.perf_counter()
        taken.add(written)
    return taken


def _write(
    store: Store,
    part: Checked[Any],
    ready: Slice | None,
    *,
    clock: Callable[[], datetime],
    terminal: str,
    cursor: str | None,
    after: float | None,
) -> Slice:
    """Write one slice (planned first, just before it is written, unless `ready`), with the
    cursor if given; planned again when another writer changed what it read. `after`: when
    the slice before it was committed (see `Store.make_way`)."""
    for attempt in range(1, ATTEMPTS + 1):
        if ready is None:
            # Planned from what is stored now: fresh (a unit staged in a lane a moment ago
            # is seen), and nothing already written by this page before is planned again.
            with store.read() as session:
                ready = plan_slice(session, part, clock=clock, terminal=terminal)
            if ready.plan.problems:  # only when another writer changed what it names
                raise ImportFailed(ready.plan.problems[:MAX_PROBLEMS])
        if cursor is not None:
            for statement, params in pull_state.keep_cursor(part.kind, cursor, clock()):
                ready.plan.add(statement, params)
        try:
            write_plan(store, ready.plan, after=after)
        except ChangedMeanwhile:
            if attempt == ATTEMPTS:
                raise ImportFailed(
                    [f"{part.source}: changed meanwhile by another writer; pulled again next time"]
                ) from None
            ready = None
            continue
        return ready
    raise AssertionError("unreachable: the last attempt returns or raises")
