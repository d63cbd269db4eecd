"""Code 128 and GS1-128 symbols as python-barcode encodes them: width in modules, bar width
in whole printer dots, and the same symbol written as ZPL II field data.

python-barcode's `Gs1_128` is Code 128 with FNC1 first; an FNC1 between two fields is its
`\\xf1` character. The ZPL field data is derived from python-barcode's own code values
(start code, code set switches, FNC1) so the printer draws the very symbol the PNG shows.
"""

from __future__ import annotations

import math

from barcode.codex import Code128, Gs1_128
from barcode.writer import BaseWriter, mm2px

from stageterm.labels.make import DPI_CHOICES, MAX_MODULE_MM, MIN_MODULE_MM, QUIET_ZONE_MODULES

LABEL_WIDTH_MM = 100.0  # both label sizes are 100 mm wide
SIDE_MARGIN_MM = 3.0
# GS1's smallest X-dimension for GS1-128 outside retail; a 100 mm label then holds about
# 48 symbol characters, GS1's own limit for one GS1-128 symbol.
MIN_GS1_MODULE_MM = 0.25
FNC1 = Gs1_128.FNC1_CHAR
GS = "\x1d"

# Code 128 code values (ISO/IEC 15417) and their ZPL II invocation codes.
START = {103: "A", 104: "B", 105: "C"}
_START_ZPL = {"A": ">9", "B": ">:", "C": ">;"}
_SWITCH = {99: "C", 100: "B", 101: "A"}
_SWITCH_ZPL = {"A": ">7", "B": ">6", "C": ">5"}
_FNC1_VALUE = 102
# Characters ZPL II reads as its own in field data: each has an invocation code instead.
_ZPL_ESCAPES = {">": "><", "^": ">0", "~": ">="}


def encoder(data: str, gs1: bool, writer: BaseWriter | None = None) -> Code128:
    """A fresh python-barcode symbol (it keeps its code set between calls, so never reuse)."""
    if gs1:
        return Gs1_128(data.replace(GS, FNC1), writer=writer)
    return Code128(data, writer=writer)


def modules(data: str, gs1: bool) -> int:
    """The symbol's width in modules, quiet zones included."""
    return len(encoder(data, gs1).build()[0]) + 2 * QUIET_ZONE_MODULES


def inner_dots(dpi: int) -> int:
    return math.floor(mm2px(LABEL_WIDTH_MM - 2 * SIDE_MARGIN_MM, dpi))


def narrowest_dots(gs1: bool, dpi: int) -> int:
    return math.ceil(mm2px(MIN_GS1_MODULE_MM if gs1 else MIN_MODULE_MM, dpi))


def module_dots(data: str, gs1: bool, dpi: int) -> int | None:
    """The widest whole-dot module that fits the label at `dpi`, or None when none does."""
    dots = min(inner_dots(dpi) // modules(data, gs1), math.floor(mm2px(MAX_MODULE_MM, dpi)))
    return dots if dots >= narrowest_dots(gs1, dpi) else None


def fits_one_symbol(data: str, gs1: bool) -> bool:
    """True when the symbol fits a 100 mm label at every printer resolution offered."""
    return all(module_dots(data, gs1, dpi) is not None for dpi in DPI_CHOICES)


def zpl_field_data(data: str, gs1: bool) -> str:
    """The ^FD data of a ZPL II `^BC…,N` (no automatic mode) field for this symbol.

    For GS1-128 it starts `>;>8` (start code C, FNC1) when the data starts with digits; the
    printer adds the check character itself, so it is left out.
    """
    values = encoder(data, gs1)._build()
    code_set = START[values[0]]
    out = [_START_ZPL[code_set]]
    for value in values[1:]:
        if value == _FNC1_VALUE:
            out.append(">8")
        elif code_set == "C" and value < 100:
            out.append(f"{value:02d}")
        elif value in _SWITCH and not (code_set == "B" and value == 100):
            code_set = _SWITCH[value]
            out.append(_SWITCH_ZPL[code_set])
        elif code_set in "AB" and value < 64 + 32 * (code_set == "B"):
            char = chr(value + 32)
            out.append(_ZPL_ESCAPES.get(char, char))
        else:
            # Only printable ASCII reaches here (check_code and GS1's character set), so
            # shifts, FNC2-4 and control characters never occur.
            raise ValueError(f"code value {value} in code set {code_set} has no ZPL text")
    return "".join(out)
