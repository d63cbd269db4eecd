"""`stageterm import KIND FILE`: master data from CSV or JSON, all or nothing."""

from __future__ import annotations

import argparse
from pathlib import Path

from stageterm.commands.context import CommandError, Context
from stageterm.commands.exit_codes import Exit
from stageterm.domain.model import Role
from stageterm.imports import KINDS, ImportFailed, import_file
from stageterm.scanning import clean_for_display


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    p = sub.add_parser(
        "import",
        parents=[common],
        help="import locations, units, orders or operators (CSV or JSON)",
        description="Import master data. Every row is checked first; one bad row and nothing is written. "
        "Run by site IT on the host (the local machine user), not from a floor terminal.",
    )
    p.add_argument("kind", choices=KINDS, metavar="KIND", help=f"one of: {', '.join(KINDS)}")
    p.add_argument(
        "file", metavar="FILE", type=Path, help="CSV with a header row, or a JSON list of objects"
    )
    p.add_argument(
        "--operator",
        metavar="BADGE",
        help="an admin's badge, recorded on the receive events (IT on the host may leave it out)",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    services = ctx.services()
    if args.operator:
        person = services.operator(args.operator)
        if person is None or person.role is not Role.ADMIN:
            who = "not known here" if person is None else f"{person.role.value}, not admin"
            raise CommandError(
                f"imports need an admin: badge {clean_for_display(args.operator)} is {who}",
                Exit.REFUSED,
            )
    try:
        report = import_file(
            services.store,
            args.kind,
            args.file,
            clock=services.now,
            terminal=services.terminal,
            operator=args.operator,
        )
    except ImportFailed as failed:
        for problem in failed.problems:
            ctx.err.write(clean_for_display(problem, 300) + "\n")
        ctx.err.write(
            f"stageterm: nothing imported from {clean_for_display(str(args.file), 200)}\n"
        )
        return Exit.BAD_INPUT
    ctx.print(f"Imported {report.kind}: {report.created} new, {report.updated} updated.")
    return Exit.DONE
