"""`stageterm queue`: what waits in each lane, grouped by customer, route or carrier."""

from __future__ import annotations

import argparse

from stageterm.commands.context import Context
from stageterm.commands.exit_codes import Exit
from stageterm.domain.metrics import format_dwell
from stageterm.scanning import clean_for_display


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    p = sub.add_parser(
        "queue",
        parents=[common],
        help="lane queues by customer, route or carrier",
        description="Lanes with their staged units, quantity, capacity and oldest dwell.",
    )
    p.add_argument(
        "--by",
        choices=("customer", "route", "carrier"),
        default="route",
        help="group lanes by (default: route)",
    )
    p.add_argument("--json", action="store_true", help="a JSON list of lanes")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    lanes = ctx.site().views.queue(by=args.by)
    if args.json:
        ctx.print_json([lane.as_json() for lane in lanes])
        return Exit.DONE
    ctx.print(
        f"{args.by.upper():<10} {'LANE':<10} {'UNITS':>5} {'QTY':>7} {'CAP':>5} {'OLDEST':>7}"
    )
    for lane in lanes:
        key = getattr(lane.lane, args.by) or "-"
        cap = f"{lane.units}/{lane.lane.capacity}" if lane.lane.capacity else "-"
        ctx.print(
            f"{clean_for_display(key, 10):<10} {clean_for_display(lane.lane.code, 10):<10} "
            f"{lane.units:>5} {lane.quantity:>7} {cap:>5} {format_dwell(lane.oldest_dwell_s):>7}"
        )
    return Exit.DONE
