"""`stageterm alerts`: lanes and orders that need a lead now (SPEC §6b); `--ack` records
that a lead has seen one, for every lead's screen.

    stageterm alerts [--json]
    stageterm alerts --ack ID --operator BADGE
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
        "alerts",
        parents=[common],
        help="lanes and orders that need a lead now",
        description=(
            "Old lanes, lanes over capacity and outbound orders at risk of missing their "
            "truck, oldest first, acknowledged or not."
        ),
    )
    p.add_argument("--json", action="store_true", help="a JSON list of alerts")
    p.add_argument("--ack", type=int, metavar="ID", help="acknowledge alert ID (see the list)")
    p.add_argument("--operator", metavar="BADGE", help="with --ack: a lead's (or admin's) badge")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from stageterm.services.results import Denied

    site = ctx.site()
    if args.ack is not None:
        if not args.operator:
            raise CommandError("--ack needs --operator with a lead's or admin's badge", Exit.USAGE)
        try:
            shown = site.alerts.acknowledge(args.ack, readable(args.operator, "Badge"))
        except Denied as denied:
            raise CommandError(f"--ack: {denied.message}", Exit.REFUSED) from None
        ctx.print(f"alert {shown.id} acknowledged by {clean_for_display(shown.acked_by or '-')}")
        return Exit.DONE
    alerts = site.alerts.refresh()
    if args.json:
        ctx.print_json([alert.as_json() for alert in alerts])
        return Exit.DONE
    if not alerts:
        ctx.print("no alerts")
        return Exit.DONE
    for alert in alerts:
        seen = f"  (seen by {clean_for_display(alert.acked_by, 20)})" if alert.acked_by else ""
        ctx.print(
            f"{alert.id:>4}  {alert.since:%H:%M}  {alert.kind:<13} "
            f"{clean_for_display(alert.message, 120)}{seen}"
        )
    return Exit.DONE
