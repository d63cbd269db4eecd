"""What one terminal remembers between scans (owned by its `FloorSession`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from stageterm.domain.model import Location, Operator, Unit
from stageterm.services.results import Result


@dataclass
class PendingApproval:
    unit: str
    target: str
    quantity: int | None
    result: Result
    version: int | None = None  # the unit as the operator saw it: a change since is told


@dataclass
class ScanState:
    """What this terminal remembers between scans."""

    operator: Operator | None = None
    target: Location | None = None
    held_unit: Unit | None = None  # unit-first: scanned, waiting for a target
    unit_on_screen: str | None = None  # what command barcodes act on
    pending: PendingApproval | None = None
    quantity: int | None = None  # for the next unit only (kitting part quantities)
    # The unit this operator was just told another operator moved (code, version, part
    # quantity): scanning that unit again, unchanged since, moves it (that quantity of it).
    told_moved: tuple[str, int, int | None] | None = None
    results: list[Result] = field(default_factory=list)
