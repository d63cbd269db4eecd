"""A feed page in slices: whole orders, or a few units or locations, each slice written in a
transaction short enough that a scan waiting behind it keeps its budget (SPEC §10).

`split` cuts a page's checked records into slices; `plan_slice` reads, in a read
transaction outside the write lock, all that one slice writes: the rows of its kind
(`plans.py`), the changes of its orders and the tasks they open (`recoordinate.py`), the
hold/release events of its known units (`upstream.py`). Planning starts from what is
stored, so a slice planned again once it is written plans nothing new: no second receipt,
order change, task or event. That is what lets a pull stopped between two slices of a page
take the whole page again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from stageterm.intake.plans import PLANNERS, Plan
from stageterm.intake.recoordinate import plan_changes
from stageterm.intake.rows import Checked
from stageterm.intake.upstream import Conflict, sort_known

# Records (order lines, units, locations) a slice holds, whole orders kept together. On the
# 2-core VM of docs/performance.md ("Pull"), a slice of 100 order lines (20 orders) held the
# write lock p50 ~1.0 ms, p90 1.2-1.4 ms, at most 1.5-3.7 ms (its commit's fsync included),
# where a page of 500 lines in one transaction held it ~2.5 ms, and 15 ms at times.
SLICE_RECORDS = 100


@dataclass
class Slice:
    """What one slice writes, as planned: its plan, and what the pull reports of it."""

    plan: Plan
    changes: int = 0
    tasks_opened: int = 0
    conflicts: list[Conflict] = field(default_factory=list)


def split(checked: Checked[Any], size: int) -> list[Checked[Any]]:
    """`checked` in slices of about `size` records; an order's lines stay in one slice (in
    the order the page gave them), even when they are more than `size`."""
    groups: dict[str, list[tuple[int, Any]]] = {}
    for number, (line, record) in enumerate(checked.records):
        key = record.ref if checked.kind == "orders" else str(number)
        groups.setdefault(key, []).append((line, record))
    slices: list[Checked[Any]] = []
    records: list[tuple[int, Any]] = []
    for group in groups.values():
        records.extend(group)
        if len(records) >= size:
            slices.append(Checked(checked.kind, checked.source, records, []))
            records = []
    if records or not slices:
        slices.append(Checked(checked.kind, checked.source, records, []))
    return slices


def plan_slice(
    session: Session,
    checked: Checked[Any],
    *,
    clock: Callable[[], datetime],
    terminal: str,
) -> Slice:
    """Everything `checked` writes, read in `session` (problems in `plan.problems`)."""
    now = clock()
    conflicts: list[Conflict] = []
    if checked.kind == "units":
        known = sort_known(session, checked, now, terminal)
        checked, conflicts = known.new, known.conflicts
    plan = PLANNERS[checked.kind](session, checked, clock=clock, terminal=terminal, operator=None)
    if checked.kind == "units":
        plan.events, plan.units_read = known.events, known.units_read
    if checked.kind != "orders":
        return Slice(plan, conflicts=conflicts)
    again = plan_changes(session, checked, plan, now)
    return Slice(plan, again.changes, again.tasks_opened)
