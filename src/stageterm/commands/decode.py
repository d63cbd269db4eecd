"""`stageterm decode IMAGE... [--json]`: every barcode in image files, and what each scan means.

Exit 0 when every image was read and held at least one barcode; 2 (bad input) when any
image was unreadable or held none (the other images are still decoded and shown), or when
no decoder can run. Problems go to stderr as `FILE: reason`, one line each. Barcode text is
printed through `clean_for_display`, so a barcode full of escape sequences stays inert.
"""

from __future__ import annotations

import argparse

from stageterm.commands.context import CommandError, Context
from stageterm.commands.exit_codes import Exit
from stageterm.labels import Decoded, DecoderMissing, ImageUnreadable, decode_image
from stageterm.scanning import clean_for_display, scan_as_dict
from stageterm.scanning.classifier import classify

_NAME_LIMIT = 200
_TEXT_LIMIT = 120


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    p = sub.add_parser(
        "decode",
        parents=[common],
        help="decode the barcodes in PNG/JPEG images",
        description=(
            "Decode every barcode in each image and show its text, symbology, decoder and "
            "what the scan means. Uses zbar (libzbar) and, where installed, zxing-cpp, "
            "which adds DataMatrix and the GS1 flag of a Code 128 (see docs/decoders.md). "
            "Exit 2 if any image is unreadable or holds no barcode."
        ),
    )
    p.add_argument("images", nargs="+", metavar="IMAGE", help="image file (PNG, JPEG, …)")
    p.add_argument(
        "--json",
        action="store_true",
        help='one JSON object per barcode: {"file", "text", "symbology", "decoder", "scan"}',
    )
    p.add_argument(
        "--decoder",
        choices=("auto", "zbar", "zxing"),
        default="auto",
        help="which decoder to use (default: every one installed, zxing-cpp first)",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    decoders = None if args.decoder == "auto" else [args.decoder]
    status = Exit.DONE
    for name in args.images:
        shown = clean_for_display(name, _NAME_LIMIT)
        try:
            found = decode_image(name, decoders)
        except DecoderMissing as exc:
            # The same for every image: one line, then stop.
            raise CommandError(str(exc), Exit.BAD_INPUT) from None
        except ImageUnreadable as exc:
            print(f"{shown}: {exc}", file=ctx.err)
            status = Exit.BAD_INPUT
            continue
        if not found:
            print(f"{shown}: no barcode found", file=ctx.err)
            status = Exit.BAD_INPUT
        for decoded in found:
            _show(ctx, name, shown, decoded, as_json=args.json)
    return status


def _show(ctx: Context, name: str, shown: str, decoded: Decoded, *, as_json: bool) -> None:
    scan = scan_as_dict(classify(decoded.text))
    if as_json:
        ctx.print_json(
            {
                "file": name,
                "text": decoded.text,
                "symbology": decoded.symbology,
                "decoder": decoded.decoder,
                "scan": scan,
            }
        )
        return
    kind = decoded.symbology + (" GS1" if decoded.gs1 else "")
    text = clean_for_display(decoded.text, _TEXT_LIMIT)
    ctx.print(f"{shown}: {text}  ({kind}, {decoded.decoder})  -> {_summary(scan)}")


def _summary(scan: dict[str, object]) -> str:
    """`unit gtin=…, lot=…`, `badge badge=1001` or `error: message`, printable."""
    if scan["kind"] == "error":
        return clean_for_display(f"error: {scan['message']}", _TEXT_LIMIT)
    parts: list[str] = []
    for key, value in scan.items():
        if key in ("kind", "raw") or value in (None, "", {}, False):
            continue
        if isinstance(value, dict):
            parts.extend(f"{ai}={v}" for ai, v in value.items())
        elif value is True:
            parts.append(key)
        else:
            parts.append(f"{key}={value}")
    return clean_for_display(f"{scan['kind']} {', '.join(parts)}".rstrip(), _TEXT_LIMIT)
