"""A move from a terminal's scan: the unit as this terminal saw it, to the target scanned;
a unit another operator just moved is a question; a kitting split's child gets its label.
Part of `FloorSession` (session.py), which owns the state these functions read and set."""

from __future__ import annotations

from typing import TYPE_CHECKING

from stageterm.domain.model import Location, LocationKind, Unit
from stageterm.services.move_facts import NotOnlyAUnit
from stageterm.services.results import Outcome, Result
from stageterm.services.scan_state import PendingApproval

if TYPE_CHECKING:
    from stageterm.services.session import FloorSession


def move_unit(
    session: FloorSession, unit_code: str, target: Location, seen: Unit | None = None
) -> Result:
    """Move the unit as this terminal saw it (`seen`): if it changed since, or another
    operator moved it in the last JUST_MOVED_S, the operator is told who moved it and
    where; scanning it again then moves it."""
    quantity, session.state.quantity = session.state.quantity, None
    told, session.state.told_moved = session.state.told_moved, None
    version = seen.version if seen else None
    window = session.just_moved_s
    if told is not None and told[:2] == (unit_code, version):
        window = 0.0
        quantity = quantity if quantity is not None else told[2]
    moves = session.site.moves
    if target.kind is LocationKind.DOCK:
        result = moves.load(
            unit_code,
            target.code,
            session._badge(),
            expected_version=version,
            recent_by_others_s=window,
        )
    else:
        result = moves.move(
            unit_code,
            target.code,
            session._badge(),
            quantity=quantity,
            expected_version=version,
            recent_by_others_s=window,
        )
    remember_if_told(session, result, unit_code, quantity)
    if result.outcome is Outcome.MOVED:
        session.state.unit_on_screen = result.unit or unit_code
        result = session.site.printing.with_child_label(result, unit_code)
    if result.outcome is Outcome.NEEDS_APPROVAL:
        session.state.pending = PendingApproval(unit_code, target.code, quantity, result, version)
    return result


def move_scanned(session: FloorSession, code: str, target: Location) -> Result | None:
    """A plain code scanned with a target set, moved in one write transaction that also
    resolves it (a scan is one transaction, not a read and then a write). None when the
    code is not only a unit's (a location, a badge, nothing known) or when the answer
    needs what the long way keeps (a lead's approval of the unit as seen): nothing was
    written then, and the caller resolves the code as before."""
    if session.state.told_moved is not None:  # the operator scans again after being told
        return None
    moves = session.site.moves
    quantity = session.state.quantity
    try:
        if target.kind is LocationKind.DOCK:
            result = moves.load(
                code,
                target.code,
                session._badge(),
                recent_by_others_s=session.just_moved_s,
                only_a_unit=True,
            )
        else:
            result = moves.move(
                code,
                target.code,
                session._badge(),
                quantity=quantity,
                recent_by_others_s=session.just_moved_s,
                only_a_unit=True,
            )
    except NotOnlyAUnit:
        return None
    if result.outcome is Outcome.NEEDS_APPROVAL:
        return None  # the approval keeps the unit's version: asked again the long way
    session.state.quantity = None
    session.state.unit_on_screen = code
    remember_if_told(session, result, code, quantity)
    if result.outcome is Outcome.MOVED:
        session.state.unit_on_screen = result.unit or code
        result = session.site.printing.with_child_label(result, code)
    return result


def remember_if_told(
    session: FloorSession, result: Result, unit_code: str, quantity: int | None
) -> None:
    """After "moved-meanwhile": the unit as it is now, so that scanning it again moves it."""
    if result.code == "moved-meanwhile":
        now = session.site.views.unit(unit_code)
        session.state.told_moved = (unit_code, now.version, quantity) if now else None
