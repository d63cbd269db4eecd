"""Where everything sits on a label, in printer dots: one layout for the PNG and the ZPL.

Text for people at the top (the unit's code largest), the barcodes at the bottom, the
lowest one last in `LabelContent.symbols` (the SSCC on a logistic label, as GS1 asks), each
with its human-readable text under the bars. Sizes are whole dots at 203 or 300 dpi, so a
bar prints exactly as wide as it was laid out.
"""

from __future__ import annotations

from dataclasses import dataclass

from barcode.writer import mm2px, pt2mm

from stageterm.labels.content import LabelContent, Symbol
from stageterm.labels.make import MONO_ADVANCE_EM, LabelError, _shown
from stageterm.labels.symbols import SIDE_MARGIN_MM, encoder, inner_dots, module_dots


@dataclass(frozen=True)
class LabelSize:
    """A label stock: width x height in millimetres, as `--size` names it."""

    name: str
    width_mm: float
    height_mm: float


SIZES = {
    "100x150": LabelSize("100x150", 100.0, 150.0),  # the GS1 logistic label (about A6)
    "100x50": LabelSize("100x50", 100.0, 50.0),  # locations, badges, small units
}
TOP_MARGIN_MM = 3.0
TEXT_GAP_MM = 2.0  # between the text block and the first barcode
HRI_GAP_MM = 0.8  # between the bars and their human-readable text
SYMBOL_GAP_MM = 3.0  # between one barcode's text and the next barcode
# GS1 asks 31.75 mm for an SSCC symbol; taller bars add nothing for a handheld.
MAX_BARS_MM = 32.0
# Below this a handheld must be held exactly level to cross every bar.
MIN_BARS_MM = 8.0
MIN_TEXT_PT = 6.0
LINE_SPACING = 1.2
ELLIPSIS = "..."  # ASCII: the printer's own font may have no "…"


@dataclass(frozen=True)
class TextBox:
    """One line of text: left edge (or centre, when `centred`), top, height in dots."""

    text: str
    x: int
    y: int
    size: int
    centred: bool = False


@dataclass(frozen=True)
class SymbolBox:
    """One barcode: its left bar at (x, y), `module` dots per module, bars `height` dots."""

    symbol: Symbol
    pattern: str  # "1" a dark module, "0" a light one, as python-barcode encoded it
    x: int
    y: int
    module: int
    height: int
    hri: TextBox

    @property
    def width(self) -> int:
        return len(self.pattern) * self.module


@dataclass(frozen=True)
class Layout:
    width: int
    height: int
    dpi: int
    texts: tuple[TextBox, ...]
    symbols: tuple[SymbolBox, ...]


def lay_out(content: LabelContent, size: LabelSize, dpi: int) -> Layout:
    """The layout of `content` on `size` at `dpi`; LabelError when it does not fit."""

    def dots(mm: float) -> int:
        return round(mm2px(mm, dpi))

    width, height = dots(size.width_mm), dots(size.height_mm)
    left = dots(SIDE_MARGIN_MM)
    inner = inner_dots(dpi)
    small = size.height_mm < 100
    y = dots(TOP_MARGIN_MM)
    texts = []
    lines = content.lines
    if small and len(lines) > 2:
        # A 50 mm label has room for two lines: the code, then everything else on one.
        lines = (lines[0], "  ".join(lines[1:]))
    for number, line in enumerate(lines):
        pt = (11.0 if small else 16.0) if number == 0 else (8.0 if small else 11.0)
        box = _fit_line(line, left, y, pt, inner, dpi)
        texts.append(box)
        y += round(box.size * LINE_SPACING)
    if content.lines:
        y += dots(TEXT_GAP_MM)

    hri_max_pt = 9.0 if small else 10.0
    hri_sizes = [_hri_pt(s.hri, inner, hri_max_pt, dpi) for s in content.symbols]
    hri_dots = [round(mm2px(pt2mm(pt), dpi)) for pt in hri_sizes]
    count = len(content.symbols)
    overhead = sum(round(h * LINE_SPACING) + dots(HRI_GAP_MM) for h in hri_dots)
    overhead += (count - 1) * dots(SYMBOL_GAP_MM)
    room = height - dots(TOP_MARGIN_MM) - y - overhead
    bars = min(room // count, dots(MAX_BARS_MM))
    if bars < dots(MIN_BARS_MM):
        raise LabelError(
            f"{_shown(content.code)}: {count} barcode(s) and {len(lines)} line(s) of text do "
            f"not fit a {size.name} mm label; use --size 100x150"
        )
    # The barcodes sit at the bottom; spare room goes between the text and them.
    y += room - bars * count
    symbols = []
    for symbol, hri_pt, hri_h in zip(content.symbols, hri_sizes, hri_dots, strict=True):
        module = module_dots(symbol.data, symbol.gs1, dpi)
        if module is None:
            raise LabelError(f"{_shown(symbol.data)}: too long for a {size.name} mm label")
        pattern = encoder(symbol.data, symbol.gs1).build()[0]
        x = (width - len(pattern) * module) // 2
        hri_text = _cut(symbol.hri, inner, hri_pt, dpi)
        hri = TextBox(hri_text, width // 2, y + bars + dots(HRI_GAP_MM), hri_h, centred=True)
        symbols.append(SymbolBox(symbol, pattern, x, y, module, bars, hri))
        y += bars + dots(HRI_GAP_MM) + round(hri_h * LINE_SPACING) + dots(SYMBOL_GAP_MM)
    return Layout(width, height, dpi, tuple(texts), tuple(symbols))


def _text_width(text: str, pt: float, dpi: int) -> float:
    # DejaVu Sans Mono advances every glyph 0.602 em; the printer's font 0 is narrower, so
    # what fits here fits on the printer too.
    return len(text) * MONO_ADVANCE_EM * mm2px(pt2mm(pt), dpi)


def _fit_line(text: str, x: int, y: int, pt: float, width: int, dpi: int) -> TextBox:
    while pt > MIN_TEXT_PT and _text_width(text, pt, dpi) > width:
        pt -= 0.5
    return TextBox(_cut(text, width, pt, dpi), x, y, round(mm2px(pt2mm(pt), dpi)))


def _hri_pt(text: str, width: int, largest: float, dpi: int) -> float:
    pt = largest
    while pt > MIN_TEXT_PT and _text_width(text, pt, dpi) > width:
        pt -= 0.5
    return pt


def _cut(text: str, width: int, pt: float, dpi: int) -> str:
    if _text_width(text, pt, dpi) <= width:
        return text
    while text and _text_width(text + ELLIPSIS, pt, dpi) > width:
        text = text[:-1]
    return text + ELLIPSIS
