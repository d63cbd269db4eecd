"""`stageterm unit CODE`: a unit's details and its whole history."""

from __future__ import annotations

import argparse

from stageterm.commands.context import CommandError, Context, readable
from stageterm.commands.exit_codes import Exit
from stageterm.domain.metrics import format_dwell
from stageterm.domain.shapes import history_event, unit_facts
from stageterm.scanning import clean_for_display


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    p = sub.add_parser(
        "unit",
        parents=[common],
        help="a unit's details and event history",
        description="Show a unit's fields and its events, oldest first.",
    )
    p.add_argument("code", metavar="CODE", help="unit code")
    p.add_argument("--json", action="store_true", help="the unit's fields plus its history as JSON")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    code = readable(args.code, "Unit code")  # before the database is even opened
    detail = ctx.site().views.unit_detail(code)
    if detail is None:
        raise CommandError(f"unit {clean_for_display(args.code)} is not known here", Exit.REFUSED)
    if args.json:
        ctx.print_json(
            {**unit_facts(detail.unit), "history": [history_event(e) for e in detail.history]}
        )
        return Exit.DONE
    u = detail.unit
    c = clean_for_display
    ctx.print(
        f"Unit {c(u.code)}  item {c(u.item)}  lot {c(u.lot or '-')}  qty {u.quantity} {c(u.uom or '')}"
    )
    ctx.print(
        f"  {u.state.value}, {u.quality.value}, at {c(u.location or '-')}, order {c(u.order or '-')}, "
        f"expiry {u.expiry or '-'}, dwell {format_dwell(detail.dwell_s)}"
    )
    for e in detail.history:
        approved = f" approved by {c(e.approved_by)}" if e.approved_by else ""
        if e.overrides:  # every rule the lead was shown and overrode
            approved += f" ({', '.join(c(code) for code in e.overrides)})"
        qty = f" x{e.quantity}" if e.quantity is not None and e.quantity != u.quantity else ""
        reason = f" ({c(e.reason)})" if e.reason else ""
        ctx.print(
            f"  {e.occurred_at:%Y-%m-%d %H:%M} {e.type.value:<8} {c(e.from_location or '-')} -> "
            f"{c(e.to_location or '-')}{qty}  by {c(e.operator or '-')}{approved}{reason}"
        )
    return Exit.DONE
