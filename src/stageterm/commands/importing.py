"""`stageterm import KIND FILE`: master data from CSV or JSON, all or nothing."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from stageterm.commands.context import CommandError, Context, readable
from stageterm.commands.exit_codes import Exit
from stageterm.intake.columns import KINDS
from stageterm.intake.reading import ImportFailed, read_rows
from stageterm.scanning import clean_for_display

if TYPE_CHECKING:
    pass


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
    from stageterm.services.results import Denied

    badge = readable(args.operator, "Badge") if args.operator else None
    try:
        # The file first: an unreadable one is reported without opening the database.
        rows = read_rows(args.file, args.kind)
        report = ctx.site().master_data.import_rows(args.kind, args.file.name, rows, badge)
    except Denied as denied:
        raise CommandError(clean_for_display(denied.message, 300), Exit.REFUSED) from None
    except ImportFailed as failed:
        for problem in failed.problems:
            ctx.err.write(clean_for_display(problem, 300) + "\n")
        ctx.err.write(
            f"stageterm: nothing imported from {clean_for_display(str(args.file), 200)}\n"
        )
        return Exit.BAD_INPUT
    ctx.print(f"Imported {report.kind}: {report.created} new, {report.updated} updated.")
    return Exit.DONE
