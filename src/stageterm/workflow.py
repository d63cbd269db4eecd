"""The scan workflow of one terminal session: what a scan means given what came before.

Target-first (scan a lane, then units) and unit-first (scan a unit, then a lane); a
dock as target loads; command barcodes (@UNDO, @DONE, …); a move that needs approval
waits for a lead's badge. The terminal UI and `stageterm scan` both drive this, so the
floor behaves the same whichever way scans arrive. No Textual here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from stageterm.domain.model import Location, LocationKind, Operator, Unit
from stageterm.scanning import (
    BadgeScan,
    CommandScan,
    LocationScan,
    ScanError,
    ScannerSettings,
    UnitScan,
    classify,
    clean_for_display,
)
from stageterm.services import Denied, Outcome, Result, Services


@dataclass
class PendingApproval:
    unit: str
    target: str
    quantity: int | None
    result: Result
    version: int | None = None  # the unit as the operator saw it: a change since is told


@dataclass
class ScanSession:
    """What this terminal remembers between scans."""

    operator: Operator | None = None
    target: Location | None = None
    held_unit: Unit | None = None  # unit-first: scanned, waiting for a target
    last_unit: str | None = None  # what @UNDO, @HOLD, @ISSUE act on
    pending: PendingApproval | None = None
    quantity: int | None = None  # for the next unit only (kitting part quantities)
    # The unit this operator was just told another operator moved (code, version, part
    # quantity): scanning that unit again, unchanged since, moves it (that quantity of it).
    told_moved: tuple[str, int, int | None] | None = None
    results: list[Result] = field(default_factory=list)


# Another operator's move of a unit less than this long ago makes a scan of it a question
# ("was just moved by ... scan it again"), not a second move: two people scanning the same
# unit at nearly the same moment are both told what happened (SPEC §7).
JUST_MOVED_S = 10.0


class Workflow:
    def __init__(
        self,
        services: Services,
        scanner: ScannerSettings | None = None,
        *,
        just_moved_s: float = JUST_MOVED_S,
    ) -> None:
        """`just_moved_s`: 0 turns the "another operator just moved it" question off (for
        one-shot command-line runs, where the operator cannot scan again)."""
        self.services = services
        self.scanner = scanner or ScannerSettings()
        self.session = ScanSession()
        self.just_moved_s = just_moved_s

    # -- entry points ----------------------------------------------------------------------

    def sign_in(self, badge: str, pin: str | None = None) -> Result:
        try:
            person = self.services.sign_in(badge, pin)
        except Denied as denied:
            return Result(Outcome.REFUSED, denied.message, code=denied.code)
        self.session = ScanSession(operator=person)
        return Result(
            Outcome.INFO, f"Signed in: {person.name} ({person.role.value}).", code="signed-in"
        )

    def sign_out(self) -> None:
        self.session = ScanSession()

    def scan(self, raw: str) -> Result:
        """One raw scan in; what happened out (also kept in `session.results`)."""
        result = self._scan(raw)
        self.session.results.append(result)
        del self.session.results[:-200]  # a shift's screen needs the recent ones only
        return result

    def approve(self, badge: str, pin: str | None = None) -> Result:
        """Complete the pending move with a lead's badge (and PIN)."""
        pending = self.session.pending
        if pending is None:
            return Result(Outcome.INFO, "Nothing waits for approval.")
        result = self.services.move(
            pending.unit,
            pending.target,
            self._badge(),
            quantity=pending.quantity,
            approve=badge,
            pin=pin,
            expected_version=pending.version,
        )
        if result.code in ("bad-pin", "unknown-approver", "not-allowed", "self-approval"):
            return result  # still pending: another lead may scan
        self.session.pending = None
        self._remember_if_told(result, pending.unit, pending.quantity)
        if result.outcome is Outcome.MOVED:
            self.session.last_unit = result.unit
        return result

    def set_quantity(self, quantity: int | None) -> Result:
        self.session.quantity = quantity
        if quantity is None:
            return Result(Outcome.INFO, "Whole units again.")
        return Result(Outcome.INFO, f"Next unit: move {quantity} only.")

    def badge_needing_pin(self, raw: str) -> Operator | None:
        """The person a raw scan names as a badge, when that badge needs a PIN right now.

        Right now means the scan would sign in (nobody signed in) or approve (a move
        waits for approval). The terminal asks for the PIN and then calls `sign_in` or
        `approve`. Reads only; changes nothing.
        """
        if self.session.operator is not None and self.session.pending is None:
            return None
        scan = classify(raw, self.scanner)
        badge: str | None = None
        if isinstance(scan, BadgeScan):
            badge = scan.badge
        elif isinstance(scan, UnitScan) and scan.code and not scan.is_gs1:
            known = self.services.location(scan.code) or self.services.unit(scan.code)
            badge = None if known else scan.code
        person = self.services.operator(badge) if badge else None
        return person if person is not None and person.pin_hash else None

    def unit_named(self, raw: str) -> Unit | None:
        """The one unit a raw scan names (None for a location, badge, command, or no single
        unit). For screens where a unit scan opens the unit instead of moving it. Reads only."""
        scan = classify(raw, self.scanner)
        if not isinstance(scan, UnitScan):
            return None
        if scan.code and not scan.is_gs1 and self.services.location(scan.code) is not None:
            return None
        found = self.services.find_units(
            sscc=scan.sscc, gtin=scan.gtin, lot=scan.lot, serial=scan.serial, code=scan.code
        )
        return found[0] if len(found) == 1 else None

    def cancel(self) -> Result:
        self.session.pending = None
        self.session.held_unit = None
        self.session.quantity = None
        return Result(Outcome.INFO, "Cancelled.")

    # -- the scan itself -------------------------------------------------------------------

    def _badge(self) -> str | None:
        return self.session.operator.badge if self.session.operator else None

    def _scan(self, raw: str) -> Result:
        scan = classify(raw, self.scanner)
        if isinstance(scan, ScanError):
            return Result(Outcome.ERROR, scan.message, code="unreadable-scan")
        if isinstance(scan, BadgeScan):
            return self._on_badge(scan.badge)
        if self.session.pending is not None and not (
            isinstance(scan, CommandScan) and scan.command in ("CANCEL", "SIGNOUT")
        ):
            if isinstance(scan, UnitScan) and scan.code and self.services.operator(scan.code):
                return self._on_badge(scan.code)
            return Result(
                Outcome.REFUSED,
                "Approval pending: a lead scans their badge, or scan @CANCEL.",
                code="approval-pending",
                unit=self.session.pending.unit,
            )
        if isinstance(scan, CommandScan):
            return self._on_command(scan.command)
        if isinstance(scan, LocationScan):
            return self._on_location(scan.code)
        return self._on_unit_scan(scan)

    def _on_badge(self, badge: str) -> Result:
        if self.session.pending is not None:
            return self.approve(badge)
        if self.session.operator is None:
            return self.sign_in(badge)
        if badge == self.session.operator.badge:
            return Result(Outcome.INFO, f"{self.session.operator.name} is signed in here.")
        return Result(
            Outcome.INFO,
            "Another badge: sign out first (F9 / Ctrl-D or @SIGNOUT).",
            code="other-badge",
        )

    def _on_location(self, code: str, location: Location | None = None) -> Result:
        location = location or self.services.location(code)
        if location is None:
            return Result(
                Outcome.ERROR,
                f"Location {clean_for_display(code)} is not known here.",
                code="unknown-location",
            )
        held = self.session.held_unit
        self.session.target = location
        if held is not None:
            self.session.held_unit = None
            return self._move(held.code, location, held)
        return Result(
            Outcome.TARGET,
            f"Target {location.code}{_describe(location)}. Scan units.",
            to=location.code,
        )

    def _on_unit_scan(self, scan: UnitScan) -> Result:
        if scan.code and not scan.is_gs1:
            # A plain code may name a location or a badge as well as a unit.
            named = self.services.resolve(scan.code)
            if named.location is not None:
                return self._on_location(named.location.code, named.location)
            if named.operator is not None:
                return self._on_badge(named.operator.badge)
            found = named.units
        else:
            found = self.services.find_units(
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
                f"{shown} matches {len(found)} units: {where}. Scan the unit label.",
                code="ambiguous",
            )
        unit = found[0]
        if self.session.operator is None:
            return Result(
                Outcome.REFUSED,
                "Sign in first: scan your badge.",
                code="no-operator",
                unit=unit.code,
            )
        target = self.session.target
        if target is None:
            self.session.held_unit = unit
            return Result(
                Outcome.INFO,
                f"{unit.code} {unit.item} x{unit.quantity} at {unit.location or '-'} ({unit.quality.value}). Scan a target.",
                unit=unit.code,
                from_=unit.location,
            )
        return self._move(unit.code, target, unit)

    def _move(self, unit_code: str, target: Location, seen: Unit | None = None) -> Result:
        """Move the unit as this terminal saw it (`seen`): if it changed since, or another
        operator moved it in the last JUST_MOVED_S, the operator is told who moved it and
        where; scanning it again then moves it."""
        quantity, self.session.quantity = self.session.quantity, None
        told, self.session.told_moved = self.session.told_moved, None
        version = seen.version if seen else None
        window = self.just_moved_s
        if told is not None and told[:2] == (unit_code, version):
            window = 0.0
            quantity = quantity if quantity is not None else told[2]
        act = (
            self.services.load
            if target.kind is LocationKind.DOCK
            else partial(self.services.move, quantity=quantity)
        )
        result = act(
            unit_code,
            target.code,
            self._badge(),
            expected_version=version,
            recent_by_others_s=window,
        )
        self._remember_if_told(result, unit_code, quantity)
        if result.outcome is Outcome.MOVED:
            self.session.last_unit = result.unit or unit_code
        if result.outcome is Outcome.NEEDS_APPROVAL:
            self.session.pending = PendingApproval(
                unit_code, target.code, quantity, result, version
            )
        return result

    def _remember_if_told(self, result: Result, unit_code: str, quantity: int | None) -> None:
        """After "moved-meanwhile": the unit as it is now, so that scanning it again moves it."""
        if result.code == "moved-meanwhile":
            now = self.services.unit(unit_code)
            self.session.told_moved = (unit_code, now.version, quantity) if now else None

    def _on_command(self, command: str) -> Result:
        s = self.session
        if command == "CANCEL":
            return self.cancel()
        if command == "DONE":
            s.target, s.held_unit, s.quantity = None, None, None
            return Result(Outcome.INFO, "Done: no target. Scan a lane or a unit.")
        if command == "SIGNOUT":
            self.sign_out()
            return Result(Outcome.INFO, "Signed out.", code="signed-out")
        if command in ("LANES", "HELP"):
            return Result(Outcome.INFO, f"Open {command.lower()}.", code=command.lower())
        if s.last_unit is None:
            return Result(Outcome.INFO, f"@{command}: scan a unit first.")
        actions = {
            "UNDO": lambda: self.services.undo(s.last_unit or "", self._badge()),
            "HOLD": lambda: self.services.hold(
                s.last_unit or "", self._badge(), "held at terminal"
            ),
            "ISSUE": lambda: self.services.issue(s.last_unit or "", self._badge()),
            "UNSTAGE": lambda: self.services.unstage(s.last_unit or "", self._badge()),
        }
        if command not in actions:
            return Result(Outcome.INFO, f"@{command}: scan a dock as target, then the units.")
        return actions[command]()


def _describe(location: Location) -> str:
    parts = [p for p in (location.customer, location.route, location.work_order) if p]
    return f" ({', '.join(parts)})" if parts else f" ({location.kind.value})"
