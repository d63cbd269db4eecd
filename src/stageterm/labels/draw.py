"""A laid-out label as an 8-bit grey image: bars painted on whole dots, text in DejaVu Sans
Mono (the font python-barcode ships, so no system font is needed)."""

from __future__ import annotations

import functools
import itertools

from barcode.writer import ImageWriter
from PIL import Image, ImageDraw, ImageFont

from stageterm.labels.content import LabelContent
from stageterm.labels.layout import LabelSize, Layout, TextBox, lay_out
from stageterm.labels.make import make_label

BLACK, WHITE = 0, 255


def draw_label(content: LabelContent, size: LabelSize, dpi: int) -> Image.Image:
    """The label as an image at `dpi`; LabelError when the content does not fit `size`.

    A location or badge on a 100 x 50 mm label is `make_label`'s, unchanged, so labels
    already on the racks and new ones look alike.
    """
    if not content.gs1 and len(content.lines) <= 1 and size.height_mm == 50:
        return make_label(content.code, content.lines[0] if content.lines else None, dpi)
    return paint(lay_out(content, size, dpi))


def paint(layout: Layout) -> Image.Image:
    image = Image.new("L", (layout.width, layout.height), WHITE)
    draw = ImageDraw.Draw(image)
    for box in layout.texts:
        _text(draw, box)
    for symbol in layout.symbols:
        x = symbol.x
        for dark, run in itertools.groupby(symbol.pattern):
            modules = len(list(run))
            if dark == "1":
                right = x + modules * symbol.module - 1
                draw.rectangle([(x, symbol.y), (right, symbol.y + symbol.height - 1)], BLACK)
            x += modules * symbol.module
        _text(draw, symbol.hri)
    return image


@functools.cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(ImageWriter().font_path, size)


def _text(draw: ImageDraw.ImageDraw, box: TextBox) -> None:
    anchor = "ma" if box.centred else "la"
    draw.text((box.x, box.y), box.text, font=_font(box.size), fill=BLACK, anchor=anchor)
