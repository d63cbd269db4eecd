"""One feed page or inbox file taken in: checked as an import is, then written all or
nothing, with what only the feed and the inbox do (SPEC §6a):

- a unit already known is not an error: a change of `quality` becomes a `hold` or
  `release` event by operator `upstream`; any other difference is a conflict, reported
  (unit, field) and not applied;
- an order whose route or customer changed, or that was cancelled, opens tasks for its
  staged units (`intake/recoordinate.py`), in the same transaction as the order;
- for a feed page, the cursor after it is kept in that same transaction too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from stageterm.domain.model import Event, EventType, Quality, Unit, new_event_id
from stageterm.intake import MAX_PROBLEMS
from stageterm.intake.plans import PLANNERS, Plan
from stageterm.intake.reading import ImportFailed
from stageterm.intake.recoordinate import Recoordination, plan_changes
from stageterm.intake.rows import Checked, UnitIn, validate
from stageterm.intake.writing import ChangedMeanwhile, write_plan
from stageterm.store import pull_state, queries
from stageterm.store.engine import Store
from stageterm.store.writes import StaleUnit, record

UPSTREAM = "upstream"  # the operator of the quality events the feed brings
# A unit's fields as the feed and the unit name them; quality is not a conflict but an event.
COMPARED = (
    "item",
    "gtin",
    "lot",
    "serial",
    "sscc",
    "quantity",
    "uom",
    "expiry",
    "location",
    "order",
)


@dataclass(frozen=True)
class Conflict:
    unit: str
    field: str

    def as_json(self) -> dict[str, str]:
        return {"unit": self.unit, "field": self.field}


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


def take(
    store: Store,
    kind: str,
    source: str,
    rows: Iterable[tuple[int, Mapping[str, object]]],
    *,
    clock: Callable[[], datetime],
    terminal: str,
    keep_cursor: str | None = None,
) -> Taken:
    """Check and write one page or file; ImportFailed names its bad rows (nothing written,
    the cursor not kept). `keep_cursor`: the feed's `next`, kept with the page."""
    checked = validate(kind, source, rows)
    if checked.problems:
        raise ImportFailed(checked.problems[:MAX_PROBLEMS])
    taken = Taken(kind, source)
    if kind == "units":
        checked = _known_units(store, checked, taken, clock=clock, terminal=terminal)
    for attempt in (1, 2):
        now = clock()
        with store.read() as session:
            plan = PLANNERS[kind](session, checked, clock=clock, terminal=terminal, operator=None)
            again = plan_changes(session, checked, plan, now) if kind == "orders" else None
        if plan.problems:
            raise ImportFailed(plan.problems[:MAX_PROBLEMS])
        if keep_cursor is not None:
            for statement, params in pull_state.keep_cursor(kind, keep_cursor, now):
                plan.add(statement, params)
        try:
            write_plan(store, plan)
        except ChangedMeanwhile:
            if attempt == 2:
                raise ImportFailed(
                    [f"{source}: changed meanwhile by another import; pulled again next time"]
                ) from None
            continue
        _count(taken, plan, again)
        return taken
    raise AssertionError("unreachable: the second attempt returns or raises")


def _count(taken: Taken, plan: Plan, again: Recoordination | None) -> None:
    taken.created += plan.created
    taken.updated += plan.updated
    if again is not None:
        taken.changes, taken.tasks_opened = again.changes, again.tasks_opened


def _known_units(
    store: Store,
    checked: Checked[UnitIn],
    taken: Taken,
    *,
    clock: Callable[[], datetime],
    terminal: str,
) -> Checked[UnitIn]:
    """Apply the quality changes of known units (events by `upstream`), note their other
    differences as conflicts; return the new units only, to be received."""
    new: list[tuple[int, UnitIn]] = []
    for attempt in (1, 2):
        new, events, units = [], [], {}
        with store.write() as session:
            for line, record_in in checked.records:
                unit = queries.unit(session, record_in.code)
                if unit is None:
                    new.append((line, record_in))
                    continue
                if attempt == 1:
                    taken.conflicts.extend(_conflicts(record_in, unit))
                event = _quality_event(record_in, unit, clock(), terminal, checked.source)
                if event is not None:
                    events.append(event)
                    units[unit.code] = unit
            try:
                if events:
                    record(session, units, events)
            except StaleUnit:
                session.rollback()
                continue  # moved meanwhile on another terminal: read it again
        taken.quality_events = len(events)
        break
    return Checked(checked.kind, checked.source, new, [])


def _conflicts(record_in: UnitIn, unit: Unit) -> list[Conflict]:
    return [
        Conflict(unit.code, name)
        for name in COMPARED
        if getattr(record_in, name) is not None and getattr(record_in, name) != getattr(unit, name)
    ]


def _quality_event(
    record_in: UnitIn, unit: Unit, now: datetime, terminal: str, source: str
) -> Event | None:
    wanted = Quality(record_in.quality)
    if wanted is unit.quality:
        return None
    kind = EventType.RELEASE if wanted is Quality.RELEASED else EventType.HOLD
    return Event(
        id=new_event_id(),
        type=kind,
        unit=unit.code,
        occurred_at=now,
        operator=UPSTREAM,
        terminal=terminal,
        from_location=unit.location,
        to_location=unit.location,
        from_state=unit.state,
        from_quality=unit.quality,
        to_quality=wanted,
        quantity=unit.quantity,
        reason=f"quality {wanted.value} from {source}"[:200],
    )
