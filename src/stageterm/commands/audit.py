"""`stageterm audit`: who did what, approved by whom, from which terminal."""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta

from stageterm.commands.context import Context, readable
from stageterm.commands.exit_codes import Exit
from stageterm.domain.shapes import history_event
from stageterm.scanning import clean_for_display


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    p = sub.add_parser(
        "audit",
        parents=[common],
        help="who did what, approved by whom, from which terminal",
        description="List events in the order they were recorded (the log's sequence; a "
        "time is the terminal's clock, or an import's). Events are never changed or deleted.",
    )
    p.add_argument(
        "--since",
        type=_when,
        metavar="TIME",
        help="ISO date or date-time (2026-11-22, 2026-11-22T06:00), or an age like 8h, 30m, 2d",
    )
    p.add_argument("--operator", metavar="BADGE", help="events done or approved by this badge")
    p.add_argument("--json", action="store_true", help="a JSON list of events")
    p.set_defaults(handler=run)


def _when(text: str) -> datetime:
    units = {"m": "minutes", "h": "hours", "d": "days"}
    if text[-1:] in units and text[:-1].isdigit():
        return datetime.now().astimezone() - timedelta(**{units[text[-1]]: int(text[:-1])})
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date, date-time or age like 8h"
        ) from None
    return moment if moment.tzinfo else moment.astimezone()


def run(args: argparse.Namespace, ctx: Context) -> int:
    operator = readable(args.operator, "Badge") if args.operator is not None else None
    events = ctx.site().views.audit(since=args.since, operator=operator)
    if args.json:
        ctx.print_json([history_event(e) for e in events])
        return Exit.DONE
    c = clean_for_display
    for e in events:
        approved = f" approved by {c(e.approved_by)}" if e.approved_by else ""
        if e.overrides:  # every rule the lead was shown and overrode
            approved += f" ({', '.join(c(code) for code in e.overrides)})"
        reason = f" ({c(e.reason, 60)})" if e.reason else ""
        ctx.print(
            f"{e.occurred_at:%Y-%m-%d %H:%M:%S%z} #{e.seq} {e.type.value:<8} {c(e.unit)} "
            f"{c(e.from_location or '-')} -> {c(e.to_location or '-')} by {c(e.operator or '-')}"
            f"{approved} at {c(e.terminal or '-')}{reason}"
        )
    if not events:
        ctx.err.write("No events match.\n")
    return Exit.DONE
