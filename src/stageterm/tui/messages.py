"""What the scan desk (a thread, not a widget) tells the app. Widgets' own messages are
nested in the widgets that send them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

from stageterm.services.replies import PendingView, ScanEntry, SessionView

if TYPE_CHECKING:
    from stageterm.services.session import FloorSession
    from stageterm.services.site import Site


class FromThread(Message):
    """A word from a thread (the scan desk, a poller): it may arrive while the app closes,
    when there is no screen left to show it on (the app drops it then)."""


@dataclass
class Answered(FromThread):
    """A scan, PIN, quantity or command has been dealt with."""

    entry: ScanEntry
    session: SessionView
    blocking: int | None  # seq of the refusal waiting for acknowledgement, if any


@dataclass
class Acknowledged(FromThread):
    """The refusal `seq` was acknowledged; scans are taken again."""

    seq: int
    session: SessionView


@dataclass
class PinAsked(FromThread):
    """A badge that needs a PIN was scanned, to sign in or to approve."""

    badge: str
    name: str
    approving: bool


@dataclass
class UnitAsked(FromThread):
    """A unit was scanned on a screen where that opens the unit (`note`: why none was found)."""

    code: str
    note: str | None = None


@dataclass
class SiteChanged(FromThread):
    """The event counter moved: this or another terminal changed something."""

    counter: int


@dataclass
class SyncChecked(FromThread):
    """A fresh one-line sync state for the title bars."""

    line: str
    from_screen: bool = False  # read by the sync screen itself (it needs no reload for it)


@dataclass
class Opened(FromThread):
    """The database is open (the app was started before it, to paint at once)."""

    site: Site
    session: FloorSession
    sync: object  # SyncLink | None (typed loosely: messages do not import the sync link)


__all__ = [
    "Acknowledged",
    "Answered",
    "Opened",
    "PendingView",
    "PinAsked",
    "ScanEntry",
    "SessionView",
    "SiteChanged",
    "SyncChecked",
    "UnitAsked",
]
