"""`stageterm label CODE...`: labels to files (PNG, PDF, ZPL) or straight to a thermal printer.

A CODE that names a unit in the database gets the unit's label: a GS1 logistic label when
the unit has an SSCC or a GTIN, else a Code 128 of its code, with item, order and lane in
plain text. Any other CODE (a location, a badge `B:<badge>`) is encoded exactly as given.
Every code is checked and every label made before anything is written or sent; a code
Code 128 cannot carry, or a unit whose GS1 data cannot be encoded, ends the command with
exit 2 and nothing written. A printer that refuses or does not answer: one line, exit 2.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from stageterm.commands.context import CommandError, Context
from stageterm.commands.exit_codes import Exit
from stageterm.labels import PAPER_SIZES, LabelError
from stageterm.labels.content import LabelContent, code_content, staged_lane, unit_content
from stageterm.labels.layout import SIZES
from stageterm.labels.make import DPI_CHOICES, check_code
from stageterm.labels.output import FORMATS, default_size, write_label_files
from stageterm.labels.printer import PrinterError, parse_printer, send_zpl
from stageterm.labels.zpl import zpl_label
from stageterm.scanning import clean_for_display


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    p = sub.add_parser(
        "label",
        parents=[common],
        help="print unit, location and badge labels: PNG, PDF, ZPL or a thermal printer",
        description=(
            "A label per CODE. A unit with an SSCC or GTIN gets a GS1 logistic label "
            "(GS1-128), any other unit, location or badge a Code 128 of its code (badges as "
            "B:<badge>). --out DIR writes files: png (DIR/<code>.png, plus every label on "
            "A4 or Letter pages DIR/sheet-N.png and DIR/sheet.pdf), pdf (DIR/labels.pdf, one "
            "label-sized page each) or zpl (DIR/<code>.zpl). --printer HOST[:PORT] sends ZPL "
            "to a thermal printer (raw TCP, port 9100); STAGETERM_PRINTER is the default."
        ),
    )
    p.add_argument("codes", nargs="+", metavar="CODE", help="a unit, location or badge code")
    p.add_argument("--format", choices=FORMATS, help="file format (default: png; zpl to a printer)")
    p.add_argument(
        "--size",
        choices=list(SIZES),
        help="label size in mm (default: 100x150 for GS1 labels, else 100x50)",
    )
    p.add_argument(
        "--dpi",
        type=int,
        choices=DPI_CHOICES,
        default=DPI_CHOICES[0],
        help="label printer resolution (default: %(default)s)",
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument("--out", type=Path, metavar="DIR", help="directory to write to")
    where.add_argument("--printer", metavar="HOST:PORT", help="thermal printer to send ZPL to")
    p.add_argument("--sheet", choices=sorted(PAPER_SIZES), default="a4", help="paper for the sheet")
    p.add_argument(
        "--title", metavar="TEXT", help="a line above the bars of every location or badge label"
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    printer = args.printer
    if args.out is None and printer is None:
        # Being added to config.py (STAGETERM_PRINTER); read softly until it lands.
        printer = getattr(ctx.settings, "printer", "") or None
        if printer is None:
            raise CommandError(
                "say where the labels go: --out DIR or --printer HOST:PORT "
                "(or set STAGETERM_PRINTER)",
                Exit.USAGE,
            )
    if printer is not None and args.format not in (None, "zpl"):
        raise CommandError(
            f"a printer takes ZPL; --format {args.format} needs --out DIR", Exit.USAGE
        )
    try:
        address = parse_printer(printer) if printer is not None else None
        for code in args.codes:
            check_code(code, args.dpi)
        contents = [_content(code, args.title, ctx) for code in args.codes]
        size = SIZES[args.size] if args.size else default_size(contents)
        if address is not None:
            send_zpl("".join(zpl_label(c, size, args.dpi) for c in contents), address)
            ctx.print(f"{len(contents)} label(s) sent to {clean_for_display(str(address), 200)}")
            return Exit.DONE
        written = write_label_files(
            contents, args.out, args.format or "png", size, args.dpi, args.sheet
        )
    except (LabelError, PrinterError) as exc:
        what = "cannot print" if isinstance(exc, PrinterError) else "cannot make a label"
        raise CommandError(f"{what}: {exc}", Exit.BAD_INPUT) from None
    except OSError as exc:
        where = clean_for_display(str(args.out), 200)
        reason = exc.strerror or str(exc)
        raise CommandError(f"{where}: cannot write labels: {reason}", Exit.BAD_INPUT) from None
    for path in written:
        ctx.print(clean_for_display(str(path), 300))
    return Exit.DONE


def _content(code: str, title: str | None, ctx: Context) -> LabelContent:
    unit = ctx.site().views.unit(code)  # the one read of the database
    if unit is None:
        return code_content(code, title)
    return unit_content(unit, order=unit.order, lane=staged_lane(unit))
