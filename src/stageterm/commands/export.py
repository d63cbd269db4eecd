"""`stageterm export [--since SEQ] [--format epcis|json] [--out FILE]`: the log as upstream sees it.

The same ObjectEvents (or plain JSON events) that `stageterm sync` sends, in one document,
to standard output or a file. Every event but receives, whatever its sync state; `--since`
takes the events after that seq. A file is written whole or not at all (a temporary file
renamed into place), so a half-written export never looks like a finished one.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import IO, TYPE_CHECKING, cast

from stageterm.commands.context import CommandError, Context
from stageterm.commands.exit_codes import Exit
from stageterm.commands.json_out import JsonToTerminal
from stageterm.scanning import clean_for_display

if TYPE_CHECKING:
    from stageterm.services.upstream import Upstream
    from stageterm.sync.epcis import Encoder

FORMATS = ("epcis", "json")  # the sync package is imported only when export runs


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    p = sub.add_parser(
        "export",
        parents=[common],
        help="write events as an EPCIS 2.0 document (or plain JSON)",
        description=(
            "Write the events upstream sees (all but receives, whatever their sync state) as one "
            "EPCIS 2.0 EPCISDocument, or with --format json as a JSON list, to standard output "
            "or FILE."
        ),
    )
    p.add_argument(
        "--since", type=_seq, default=0, metavar="SEQ", help="only events after this seq"
    )
    p.add_argument("--format", choices=FORMATS, default=FORMATS[0], help="document format")
    p.add_argument("--out", type=Path, metavar="FILE", help="write here instead of standard output")
    p.set_defaults(handler=run)


def _seq(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a seq number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("a seq number is 0 or more")
    return value


def run(args: argparse.Namespace, ctx: Context) -> int:
    from stageterm.services.results import BadInput

    upstream = ctx.site().upstream
    try:
        encoder = upstream.encoder(args.format)
    except BadInput as exc:
        raise CommandError(str(exc), Exit.BAD_INPUT) from None
    if args.out is None:
        # Standard output is often a terminal: event text (a reason, a code from an older
        # import) must not carry C1 controls or bidi overrides there. A file gets UTF-8 as is.
        out = cast(IO[str], JsonToTerminal(ctx.out))
        count = upstream.export(out, encoder, since=args.since)
    else:
        count = _to_file(upstream, args.out, encoder, args.since)
        ctx.print(f"{count} events written to {clean_for_display(str(args.out), 200)}")
    if args.out is None:
        # The count goes to stderr: stdout is the document, perhaps piped into a file.
        print(f"stageterm: {count} events exported", file=ctx.err)
    return Exit.DONE


def _to_file(upstream: Upstream, path: Path, encoder: Encoder, since: int) -> int:
    partial = path.with_name(f".{path.name}.partial")
    try:
        with partial.open("w", encoding="utf-8") as out:
            count = upstream.export(out, encoder, since=since)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        where = clean_for_display(str(path), 200)
        raise CommandError(
            f"{where}: cannot write the export: {exc.strerror or exc}", Exit.BAD_INPUT
        ) from None
    return count
