"""What goes on a label: the lines people read and the barcodes scanners read.

A unit with an SSCC or a GTIN gets a GS1 logistic label (GS1 General Specifications and
the GS1 Logistics Label Guideline): GS1-128 symbols carrying

- (00) SSCC, alone in the lowest symbol, for a unit with an SSCC; above it, when the unit
  also has a GTIN, the contents: (02) GTIN of the contained items, (17) expiry, (37) count,
  (10) lot;
- (01) GTIN, (17) expiry, (10) lot, (21) serial for a unit without an SSCC.

Within a symbol, fixed-length element strings come first and variable-length ones last
(each variable-length one but the last is ended by FNC1), the order the guideline's
examples use. Element strings that do not fit one symbol on a 100 mm label at GS1's
smallest bar width go on to a second symbol. Every other unit, and every location or badge
code, gets a Code 128 of its code, and so does a kitting split's child under its GS1
symbol (it shares its parent's GTIN and lot). biip (the parser the scanner side uses) checks every
value and builds the human-readable text, so a label never shows or encodes what a scan of
it would not read back.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import biip
from biip import ParseError
from biip.gs1_application_identifiers import GS1ApplicationIdentifier
from biip.gtin import Gtin
from biip.sscc import Sscc

from stageterm.domain.model import Unit, UnitState
from stageterm.labels.make import LabelError, _one_line, _shown, check_code
from stageterm.labels.symbols import fits_one_symbol

GS = "\x1d"  # what a scanner sends for an FNC1 between two GS1 fields


@dataclass(frozen=True)
class Symbol:
    """One barcode on a label.

    `data` is what a keyboard-wedge scanner sends for it without the AIM prefix: the code
    itself for Code 128, the element string with GS after each variable-length field for
    GS1-128. `hri` is the human-readable text printed under the bars.
    """

    data: str
    gs1: bool
    hri: str


@dataclass(frozen=True)
class LabelContent:
    """One label: `code` names it (file names, messages), `lines` are plain text for people
    on the dock (top first), `symbols` the barcodes (top first; an SSCC is always last)."""

    code: str
    lines: tuple[str, ...]
    symbols: tuple[Symbol, ...]

    @property
    def gs1(self) -> bool:
        return any(symbol.gs1 for symbol in self.symbols)


def code_content(code: str, title: str | None = None) -> LabelContent:
    """A Code 128 label of `code` exactly as given (a location, a badge `B:…`, a plain unit)."""
    check_code(code)
    title_line = _one_line(title or "")
    return LabelContent(code, (title_line,) if title_line else (), (Symbol(code, False, code),))


def unit_content(unit: Unit, *, order: str | None = None, lane: str | None = None) -> LabelContent:
    """The label of a unit: GS1 logistic label with an SSCC or GTIN, else a Code 128 of its
    code; either way with its code, item, quantity, order and lane in plain text.

    LabelError (one line) when a GS1 field cannot be encoded (wrong check digit, a lot
    outside GS1's character set, …): such a unit needs its data corrected, not a label
    that scans as something else.
    """
    lines = _people_lines(unit, order, lane)
    if not unit.sscc and not unit.gtin:
        check_code(unit.code)
        return LabelContent(unit.code, lines, (Symbol(unit.code, False, unit.code),))
    fields = _element_strings(unit)
    symbols: list[Symbol] = []
    if unit.sscc:
        contents, sscc = fields[:-1], fields[-1:]
        symbols = [*_pack(unit, contents), *_pack(unit, sscc)]
    else:
        symbols = _pack(unit, fields)
    if unit.parent and not unit.sscc and not unit.serial:
        # A kitting split's child has its parent's GTIN and lot: the GS1 symbol names both
        # units, so the child's own code goes on too, as the one scan that names it alone.
        check_code(unit.code)
        symbols.append(Symbol(unit.code, False, unit.code))
    return LabelContent(unit.code, lines, tuple(symbols))


def staged_lane(unit: Unit) -> str | None:
    """Where a staged unit waits (its lane or kitting area), for the label; None otherwise."""
    return unit.location if unit.state == UnitState.STAGED else None


def _people_lines(unit: Unit, order: str | None, lane: str | None) -> tuple[str, ...]:
    # Codes come from imports and the feed: nothing but one line of letters reaches paper.
    quantity = f"{unit.quantity} {_one_line(unit.uom)}" if unit.uom else str(unit.quantity)
    lines = [_one_line(unit.code), f"Item {_one_line(unit.item)}  Qty {quantity}"]
    if order:
        lines.append(f"Order {_one_line(order)}")
    if lane:
        lines.append(f"Lane {_one_line(lane)}")
    # Last, because a small label cuts from the end, and the barcode text has both anyway.
    batch = [f"Lot {_one_line(unit.lot)}"] if unit.lot else []
    batch += [f"Expiry {unit.expiry.isoformat()}"] if unit.expiry else []
    if batch:
        lines.append("  ".join(batch))
    return tuple(lines)


def _element_strings(unit: Unit) -> list[tuple[str, str]]:
    """(AI, value) pairs in label order; the SSCC, when there is one, last."""
    fields: list[tuple[str, str]] = []
    if unit.gtin:
        gtin = _gtin14(unit)
        # (02) names what a logistic unit holds and goes only with its (00); (01) names the
        # unit itself as a trade item.
        fields.append(("02" if unit.sscc else "01", gtin))
    if unit.gtin and unit.expiry is not None:
        fields.append(("17", unit.expiry.strftime("%y%m%d")))
    if unit.gtin and unit.sscc and unit.quantity > 0:
        fields.append(("37", str(unit.quantity)))
    if unit.gtin and unit.lot:
        fields.append(("10", unit.lot))
    # A serial number identifies one trade item: GS1 pairs (21) with (01) only.
    if unit.gtin and unit.serial and not unit.sscc:
        fields.append(("21", unit.serial))
    if unit.sscc:
        fields.append(("00", _sscc(unit)))
    for ai, value in fields:
        _check_value(unit, ai, value)
    return fields


def _gtin14(unit: Unit) -> str:
    gtin = unit.gtin or ""
    try:
        Gtin.parse(gtin)
    except ParseError as exc:
        raise LabelError(f"unit {_shown(unit.code)}: GTIN {_shown(gtin)}: {exc}") from None
    return gtin.zfill(14)


def _sscc(unit: Unit) -> str:
    sscc = unit.sscc or ""
    try:
        Sscc.parse(sscc)
    except ParseError as exc:
        raise LabelError(f"unit {_shown(unit.code)}: SSCC {_shown(sscc)}: {exc}") from None
    return sscc


_FIELD_NAMES = {"10": "lot", "21": "serial", "37": "quantity", "17": "expiry"}


def _check_value(unit: Unit, ai: str, value: str) -> None:
    pattern = GS1ApplicationIdentifier.extract(ai).pattern
    if not re.fullmatch(pattern, ai + value):
        what = _FIELD_NAMES.get(ai, f"AI ({ai})")
        raise LabelError(
            f"unit {_shown(unit.code)}: {what} {_shown(value)} cannot go in a GS1 barcode "
            f"(AI ({ai}) takes {GS1ApplicationIdentifier.extract(ai).format})"
        )


def element_string(fields: Sequence[tuple[str, str]]) -> str:
    """The scanner text of these fields in one symbol: GS after each variable-length field
    that another field follows."""
    parts = []
    for position, (ai, value) in enumerate(fields):
        parts.append(ai + value)
        last = position == len(fields) - 1
        if not last and GS1ApplicationIdentifier.extract(ai).separator_required:
            parts.append(GS)
    return "".join(parts)


def _pack(unit: Unit, fields: Sequence[tuple[str, str]]) -> list[Symbol]:
    """As few symbols as hold `fields` in order, each narrow enough for the label."""
    symbols: list[Symbol] = []
    current: list[tuple[str, str]] = []
    for field in fields:
        if current and not fits_one_symbol(element_string([*current, field]), gs1=True):
            symbols.append(_gs1_symbol(unit, current))
            current = []
        current.append(field)
    if current:
        symbols.append(_gs1_symbol(unit, current))
    return symbols


def _gs1_symbol(unit: Unit, fields: Sequence[tuple[str, str]]) -> Symbol:
    data = element_string(fields)
    if not fits_one_symbol(data, gs1=True):
        raise LabelError(f"unit {_shown(unit.code)}: {fields[0][1]!a} is too long for a label")
    # Read back as a scanner's text would be: the label must scan as exactly these fields.
    parsed = biip.parse("]C1" + data)
    message = parsed.gs1_message
    if message is None or [(e.ai.ai, e.value) for e in message.element_strings] != list(fields):
        why = parsed.gs1_message_error or "reads back differently"
        raise LabelError(f"unit {_shown(unit.code)}: cannot make its GS1 barcode: {why}")
    return Symbol(data, True, message.as_hri())
