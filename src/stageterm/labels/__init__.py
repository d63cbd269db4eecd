"""Barcode images in and labels out.

In: `decode_image(path)` reads every barcode in a PNG/JPEG with pyzbar (libzbar) and, where
the optional extra `stageterm[zxing]` is installed, zxing-cpp, which adds DataMatrix and the
GS1 flag of a Code 128. Out: `make_label(code, title)` draws a 100 x 50 mm Code 128 label
with python-barcode; `make_sheet(codes)` lays labels out on A4 or Letter pages; `write_labels`
saves them as PNG files and a printable PDF. docs/decoders.md says which decoder reads what.

Units' labels (docs/labels.md): `content` decides what a label carries (a GS1 logistic label
for a unit with an SSCC or GTIN), `layout` places it in printer dots, `draw` and `zpl` turn
that into a PNG or ZPL II, `output` writes files, and `printer` sends ZPL to a thermal
printer (`print_unit_label` for the terminal). They are imported from their modules, not
from here, so reading an image never loads them.
"""

from stageterm.labels.decode import decode_image, decode_pil, load_image
from stageterm.labels.decoded import (
    Decoded,
    DecodeError,
    DecoderMissing,
    ImageUnreadable,
)
from stageterm.labels.make import LabelError, check_code, make_label
from stageterm.labels.sheet import PAPER_SIZES, LabelFiles, make_sheet, safe_stem, write_labels

__all__ = [
    "PAPER_SIZES",
    "DecodeError",
    "Decoded",
    "DecoderMissing",
    "ImageUnreadable",
    "LabelError",
    "LabelFiles",
    "check_code",
    "decode_image",
    "decode_pil",
    "load_image",
    "make_label",
    "make_sheet",
    "safe_stem",
    "write_labels",
]
