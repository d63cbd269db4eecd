"""`stageterm scan RAW... --operator BADGE`: raw scans through the terminal's own workflow."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from stageterm.commands.context import CODE_LIMIT, Context
from stageterm.commands.exit_codes import Exit
from stageterm.commands.outcome import refuse_unreadable, show
from stageterm.scanning import ScannerSettings
from stageterm.services.results import Outcome, Result

if TYPE_CHECKING:
    from stageterm.services.session import FloorSession


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    p = sub.add_parser(
        "scan",
        parents=[common],
        help="feed raw scans through the same workflow as the terminal UI",
        description="Each RAW is one scan, as a scanner would send it: a lane then units, a unit then a lane, "
        'a lead\'s badge to approve, command barcodes such as @UNDO; an empty RAW ("") is a bare Enter, '
        "which acknowledges the refusal before it. The run starts with no target.",
    )
    p.add_argument("raw", nargs="+", metavar="RAW", help="raw scanner text")
    p.add_argument("--operator", required=True, metavar="BADGE", help="your badge")
    p.add_argument(
        "--pin", metavar="PIN", help="the PIN of the lead whose badge is scanned to approve"
    )
    p.add_argument("--json", action="store_true", help="one JSON object per scan, one per line")
    p.set_defaults(handler=run)


def scanner_settings(ctx: Context) -> ScannerSettings:
    s = ctx.settings
    return ScannerSettings(
        gs_substitutes=s.gs_substitutes, prefix=s.scan_prefix, suffix=s.scan_suffix
    )


def run(args: argparse.Namespace, ctx: Context) -> int:
    from stageterm.services.session import FloorSession

    # Each RAW goes through the scanner's own checks; the badges are arguments.
    refused = refuse_unreadable(ctx, args.json, ("Badge", args.operator, CODE_LIMIT))
    if refused is not None:
        return refused
    # One run cannot be asked again, so no "another operator just moved it" question: the
    # version check still refuses a unit changed between its resolve and its move.
    session = FloorSession(ctx.site(), scanner_settings(ctx), just_moved_s=0.0)
    signed = session.begin(args.operator)  # the host's user is trusted: no PIN of their own
    if not signed.ok:
        return show(ctx, signed, args.json)
    first_failure = Exit.DONE
    for raw in args.raw:
        code = show(ctx, _answer(session, raw, args.pin), args.json)
        if code and not first_failure:
            first_failure = Exit(code)
    return int(first_failure)


def _answer(session: FloorSession, raw: str, pin: str | None) -> Result:
    """What one RAW came to, as the terminal would show it ("" is a bare Enter)."""
    if raw == "":
        acknowledged = session.acknowledge().acknowledged is not None
        words = "Refusal acknowledged." if acknowledged else "Nothing to acknowledge."
        return Result(Outcome.INFO, words, code="acknowledged" if acknowledged else None)
    reply = session.scan(raw, pin=pin)
    if reply.entry is not None:
        return reply.entry.result
    if reply.ask_pin is not None:  # only when no --pin was given
        return Result(
            Outcome.REFUSED,
            f"{reply.ask_pin.name} needs a PIN to approve: give it with --pin.",
            code="bad-pin",
        )
    return Result(Outcome.INFO, "Nothing to do.")
