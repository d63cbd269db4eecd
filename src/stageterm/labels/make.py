"""One 100 x 50 mm Code 128 label: bars, the code in human-readable text, an optional title.

python-barcode encodes the code (character sets, check digit) and draws it through its
ImageWriter; this module sizes everything in whole printer dots for a 203 or 300 dpi
thermal printer, because a bar that is 2.5 dots wide prints as 2 or 3 and the code no
longer scans.
"""

from __future__ import annotations

import math
import unicodedata

from barcode import Code128
from barcode.writer import ImageWriter, mm2px, pt2mm
from PIL import Image, ImageDraw, ImageFont

LABEL_MM = (100.0, 50.0)
DPI_CHOICES = (203, 300)  # the two resolutions of common thermal label printers
SIDE_MARGIN_MM = 3.0
TOP_MARGIN_MM = 3.0
QUIET_ZONE_MODULES = 10  # Code 128 needs at least ten module widths of white each side
# Narrowest bar ("X dimension") ordinary handheld scanners read reliably (7.5 mil).
MIN_MODULE_MM = 0.19
# Wider bars make a longer, not a more readable, symbol once the scanner is close enough;
# capping keeps short codes from stretching across the whole label.
MAX_MODULE_MM = 0.75
TITLE_PT = 11.0
HRI_MAX_PT = 12.0
HRI_MIN_PT = 6.0
# DejaVu Sans Mono (the font python-barcode ships): every glyph is 0.602 em wide.
MONO_ADVANCE_EM = 0.602


class LabelError(ValueError):
    """A code that cannot become a Code 128 label; the message is one line, safe to print."""


def check_code(code: str, dpi: int = DPI_CHOICES[0]) -> None:
    """Raise LabelError unless `code` prints as a readable Code 128 on a 100 mm label."""
    if not code:
        raise LabelError("empty code")
    if code != code.strip():
        # The scan workflow strips surrounding blanks, so such a label would not scan as
        # the code it shows.
        raise LabelError(f"{_shown(code)}: starts or ends with a blank")
    for position, char in enumerate(code, start=1):
        # Printable ASCII only: Code 128 has no other text characters, and its control
        # characters would print as nothing readable in the human-readable line.
        if not " " <= char <= "~":
            name = unicodedata.name(char, "control character")
            raise LabelError(
                f"{_shown(code)}: character {char!a} ({name.lower()}) at position {position} is not "
                "printable ASCII, which is all Code 128 can carry as text"
            )
    _module_dots(code, dpi)


def make_label(code: str, title: str | None = None, dpi: int = DPI_CHOICES[0]) -> Image.Image:
    """A 100 x 50 mm label (8-bit grey) for `code` at `dpi`, with `title` above the bars."""
    check_code(code, dpi)
    width, height = (round(mm2px(mm, dpi)) for mm in LABEL_MM)
    label = Image.new("L", (width, height), 255)
    inner_mm = LABEL_MM[0] - 2 * SIDE_MARGIN_MM
    top = round(mm2px(TOP_MARGIN_MM, dpi))

    title_mm = 0.0
    title = _one_line(title or "")
    if title:
        font = ImageFont.truetype(ImageWriter().font_path, round(mm2px(pt2mm(TITLE_PT), dpi)))
        text = _fit(title, font, round(mm2px(inner_mm, dpi)))
        ImageDraw.Draw(label).text((width // 2, top), text, font=font, fill=0, anchor="mt")
        title_mm = pt2mm(TITLE_PT) * 1.6

    dot_mm = 25.4 / dpi
    dots, modules = _module_dots(code, dpi)
    module_mm = dots * dot_mm
    # python-barcode draws the text inside the symbol's own image, so the text must fit the
    # symbol's width (quiet zones included), which for a long run of digits is narrow.
    hri_pt = _hri_size(code, modules * module_mm)
    hri_em = pt2mm(hri_pt)
    # python-barcode draws the text with its bottom (descender line) `text_distance` below
    # the bars, so the distance must hold the whole glyph height plus a gap.
    text_distance = hri_em * 1.05 + 1.0
    bars_mm = LABEL_MM[1] - 2 * TOP_MARGIN_MM - title_mm - (hri_em / 2 + text_distance)
    symbol = Code128(code, writer=_DotWriter(format="PNG", mode="L", dpi=dpi)).render(
        {
            "module_width": module_mm,
            "module_height": bars_mm,
            "quiet_zone": QUIET_ZONE_MODULES * module_mm,
            "font_size": hri_pt,
            "text_distance": text_distance,
            "margin_top": 0,
            "margin_bottom": 0,
        }
    )
    top_of_symbol = top + round(mm2px(title_mm, dpi))
    label.paste(symbol, ((width - symbol.width) // 2, top_of_symbol))
    return label


def _module_dots(code: str, dpi: int) -> tuple[int, int]:
    """The widest whole-dot module that fits the code on the label, and the symbol's width
    in modules (quiet zones included); LabelError if the code is too long."""
    # A fresh Code128 per build: python-barcode keeps the character set across calls.
    modules = len(Code128(code).build()[0]) + 2 * QUIET_ZONE_MODULES
    available = math.floor(mm2px(LABEL_MM[0] - 2 * SIDE_MARGIN_MM, dpi))
    narrowest = math.ceil(mm2px(MIN_MODULE_MM, dpi))
    widest = math.floor(mm2px(MAX_MODULE_MM, dpi))
    dots = min(available // modules, widest)
    if dots < narrowest:
        raise LabelError(
            f"{_shown(code)}: {len(code)} characters are too long for a {LABEL_MM[0]:.0f} mm label: "
            f"it needs {modules} bar widths, at most {available // narrowest} fit at {dpi} dpi"
        )
    return dots, modules


def _shown(code: str) -> str:
    # ascii() escapes anything unprintable, so the message is safe on any terminal.
    return ascii(code if len(code) <= 40 else code[:40] + "…")


def _hri_size(code: str, width_mm: float) -> float:
    fits = width_mm / (len(code) * MONO_ADVANCE_EM * pt2mm(1))
    return max(HRI_MIN_PT, min(HRI_MAX_PT, fits))


def _one_line(text: str) -> str:
    # A title is free text from the command line: control characters (escape sequences
    # included) become blanks so nothing but letters reaches the label.
    cleaned = "".join(" " if unicodedata.category(c).startswith("C") else c for c in text)
    return " ".join(cleaned.split())


def _fit(text: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    if font.getlength(text) <= width:
        return text
    while text and font.getlength(text + "…") > width:
        text = text[:-1]
    return text + "…"


class _DotWriter(ImageWriter):
    """python-barcode's ImageWriter with every bar edge rounded to a whole dot.

    The stock writer hands Pillow fractional millimetre positions, which truncate
    unevenly: at 203 dpi a 2-dot bar can come out 3 dots wide and the symbol misreads.
    """

    def _paint_module(self, xpos: float, ypos: float, width: float, color: str) -> None:
        left = round(mm2px(xpos, self.dpi))
        right = round(mm2px(xpos + width, self.dpi))
        top = round(mm2px(ypos, self.dpi))
        bottom = round(mm2px(ypos + self.module_height, self.dpi))
        if right > left:
            self._draw.rectangle([(left, top), (right - 1, bottom - 1)], fill=color)
