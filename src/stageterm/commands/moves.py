"""`stageterm move | load | issue | hold | release | undo`: one change to one unit each."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING

from stageterm.commands.context import CODE_LIMIT, REASON_LIMIT, Context
from stageterm.commands.outcome import refuse_unreadable, show

if TYPE_CHECKING:
    from stageterm.services.results import Result
    from stageterm.services.site import Site


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    def parser(name: str, help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, parents=[common], help=help_, description=help_ + ".")
        p.add_argument("unit", metavar="UNIT", help="unit code")
        return p

    p = parser("move", "stage, move or unstage a unit (part of it, into a kitting area)")
    p.add_argument(
        "--to", required=True, metavar="LOC", help="lane, kitting area or storage location"
    )
    p.add_argument(
        "--qty", type=_positive, metavar="N", help="move only N (kitting areas: splits the unit)"
    )
    p.add_argument(
        "--approve", metavar="BADGE", help="a lead's badge, for a move that needs approval"
    )
    p.add_argument("--pin", metavar="PIN", help="the approving lead's PIN, where they have one")
    p.set_defaults(handler=_move)
    p = parser("load", "load a staged unit from its lane onto a dock (route-checked)")
    p.add_argument("--to", required=True, metavar="DOCK", help="dock door")
    p.set_defaults(
        handler=lambda a, c: _finish(a, c, lambda s: s.moves.load(a.unit, a.to, a.operator))
    )
    p = parser("issue", "issue a unit from its kitting area or buffer to production")
    p.add_argument(
        "--approve", metavar="BADGE", help="a lead's badge, for an issue that skips FIFO"
    )
    p.add_argument("--pin", metavar="PIN", help="the approving lead's PIN, where they have one")
    p.set_defaults(
        handler=lambda a, c: _finish(
            a, c, lambda s: s.moves.issue(a.unit, a.operator, approve=a.approve, pin=a.pin)
        )
    )
    p = parser("hold", "put a unit on hold")
    p.add_argument(
        "--reason", metavar="TEXT", help="why (shown in the unit's history and upstream)"
    )
    p.set_defaults(
        handler=lambda a, c: _finish(a, c, lambda s: s.quality.hold(a.unit, a.operator, a.reason))
    )
    p = parser("release", "release a held or quarantined unit (quality role only)")
    p.set_defaults(
        handler=lambda a, c: _finish(a, c, lambda s: s.quality.release(a.unit, a.operator))
    )
    p = parser("undo", "reverse the unit's latest event (its operator, or a lead)")
    p.set_defaults(
        handler=lambda a, c: _finish(a, c, lambda s: s.corrections.undo(a.unit, a.operator))
    )
    for name in ("move", "load", "issue", "hold", "release", "undo"):
        p = sub.choices[name]
        p.add_argument("--operator", required=True, metavar="BADGE", help="your badge")
        p.add_argument("--json", action="store_true", help="answer as one JSON object")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _move(args: argparse.Namespace, ctx: Context) -> int:
    def move(site: Site) -> Result:
        seen = site.views.unit(args.unit)
        moved = site.moves.move(
            args.unit,
            args.to,
            args.operator,
            quantity=args.qty,
            approve=args.approve,
            pin=args.pin,
            # What the operator saw is what they move: another terminal's move in between wins.
            expected_version=seen.version if seen else None,
        )
        # The child of a kitting split is labelled as at the terminal (SPEC §4).
        return site.printing.with_child_label(moved, args.unit)

    return _finish(args, ctx, move)


def _finish(args: argparse.Namespace, ctx: Context, change: Callable[[Site], Result]) -> int:
    """Check the arguments, then run the change and show its result."""
    # A code with escapes, control characters or undecodable bytes, or longer than any
    # code can be, names nothing: refused as bad input before any query (nor any write).
    # The PIN is left to the check of the PIN, which never shows it.
    refused = refuse_unreadable(
        ctx,
        args.json,
        ("Unit code", args.unit, CODE_LIMIT),
        ("Location code", getattr(args, "to", None), CODE_LIMIT),
        ("Badge", args.operator, CODE_LIMIT),
        ("Approving badge", getattr(args, "approve", None), CODE_LIMIT),
        ("Reason", getattr(args, "reason", None), REASON_LIMIT),
    )
    if refused is not None:
        return refused
    return show(ctx, change(ctx.site()), args.json)
