"""`FloorSession`: what a scan means at one terminal. The one place for it.

Target first (scan a lane, then units) or unit first (scan a unit, then a target); a dock
as target loads; command barcodes (@HOLD, @RELEASE, @UNDO, @ISSUE, @UNSTAGE, @PRINT, …)
act on the unit on screen (the one scanned last, moved or waiting for a target); a move
that needs approval waits for a lead's badge (and PIN); a badge that needs a PIN is a
question for the shell; after a refusal or error no scan is taken until that refusal is
acknowledged (a bare Enter); signed out, a code that names nothing is an unknown badge.

The terminal UI (through its scan desk thread) and `stageterm scan` both drive this, so
the floor behaves the same whichever way scans arrive. One owner at a time: it is not
thread-safe, and needs not be.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from stageterm.domain.model import Location, Operator, Unit
from stageterm.scanning import (
    BadgeScan,
    CommandScan,
    LocationScan,
    ScanError,
    ScannerSettings,
    UnitScan,
    clean_for_display,
)
from stageterm.scanning.classifier import classify
from stageterm.services.pin_guard import PinGuard
from stageterm.services.replies import PendingView, PinAsk, Reply, ScanEntry, SessionView
from stageterm.services.results import Denied, Outcome, Result
from stageterm.services.scan_state import ScanState
from stageterm.services.session_commands import run_command
from stageterm.services.session_moves import move_scanned, move_unit, remember_if_told
from stageterm.store.errors import StoreError

if TYPE_CHECKING:
    from stageterm.services.site import Site

# Another operator's move of a unit less than this long ago makes a scan of it a question
# ("was just moved by ... scan it again"), not a second move: two people scanning the same
# unit at nearly the same moment are both told what happened (SPEC §7).
JUST_MOVED_S = 10.0
# The character a terminal shows for bytes it could not decode (the TUI's driver puts it in).
REPLACEMENT = "\ufffd"
# Codes of an approval that failed but may be tried again by another lead.
APPROVAL_RETRY = frozenset(
    {"bad-pin", "pin-locked", "unknown-approver", "not-allowed", "self-approval"}
)


class FloorSession:
    def __init__(
        self,
        site: Site,
        scanner: ScannerSettings | None = None,
        *,
        just_moved_s: float = JUST_MOVED_S,
    ) -> None:
        """`just_moved_s`: 0 turns the "another operator just moved it" question off (for
        one-shot command-line runs, where the operator cannot scan again)."""
        self.site = site
        self.scanner = scanner or ScannerSettings()
        self.state = ScanState()
        self.just_moved_s = just_moved_s
        self._seq = 0
        self._blocking: int | None = None
        self.pin_guard = PinGuard()  # a PIN typed into the scan field is never echoed

    # -- what the shells call ------------------------------------------------------------------

    def scan(self, raw: str, *, opens_units: bool = False, pin: str | None = None) -> Reply:
        """One raw scan. `opens_units`: a unit scan opens the unit (lookup screens).
        `pin`: the PIN for a badge scanned now that needs one (the command line's --pin);
        without it such a badge is a question (`Reply.ask_pin`)."""
        if self._blocking is not None:
            not_taken = Result(
                Outcome.REFUSED,
                "Not taken: acknowledge the refusal first (Enter).",
                code="not-taken",
            )
            return self._answer(*self.pin_guard.shown(raw, not_taken), taken=False)
        if REPLACEMENT in raw:
            unreadable = Result(
                Outcome.ERROR,
                "Scan has bytes this terminal could not read: set the terminal client to UTF-8.",
                code="unreadable-scan",
            )
            return self._answer(raw, unreadable)
        if opens_units and self.state.operator is not None:
            unit = self.unit_named(raw)
            if unit is not None:
                return Reply(self.view(), open_unit=unit.code)
        person = self._badge_needing_pin(raw)
        if person is not None:
            approving = self.state.operator is not None
            if pin is None:
                self.pin_guard.asked()
                return Reply(self.view(), ask_pin=PinAsk(person.badge, person.name, approving))
            return self.pin(person.badge, pin)
        try:
            result = self._scan(raw)
        except StoreError as failure:  # busy, full, replaced: said on screen, nothing confirmed
            result = Result(Outcome.ERROR, f"Not done: {failure}", code=failure.code)
        if (
            opens_units
            and result.code in ("unknown-unit", "ambiguous")
            and not self.pin_guard.armed
        ):
            # Looking something up: say so on the unit screen, not as a refusal on stage.
            return Reply(self.view(), open_unit=raw, open_note=result.message)
        if self.state.operator is None and result.code in ("unknown-unit", "unknown-location"):
            # Signed out, a code that names nothing is a badge this site does not know.
            shown = clean_for_display(raw, 30)
            result = Result(
                Outcome.REFUSED, f"Badge {shown} is not known here.", code="unknown-operator"
            )
        return self._answer(*self.pin_guard.shown(raw, result))

    def pin(self, badge: str, pin: str) -> Reply:
        """The PIN asked for `badge`: signs in, or approves the pending move."""
        try:
            if self.state.operator is not None:
                result = self.approve(badge, pin)
            else:
                result = self.sign_in(badge, pin)
        except StoreError as failure:
            result = Result(Outcome.ERROR, f"Not done: {failure}", code=failure.code)
        if result.outcome not in (Outcome.REFUSED, Outcome.ERROR):
            self.pin_guard.settled()
        return self._answer(f"badge {badge} + PIN", result)

    def acknowledge(self, seq: int | None = None) -> Reply:
        """A bare Enter: the refusal `seq` (default: the one shown) is seen; scans go on."""
        if self._blocking is None or (seq is not None and seq != self._blocking):
            return Reply(self.view())
        seq, self._blocking = self._blocking, None
        return Reply(self.view(), acknowledged=seq)

    def set_quantity(self, quantity: int | None) -> Reply:
        self.state.quantity = quantity
        words = "Whole units again." if quantity is None else f"Next unit: move {quantity} only."
        label = f"quantity {quantity}" if quantity else "quantity: whole"
        return self._answer(label, Result(Outcome.INFO, words))

    def cancel(self) -> Reply:
        return self._answer("cancel", self._cancel())

    def sign_out(self, reason: str = "Signed out.") -> Reply:
        if self.state.operator is None:
            return Reply(self.view())
        self._sign_out()
        return self._answer("sign out", Result(Outcome.INFO, reason, code="signed-out"))

    def begin(self, badge: str) -> Result:
        """Sign in without a PIN: the command line, whose user is trusted on the host."""
        person = self.site.accounts.operator(badge)
        if person is None:
            return Result(
                Outcome.REFUSED, f"Badge {badge} is not known here.", code="unknown-operator"
            )
        self.state = ScanState(operator=person)
        return Result(
            Outcome.INFO, f"Signed in: {person.name} ({person.role.value}).", code="signed-in"
        )

    def view(self) -> SessionView:
        s = self.state
        pending = None
        if s.pending is not None:
            r = s.pending.result
            pending = PendingView(s.pending.unit, s.pending.target, r.role, r.codes)
        return SessionView(
            operator=s.operator,
            target=s.target,
            held_unit=s.held_unit.code if s.held_unit else None,
            pending=pending,
            quantity=s.quantity,
            unit_on_screen=s.unit_on_screen,
        )

    @property
    def blocking(self) -> int | None:
        return self._blocking

    # -- signing in, approving -------------------------------------------------------------------

    def sign_in(self, badge: str, pin: str | None = None) -> Result:
        try:
            person = self.site.accounts.sign_in(badge, pin)
        except Denied as denied:
            return Result(Outcome.REFUSED, denied.message, code=denied.code)
        self.state = ScanState(operator=person)
        return Result(
            Outcome.INFO, f"Signed in: {person.name} ({person.role.value}).", code="signed-in"
        )

    def approve(self, badge: str, pin: str | None = None) -> Result:
        """Complete the pending move with a lead's badge (and PIN)."""
        pending = self.state.pending
        if pending is None:
            return Result(Outcome.INFO, "Nothing waits for approval.")
        result = self.site.moves.move(
            pending.unit,
            pending.target,
            self._badge(),
            quantity=pending.quantity,
            approve=badge,
            pin=pin,
            expected_version=pending.version,
        )
        if result.code in APPROVAL_RETRY:
            return result  # still pending: another lead may scan
        self.state.pending = None
        remember_if_told(self, result, pending.unit, pending.quantity)
        return self.site.printing.with_child_label(result, pending.unit)

    # -- reads for the shells ------------------------------------------------------------------

    def unit_named(self, raw: str) -> Unit | None:
        """The one unit a raw scan names (None for a location, badge, command, or no single
        unit). Reads only."""
        scan = classify(raw, self.scanner)
        if not isinstance(scan, UnitScan):
            return None
        views = self.site.views
        if scan.code and not scan.is_gs1 and views.location(scan.code) is not None:
            return None
        found = views.find_units(
            sscc=scan.sscc, gtin=scan.gtin, lot=scan.lot, serial=scan.serial, code=scan.code
        )
        return found[0] if len(found) == 1 else None

    def _badge_needing_pin(self, raw: str) -> Operator | None:
        """The person a raw scan names as a badge, when that badge needs a PIN right now
        (nobody signed in, or a move waits for approval). Reads only."""
        if self.state.operator is not None and self.state.pending is None:
            return None
        scan = classify(raw, self.scanner)
        badge: str | None = None
        if isinstance(scan, BadgeScan):
            badge = scan.badge
        elif isinstance(scan, UnitScan) and scan.code and not scan.is_gs1:
            views = self.site.views
            known = views.location(scan.code) or views.unit(scan.code)
            badge = None if known else scan.code
        return self.site.accounts.needs_pin(badge) if badge else None

    # -- the answer, and the refusal that blocks -------------------------------------------------

    def _answer(self, label: str, result: Result, *, taken: bool = True) -> Reply:
        self._seq += 1
        entry = ScanEntry(self._seq, self.site.now(), label, result, taken)
        if taken:
            self.state.results.append(result)
            del self.state.results[:-200]  # a shift's screen needs the recent ones only
        if result.code in ("signed-in", "signed-out"):
            self._blocking = None
        elif taken and entry.stops and self.state.operator is not None:
            self._blocking = entry.seq
        return Reply(self.view(), entry=entry, blocking=self._blocking)

    # -- the scan itself -------------------------------------------------------------------------

    def _badge(self) -> str | None:
        return self.state.operator.badge if self.state.operator else None

    def _scan(self, raw: str) -> Result:
        scan = classify(raw, self.scanner)
        if isinstance(scan, ScanError):
            return Result(Outcome.ERROR, scan.message, code="unreadable-scan")
        if isinstance(scan, BadgeScan):
            return self._on_badge(scan.badge)
        if self.state.pending is not None and not (
            isinstance(scan, CommandScan) and scan.command in ("CANCEL", "SIGNOUT")
        ):
            if isinstance(scan, UnitScan) and scan.code and self.site.accounts.operator(scan.code):
                return self._on_badge(scan.code)
            return Result(
                Outcome.REFUSED,
                "Approval pending: a lead scans their badge, or scan @CANCEL.",
                code="approval-pending",
                unit=self.state.pending.unit,
            )
        if isinstance(scan, CommandScan):
            return run_command(self, scan.command, scan.reason)
        if isinstance(scan, LocationScan):
            return self._on_location(scan.code)
        return self._on_unit_scan(scan)

    def _on_badge(self, badge: str) -> Result:
        if self.state.pending is not None:
            return self.approve(badge)
        if self.state.operator is None:
            return self.sign_in(badge)
        if badge == self.state.operator.badge:
            return Result(Outcome.INFO, f"{self.state.operator.name} is signed in here.")
        return Result(
            Outcome.INFO,
            "Another badge: sign out first (F9 / Ctrl-D or @SIGNOUT).",
            code="other-badge",
        )

    def _on_location(self, code: str, location: Location | None = None) -> Result:
        location = location or self.site.views.location(code)
        if location is None:
            return Result(
                Outcome.ERROR,
                f"Location {clean_for_display(code)} is not known here.",
                code="unknown-location",
            )
        held = self.state.held_unit
        self.state.target = location
        if held is not None:
            self.state.held_unit = None
            return self._move(held.code, location, held)
        return Result(
            Outcome.TARGET,
            f"Target {location.code}{_describe(location)}. Scan units.",
            to=location.code,
        )

    def _on_unit_scan(self, scan: UnitScan) -> Result:
        views = self.site.views
        if scan.code and not scan.is_gs1:
            if self.state.target is not None and self.state.operator is not None:
                moved = move_scanned(self, scan.code, self.state.target)  # one transaction
                if moved is not None:
                    return moved
            # A plain code may name a location or a badge as well as a unit.
            named = views.resolve(scan.code)
            if named.location is not None:
                return self._on_location(named.location.code, named.location)
            if named.operator is not None:
                return self._on_badge(named.operator.badge)
            found = named.units
        else:
            found = views.find_units(
                sscc=scan.sscc, gtin=scan.gtin, lot=scan.lot, serial=scan.serial, code=scan.code
            )
        shown = clean_for_display(scan.code or scan.sscc or scan.gtin or scan.raw)
        if not found:
            return Result(
                Outcome.ERROR,
                f"Unit {shown} is not known here.",
                code="unknown-unit",
                unit=scan.code,
            )
        if len(found) > 1:
            where = ", ".join(f"{u.code}@{u.location or '-'}" for u in found[:5])
            return Result(
                Outcome.ERROR,
                f"{shown} matches {len(found)} units: {where}. Scan the unit's own code.",
                code="ambiguous",
            )
        unit = found[0]
        if self.state.operator is None:
            return Result(
                Outcome.REFUSED,
                "Sign in first: scan your badge.",
                code="no-operator",
                unit=unit.code,
            )
        self.state.unit_on_screen = unit.code
        target = self.state.target
        if target is None:
            self.state.held_unit = unit
            where_to = views.suggest(unit.code)
            lanes = tuple(c.lane.code for c in where_to.lanes) if where_to else ()
            where = f" Goes to {', '.join(lanes[:3])}." if lanes else ""
            return Result(
                Outcome.INFO,
                f"{unit.code} {unit.item} x{unit.quantity} at {unit.location or '-'} "
                f"({unit.quality.value}).{where} Scan a target.",
                unit=unit.code,
                from_=unit.location,
                suggested=lanes,
            )
        return self._move(unit.code, target, unit)

    def _move(self, unit_code: str, target: Location, seen: Unit | None = None) -> Result:
        return move_unit(self, unit_code, target, seen)

    def _cancel(self) -> Result:
        self.state.pending = None
        self.state.held_unit = None
        self.state.quantity = None
        return Result(Outcome.INFO, "Cancelled.")

    def _sign_out(self) -> None:
        self.state = ScanState()
        self._blocking = None


def _describe(location: Location) -> str:
    parts = [p for p in (location.customer, location.route, location.work_order) if p]
    return f" ({', '.join(parts)})" if parts else f" ({location.kind.value})"
