"""The scan desk: one thread that owns this terminal's `Workflow` and takes requests in order.

Scans, PINs, acknowledgements and commands are queued here from the UI thread and dealt
with one at a time, so back-to-back scans keep their order and the database work never
runs on the UI thread. After a refusal or error the desk takes no scan until the
operator acknowledges that very refusal: a scan that arrives meanwhile is answered
"not taken", so nothing is scanned past a refusal unnoticed.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

from stageterm.scanning import clean_for_display
from stageterm.services import Outcome, Result
from stageterm.tui.driver import REPLACEMENT
from stageterm.tui.messages import (
    Acknowledged,
    Answered,
    PendingView,
    PinAsked,
    ScanEntry,
    SessionView,
    UnitAsked,
)

if TYPE_CHECKING:
    from stageterm.services import Services
    from stageterm.workflow import Workflow

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
        self._workflow: Workflow | None = None
        self.post = post
        self._requests: queue.SimpleQueue[Request] = queue.SimpleQueue()
        self._seq = 0
        self._blocked: int | None = None

    @property
    def workflow(self) -> Workflow:
        if self._workflow is None:
            raise RuntimeError("the scan desk is not running yet")
        return self._workflow

    @property
    def services(self) -> Services:
        return self.workflow.services

    def put(self, request: Request) -> None:
        """Queue a request (any thread)."""
        self._requests.put(request)

    def run(self, workflow: Workflow, stop: threading.Event) -> None:
        """Deal with requests with `workflow` until `stop` is set (the desk thread's body)."""
        self._workflow = workflow
        while not stop.is_set():
            try:
                request = self._requests.get(timeout=0.1)
            except queue.Empty:
                continue
            self.handle(request)

    def handle(self, request: Request) -> None:
        try:
            self._handle(request)
        except Exception as exc:  # one bad request must not end the desk
            log.exception("scan desk failed on %r", request)
            result = Result(
                Outcome.ERROR, f"Not done, something went wrong: {exc}", code="internal"
            )
            self._answer(_label(request), result)

    # -- requests ----------------------------------------------------------------------------

    def _handle(self, request: Request) -> None:
        wf = self.workflow
        if isinstance(request, Scan):
            self._scan(request)
        elif isinstance(request, Pin):
            approving = wf.session.operator is not None
            result = (
                wf.approve(request.badge, request.pin)
                if approving
                else wf.sign_in(request.badge, request.pin)
            )
            self._answer(_label(request), result)
        elif isinstance(request, Acknowledge):
            if self._blocked == request.seq:
                self._blocked = None
                self.post(Acknowledged(request.seq, self.session_view()))
        elif isinstance(request, Quantity):
            self._answer(_label(request), wf.set_quantity(request.quantity))
        elif isinstance(request, Cancel):
            self._answer(_label(request), wf.cancel())
        elif isinstance(request, SignOut) and wf.session.operator is not None:
            wf.sign_out()
            self._blocked = None
            self._answer(_label(request), Result(Outcome.INFO, request.reason, code="signed-out"))

    def _scan(self, request: Scan) -> None:
        if self._blocked is not None:
            result = Result(
                Outcome.REFUSED,
                "Not taken: acknowledge the refusal first (Enter).",
                code="not-taken",
            )
            self._answer(request.raw, result, taken=False)
            return
        if REPLACEMENT in request.raw:
            result = Result(
                Outcome.ERROR,
                "Scan has bytes this terminal could not read: set the terminal client to UTF-8.",
                code="unreadable-scan",
            )
            self._answer(request.raw, result)
            return
        if request.opens_units and self.workflow.session.operator is not None:
            unit = self.workflow.unit_named(request.raw)
            if unit is not None:
                self.post(UnitAsked(unit.code))
                return
        person = self.workflow.badge_needing_pin(request.raw)
        if person is not None:
            approving = self.workflow.session.operator is not None
            self.post(PinAsked(person.badge, person.name, approving))
            return
        result = self.workflow.scan(request.raw)
        if request.opens_units and result.code in ("unknown-unit", "ambiguous"):
            # Looking something up: say so on the unit screen, not as a refusal on stage.
            self.post(UnitAsked(request.raw, result.message))
            return
        if self.workflow.session.operator is None and result.code in (
            "unknown-unit",
            "unknown-location",
        ):
            # Signed out, a code that names nothing is a badge this site does not know.
            shown = clean_for_display(request.raw, 30)
            result = Result(
                Outcome.REFUSED, f"Badge {shown} is not known here.", code="unknown-operator"
            )
        self._answer(request.raw, result)

    # -- answers -------------------------------------------------------------------------------

    def _answer(self, raw: str, result: Result, *, taken: bool = True) -> None:
        self._seq += 1
        entry = ScanEntry(self._seq, self.services.now(), raw, result, taken)
        signed_in = self.workflow.session.operator is not None
        if result.code in ("signed-in", "signed-out"):
            self._blocked = None
        elif taken and entry.stops and signed_in:
            self._blocked = entry.seq
        self.post(Answered(entry, self.session_view(), self._blocked))

    def session_view(self) -> SessionView:
        s = self.workflow.session
        pending = None
        if s.pending is not None:
            pending = PendingView(s.pending.unit, s.pending.target, s.pending.result.role)
        return SessionView(
            operator=s.operator,
            target=s.target,
            held_unit=s.held_unit.code if s.held_unit else None,
            pending=pending,
            quantity=s.quantity,
        )


def _label(request: Request) -> str:
    """What the running list shows for a request that is not a scan (never a PIN)."""
    if isinstance(request, Scan):
        return request.raw
    if isinstance(request, Pin):
        return f"badge {request.badge} + PIN"
    if isinstance(request, Quantity):
        return f"quantity {request.quantity}" if request.quantity else "quantity: whole"
    if isinstance(request, Cancel):
        return "cancel"
    if isinstance(request, SignOut):
        return "sign out"
    return "acknowledge"
