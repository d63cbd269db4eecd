"""`stageterm suggest UNIT [--json]`: the lanes a unit should go to, best first.

For a unit with an open outbound order: lanes whose customer and route match the order,
with room left, those already holding units of the same order first, then the fullest,
then by code (SPEC §3). A known unit without such an order has none (exit 0).
"""

from __future__ import annotations

import argparse

from stageterm.commands.context import CommandError, Context, readable
from stageterm.commands.exit_codes import Exit
from stageterm.scanning import clean_for_display


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    p = sub.add_parser(
        "suggest",
        parents=[common],
        help="lanes a unit should go to, best first",
        description="Lanes for the unit's open outbound order with room left: those already "
        "holding units of the order first, then the fullest, then by code.",
    )
    p.add_argument("unit", metavar="UNIT", help="unit code")
    p.add_argument("--json", action="store_true", help="answer as one JSON object")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    code = readable(args.unit, "Unit code")
    found = ctx.site().views.suggest(code)
    if found is None:
        raise CommandError(f"Unit {clean_for_display(code)} is not known here.", Exit.REFUSED)
    if args.json:
        ctx.print_json(found.as_json())
        return Exit.DONE
    shown = clean_for_display(found.unit.code)
    if not found.lanes:
        why = (
            "has no open outbound order"
            if found.order is None
            or found.order.kind.value != "outbound"
            or found.order.status.value != "open"
            else "has no lane with room for its order"
        )
        ctx.print(f"Unit {shown} {why}: no lane to suggest.")
        return Exit.DONE
    ctx.print(f"Unit {shown} (order {clean_for_display(found.unit.order or '-')}) goes to:")
    for c in found.lanes:
        room = f"{c.units}/{c.lane.capacity}" if c.lane.capacity else f"{c.units}"
        same = f", {c.same_order_units} of this order" if c.same_order_units else ""
        ctx.print(
            f"  {c.lane.code:<10} {clean_for_display(c.lane.customer or '-'):<10} "
            f"{clean_for_display(c.lane.route or '-'):<8} {room} units{same}"
        )
    return Exit.DONE
