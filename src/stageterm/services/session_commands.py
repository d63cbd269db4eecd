"""Command barcodes at a terminal (@DONE, @CANCEL, @HOLD, @RELEASE, @UNDO, @ISSUE, @UNSTAGE,
@PRINT, …): what each does in a `FloorSession`. The ones about a unit act on the unit on
screen, the one scanned last, whether it moved or waits for a target (SPEC §8)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from stageterm.services.results import Outcome, Result

if TYPE_CHECKING:
    from stageterm.services.session import FloorSession

HOLD_REASON = "held at terminal"
RELEASE_REASON = "released at terminal"


def run_command(session: FloorSession, command: str, reason: str | None = None) -> Result:
    """What `command` does now; `reason`: what followed a @HOLD or @RELEASE in its scan."""
    state = session.state
    if command == "CANCEL":
        return session._cancel()
    if command == "DONE":
        state.target, state.held_unit, state.quantity = None, None, None
        return Result(Outcome.INFO, "Done: no target. Scan a lane or a unit.")
    if command == "SIGNOUT":
        session._sign_out()
        return Result(Outcome.INFO, "Signed out.", code="signed-out")
    if command in ("LANES", "HELP"):
        return Result(Outcome.INFO, f"Open {command.lower()}.", code=command.lower())
    if command == "LOAD":
        return Result(Outcome.INFO, "@LOAD: scan a dock as target, then the units.")
    unit = state.unit_on_screen
    if unit is None:
        return Result(Outcome.INFO, f"@{command}: scan a unit first.")
    site, badge = session.site, session._badge()
    if command == "UNDO":
        return site.corrections.undo(unit, badge)
    if command == "HOLD":
        return site.quality.hold(unit, badge, reason or HOLD_REASON)
    if command == "RELEASE":
        return site.quality.release(unit, badge, reason or RELEASE_REASON)
    if command == "ISSUE":
        return site.moves.issue(unit, badge)
    if command == "UNSTAGE":
        return site.moves.unstage(unit, badge)
    if command == "PRINT":
        return site.printing.print_unit(unit)
    return Result(Outcome.INFO, f"@{command}: not available at this terminal yet.")
