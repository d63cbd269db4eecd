"""Master data in: locations, units, orders and operators, checked once, written all or nothing.

The one way master data enters a site, whichever door it comes through (an import file
today; the feed and the inbox folder go through the same two calls):

1. `validate(kind, source, rows)` (`intake/rows.py`): pydantic models with the exact
   columns of SPEC §5, GS1 keys checked with biip; problems as `SOURCE:LINE: reason`.
2. `write_checked(store, checked, ...)`: reads what the records depend on and prepares
   every row outside the write lock (`intake/plans.py`), then inserts and updates in
   one short transaction (`intake/writing.py`).

Locations, orders and operators already known are updated; units come in through
`receive` events, which start their history (and are never sent upstream); a unit
already known is an error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from stageterm.intake.columns import COLUMNS, KINDS
from stageterm.intake.plans import PLANNERS
from stageterm.intake.reading import ImportFailed, Row, read_rows
from stageterm.intake.rows import Checked, validate
from stageterm.intake.writing import ChangedMeanwhile, write_plan
from stageterm.store.engine import Store

MAX_PROBLEMS = 20


@dataclass(frozen=True)
class ImportReport:
    kind: str
    created: int
    updated: int
    lock_held_s: float = 0.0  # how long the write transaction held the write lock


def import_file(
    store: Store,
    kind: str,
    path: Path,
    *,
    clock: Callable[[], datetime],
    terminal: str = "import",
    operator: str | None = None,
) -> ImportReport:
    """Check every row of `path`, then write them all in one transaction (or nothing)."""
    if kind not in KINDS:
        raise ImportFailed([f"unknown import kind {kind!r}: use {', '.join(KINDS)}"])
    rows = read_rows(path, kind)
    return import_rows(
        store, kind, path.name, rows, clock=clock, terminal=terminal, operator=operator
    )


def import_rows(
    store: Store,
    kind: str,
    source: str,
    rows: Iterable[tuple[int, Mapping[str, object]]],
    *,
    clock: Callable[[], datetime],
    terminal: str = "import",
    operator: str | None = None,
) -> ImportReport:
    """Validate numbered rows from `source` and write them; ImportFailed names every bad row."""
    checked = validate(kind, source, rows)
    if checked.problems:
        raise ImportFailed(checked.problems[:MAX_PROBLEMS])
    return write_checked(store, checked, clock=clock, terminal=terminal, operator=operator)


def write_checked(
    store: Store,
    checked: Checked,
    *,
    clock: Callable[[], datetime],
    terminal: str = "import",
    operator: str | None = None,
) -> ImportReport:
    """Write validated records: prepared outside the write lock, then one short transaction.

    Raises ImportFailed for what only the database can tell (an unknown location, a unit
    already there), StoreError when the database is too busy to take the write.
    """
    for attempt in (1, 2):
        with store.read() as session:
            plan = PLANNERS[checked.kind](
                session, checked, clock=clock, terminal=terminal, operator=operator
            )
        if plan.problems:
            raise ImportFailed(plan.problems[:MAX_PROBLEMS])
        try:
            written = write_plan(store, plan)
        except ChangedMeanwhile:
            if attempt == 2:
                raise ImportFailed(
                    [f"{checked.source}: another import changed the same records; run it again"]
                ) from None
            continue  # planned again: a unit another import just added is now named
        return ImportReport(plan.kind, plan.created, plan.updated, written.lock_held_s)
    raise AssertionError("unreachable: the second attempt returns or raises")


__all__ = [
    "COLUMNS",
    "KINDS",
    "Checked",
    "ImportFailed",
    "ImportReport",
    "Row",
    "import_file",
    "import_rows",
    "validate",
    "write_checked",
]
