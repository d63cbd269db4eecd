"""What a `FloorSession` answers, for the shell to render: light types only (no database,
no Textual), so the terminal UI imports them at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from stageterm.domain.model import Location, Operator, Role
from stageterm.services.results import Outcome, Result


@dataclass(frozen=True)
class PendingView:
    unit: str
    target: str
    role: Role | None
    codes: tuple[str, ...] = ()  # every rule the lead is asked to override


@dataclass(frozen=True)
class SessionView:
    """A copy of the session for the screens (the session itself stays with its owner)."""

    operator: Operator | None = None
    target: Location | None = None
    held_unit: str | None = None  # scanned first, waiting for a target
    pending: PendingView | None = None
    quantity: int | None = None
    unit_on_screen: str | None = None  # what command barcodes (@HOLD, @UNDO…) act on


@dataclass(frozen=True)
class ScanEntry:
    """One line of the running list: what was scanned and what came of it."""

    seq: int
    at: datetime
    raw: str  # what the list shows: the scan, or a word for a key (never a PIN)
    result: Result
    taken: bool = True

    @property
    def stops(self) -> bool:
        """A refusal or error: the operator must acknowledge it before the next scan."""
        return self.result.outcome in (Outcome.REFUSED, Outcome.ERROR)


@dataclass(frozen=True)
class PinAsk:
    """A badge that needs a PIN was scanned, to sign in or to approve."""

    badge: str
    name: str
    approving: bool


@dataclass(frozen=True)
class Reply:
    """One answer of the session. Exactly one of `entry`, `ask_pin`, `open_unit` or
    `acknowledged` is set (or none, for a request that changed nothing to show)."""

    view: SessionView
    entry: ScanEntry | None = None
    blocking: int | None = None  # seq of the refusal waiting for acknowledgement
    ask_pin: PinAsk | None = None
    open_unit: str | None = None  # a unit scanned on a lookup screen
    open_note: str | None = None  # why no unit was found, for the lookup screen
    acknowledged: int | None = None  # seq of the refusal just acknowledged
