"""What the scan desk (a thread, not a widget) tells the app. Widgets' own messages are
nested in the widgets that send them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from textual.message import Message

from stageterm.domain.model import Location, Operator, Role
from stageterm.services import Outcome, Result

if TYPE_CHECKING:
    from stageterm.services import Services


@dataclass(frozen=True)
class PendingView:
    unit: str
    target: str
    role: Role | None


@dataclass(frozen=True)
class SessionView:
    """A copy of the scan session for the screens (the workflow itself stays on the desk thread)."""

    operator: Operator | None = None
    target: Location | None = None
    held_unit: str | None = None
    pending: PendingView | None = None
    quantity: int | None = None


@dataclass(frozen=True)
class ScanEntry:
    """One line of the running list: what was scanned and what came of it."""

    seq: int
    at: datetime
    raw: str
    result: Result
    taken: bool = True

    @property
    def stops(self) -> bool:
        """A refusal or error: the operator must acknowledge it before the next scan."""
        return self.result.outcome in (Outcome.REFUSED, Outcome.ERROR)


@dataclass
class Answered(Message):
    """A scan, PIN, quantity or command has been dealt with."""

    entry: ScanEntry
    session: SessionView
    blocking: int | None  # seq of the refusal waiting for acknowledgement, if any


@dataclass
class Acknowledged(Message):
    """The refusal `seq` was acknowledged; scans are taken again."""

    seq: int
    session: SessionView


@dataclass
class PinAsked(Message):
    """A badge that needs a PIN was scanned, to sign in or to approve."""

    badge: str
    name: str
    approving: bool


@dataclass
class UnitAsked(Message):
    """A unit was scanned on a screen where that opens the unit (`note`: why none was found)."""

    code: str
    note: str | None = None


@dataclass
class SiteChanged(Message):
    """The event counter moved: this or another terminal changed something."""

    counter: int


@dataclass
class SyncChecked(Message):
    """A fresh one-line sync state for the title bars."""

    line: str


@dataclass
class Opened(Message):
    """The database is open (the app was started before it, to paint at once)."""

    services: Services
    sync: object  # SyncLink | None (typed loosely: messages do not import the sync link)
