"""`stageterm label CODE... --out DIR`: Code 128 labels as PNG files and a printable sheet.

Each code is encoded exactly as given (a badge label is `B:<badge>`, a location label its
code). Every code is checked first; one that Code 128 cannot carry (empty, blanks around
it, non-ASCII, control characters, too long for the label) ends the command with exit 2
and writes nothing.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from stageterm.commands.context import CommandError, Context
from stageterm.commands.exit_codes import Exit
from stageterm.labels import PAPER_SIZES, LabelError, write_labels
from stageterm.labels.make import DPI_CHOICES
from stageterm.scanning import clean_for_display


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    p = sub.add_parser(
        "label",
        parents=[common],
        help="print location and badge labels (Code 128) to PNG and a PDF sheet",
        description=(
            "Write a 100 x 50 mm Code 128 label per CODE as DIR/<code>.png, and every label "
            "on A4 or Letter pages as DIR/sheet-N.png and DIR/sheet.pdf. The code is encoded "
            "exactly as given: badges as B:<badge>, locations as their code."
        ),
    )
    p.add_argument("codes", nargs="+", metavar="CODE", help="text to encode (printable ASCII)")
    p.add_argument("--out", required=True, type=Path, metavar="DIR", help="directory to write to")
    p.add_argument("--sheet", choices=sorted(PAPER_SIZES), default="a4", help="paper for the sheet")
    p.add_argument("--title", metavar="TEXT", help="a line printed above the bars of every label")
    p.add_argument(
        "--dpi",
        type=int,
        choices=DPI_CHOICES,
        default=DPI_CHOICES[0],
        help="label printer resolution (default: %(default)s)",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    try:
        files = write_labels(args.codes, args.out, args.title, args.sheet, args.dpi)
    except LabelError as exc:
        raise CommandError(f"cannot make a label: {exc}", Exit.BAD_INPUT) from None
    except OSError as exc:
        where = clean_for_display(str(args.out), 200)
        reason = exc.strerror or str(exc)
        raise CommandError(f"{where}: cannot write labels: {reason}", Exit.BAD_INPUT) from None
    for path in files.all():
        ctx.print(clean_for_display(str(path), 300))
    return Exit.DONE
