"""The scan desk: one thread that owns this terminal's `FloorSession` and takes requests in
order. Scans, PINs, acknowledgements and keys are queued here from the UI thread and dealt
with one at a time, so back-to-back scans keep their order and the database work never
runs on the UI thread. What a scan means is the session's (services/session.py); the desk
only turns its replies into messages for the app.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

from stageterm.services.replies import Reply, ScanEntry
from stageterm.services.results import Outcome, Result
from stageterm.tui.messages import Acknowledged, Answered, PinAsked, UnitAsked

if TYPE_CHECKING:
    from stageterm.services.session import FloorSession

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Scan:
    raw: str
    opens_units: bool = False  # on lookup screens a unit scan opens the unit


@dataclass(frozen=True)
class Pin:
    badge: str
    pin: str


@dataclass(frozen=True)
class Acknowledge:
    seq: int


@dataclass(frozen=True)
class Quantity:
    quantity: int | None


@dataclass(frozen=True)
class Cancel:
    pass


@dataclass(frozen=True)
class SignOut:
    reason: str


Request = Scan | Pin | Acknowledge | Quantity | Cancel | SignOut


class ScanDesk:
    """Requests may be queued before the desk runs (while the database opens); `run` takes them."""

    def __init__(self, post: Callable[[Message], object]) -> None:
        self._session: FloorSession | None = None
        self.post = post
        self._requests: queue.SimpleQueue[Request] = queue.SimpleQueue()
        self._failures = 0

    @property
    def session(self) -> FloorSession:
        if self._session is None:
            raise RuntimeError("the scan desk is not running yet")
        return self._session

    def put(self, request: Request) -> None:
        """Queue a request (any thread)."""
        self._requests.put(request)

    def run(self, session: FloorSession, stop: threading.Event) -> None:
        """Deal with requests with `session` until `stop` is set (the desk thread's body);
        a session still signed in when the app stops is signed out here, by its owner."""
        self._session = session
        while not stop.is_set():
            try:
                request = self._requests.get(timeout=0.1)
            except queue.Empty:
                continue
            self.handle(request)
        session.sign_out()

    def handle(self, request: Request) -> None:
        try:
            self._show(self._ask(request))
        except Exception as exc:  # one bad request must not end the desk
            log.exception("scan desk failed on %r", request)
            self._failures += 1
            result = Result(
                Outcome.ERROR, f"Not done, something went wrong: {exc}", code="internal"
            )
            entry = ScanEntry(-self._failures, self.session.site.now(), _label(request), result)
            self.post(Answered(entry, self.session.view(), self.session.blocking))

    def _ask(self, request: Request) -> Reply:
        s = self.session
        if isinstance(request, Scan):
            return s.scan(request.raw, opens_units=request.opens_units)
        if isinstance(request, Pin):
            return s.pin(request.badge, request.pin)
        if isinstance(request, Acknowledge):
            return s.acknowledge(request.seq)
        if isinstance(request, Quantity):
            return s.set_quantity(request.quantity)
        if isinstance(request, Cancel):
            return s.cancel()
        return s.sign_out(request.reason)

    def _show(self, reply: Reply) -> None:
        if reply.ask_pin is not None:
            ask = reply.ask_pin
            self.post(PinAsked(ask.badge, ask.name, ask.approving))
        elif reply.open_unit is not None:
            self.post(UnitAsked(reply.open_unit, reply.open_note))
        elif reply.acknowledged is not None:
            self.post(Acknowledged(reply.acknowledged, reply.view))
        elif reply.entry is not None:
            self.post(Answered(reply.entry, reply.view, reply.blocking))


def _label(request: Request) -> str:
    """What the running list shows for a request (never a PIN)."""
    if isinstance(request, Scan):
        return request.raw
    if isinstance(request, Pin):
        return f"badge {request.badge} + PIN"
    return type(request).__name__.lower()
