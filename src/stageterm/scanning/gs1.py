"""GS1 unit labels: element strings, hand-typed HRI, Digital Link URIs and bare GTIN/SSCC numbers.

All parsing and check-digit validation is biip's; this module only decides which biip
parser to call, maps the element strings onto `UnitScan`, and turns biip's failures
into sentences an operator can act on. Every function returns a `UnitScan`, a
`ScanError`, or None for "not GS1 after all, treat it as a plain code".
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from biip import ParseConfig, ParseError
from biip.checksums import gs1_standard_check_digit
from biip.gs1_application_identifiers import GS1ApplicationIdentifier
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_element_strings import GS1ElementString
from biip.gs1_messages import GS1Message
from biip.gtin import Gtin
from biip.sscc import Sscc
from biip.symbology import GS1Symbology, SymbologyIdentifier

from stageterm.scanning.hostile import GS, clean_for_display
from stageterm.scanning.scans import ScanError, UnitScan

# AIs that identify the thing itself. A scan that only *looks* like GS1 must carry one
# of these before we believe it; otherwise "1000" would be read as batch "00".
PRIMARY_AIS = frozenset({"00", "01", "02"})
_GTIN_LENGTHS = frozenset({8, 12, 13, 14})
_SSCC_LENGTH = 18
_HRI_START = re.compile(r"\(\d{2,4}\)")
_HRI_AI = re.compile(r"\((\d+)\)")
_BIIP_AI = re.compile(r"GS1 AI \((\d+)\)")
# Only used to tell "wrong date" from "wrong format" when explaining a failure.
_LENIENT_DATES = ParseConfig(gs1_element_strings_verify_date=False)


def _symbology_kind(symbology: str | None) -> GS1Symbology | None:
    if symbology is None:
        return None
    try:
        return SymbologyIdentifier.extract(symbology).gs1_symbology
    except (ParseError, ValueError):
        # An identifier biip does not know (e.g. "]Xa"): it still says "not GS1".
        return None


def is_gs1_symbology(symbology: str | None) -> bool:
    """True for AIM identifiers that promise GS1 element strings (]C1, ]d2, ]Q3, ]e0, ]J1)."""
    return _symbology_kind(symbology) in GS1Symbology.with_gs1_messages()


def _is_gtin_symbology(symbology: str | None) -> bool:
    """True for EAN/UPC/ITF-14 identifiers, whose data is a GTIN and nothing else."""
    return _symbology_kind(symbology) in GS1Symbology.with_gtin()


def looks_like_hri(text: str) -> bool:
    """Hand-typed human-readable form, such as "(01)09501101530003(10)LOT1"."""
    return _HRI_START.match(text) is not None


def _field_name(ai: GS1ApplicationIdentifier) -> str:
    return f"GS1 field ({ai.ai}) {ai.data_title}"


def _check_digit_problem(kind: str, value: str) -> str:
    if (
        len(value) > 1
        and value.isascii()
        and value.isdecimal()
        and gs1_standard_check_digit(value[:-1]) != int(value[-1])
    ):
        return f"{kind} check digit is wrong: {clean_for_display(value, 24)}"
    return f"{kind} is not valid: {clean_for_display(value, 24)}"


def _element_problem(element: GS1ElementString) -> str | None:
    # biip validates GTIN/SSCC/GLN inside element strings but reports the failure in a
    # field instead of raising, so a wrong check digit has to be looked for here.
    for kind, error in (
        ("GTIN", element.gtin_error),
        ("SSCC", element.sscc_error),
        ("GLN", element.gln_error),
    ):
        if error is not None:
            return _check_digit_problem(kind, element.value)
    if not element.value:
        return f"{_field_name(element.ai)} has no data"
    if not (element.value.isascii() and element.value.isprintable()):
        # Numeric AIs match any Unicode digit, and a Digital Link can percent-encode
        # anything; GS1 data is printable ASCII, so the rest is refused here.
        shown = clean_for_display(element.value, 24)
        return f"{_field_name(element.ai)} has characters GS1 does not allow: {shown}"
    return None


def _unit_from_elements(
    raw: str,
    elements: Iterable[GS1ElementString],
    *,
    symbology: str | None,
    code: str | None,
) -> UnitScan | ScanError:
    by_ai: dict[str, GS1ElementString] = {}
    for element in elements:
        problem = _element_problem(element)
        if problem is not None:
            return ScanError(raw, problem)
        ai = element.ai.ai
        first = by_ai.setdefault(ai, element)
        if first.value != element.value:
            # GS1 forbids one AI twice with different values: the label contradicts itself.
            return ScanError(raw, f"{_field_name(element.ai)} appears twice with different values")
    if not by_ai:
        return ScanError(raw, "GS1 label has no data")

    def value(ai: str) -> str | None:
        element = by_ai.get(ai)
        return None if element is None else element.value

    # 02 (GTIN of the contents) identifies the goods when the label has no 01;
    # 37 (count in a logistic unit) is the usual count, 30 (variable count) the fallback.
    gtin_ai = "01" if "01" in by_ai else "02"
    count_ai = "37" if "37" in by_ai else "30"
    used = {"00", "10", "17", "21", gtin_ai, count_ai}
    expiry = by_ai["17"].date if "17" in by_ai else None
    count = value(count_ai)
    return UnitScan(
        raw=raw,
        code=code,
        sscc=value("00"),
        gtin=value(gtin_ai),
        lot=value("10"),
        serial=value("21"),
        expiry=expiry,
        count=int(count) if count is not None else None,
        symbology=symbology,
        extra=tuple((ai, e.value) for ai, e in by_ai.items() if ai not in used),
        is_gs1=True,
    )


def _explain_field(ai: GS1ApplicationIdentifier, data: str) -> str:
    shown = clean_for_display(data, 24)
    if not data:
        return f"{_field_name(ai)} has no data"
    try:
        GS1ElementString.extract(ai.ai + data, config=_LENIENT_DATES)
    except (ParseError, ValueError):
        return f"{_field_name(ai)} has the wrong format (expected {ai.format}): {shown}"
    # It parses once dates are not checked, so the date itself is impossible.
    return f"{_field_name(ai)} is not a real date: {shown}"


def _explain_element_failure(text: str) -> str:
    """Say which field of an element string biip could not read, walking it as biip does."""
    rest = text.lstrip(GS)
    while rest:
        try:
            ai = GS1ApplicationIdentifier.extract(rest)
        except ParseError:
            return f"Unknown GS1 field at: {clean_for_display(rest, 24)}"
        try:
            element = GS1ElementString.extract(rest)
        except (ParseError, ValueError):
            return _explain_field(ai, rest[len(ai.ai) :].split(GS, 1)[0])
        rest = rest[len(element) :].lstrip(GS)
    return "GS1 data could not be read"


def unit_from_element_string(
    raw: str, text: str, *, symbology: str | None, declared: bool, code: str | None
) -> UnitScan | ScanError | None:
    """A GS1 element string with GS separators (or none), leading GS already dropped.

    `declared` means the scan said it is GS1 (AIM identifier, a real GS): then every
    failure is an error. Otherwise GS1 is only a guess from the shape, and anything but
    a clean parse with an SSCC or GTIN gives None so the text stays a plain code.
    """
    if not declared and not (text[:2].isascii() and text[:2].isdigit()):
        return None  # every AI starts with two digits
    if not text.isascii():
        return ScanError(raw, "GS1 data may only hold plain ASCII characters") if declared else None
    try:
        message = GS1Message.parse(text)
    except (ParseError, ValueError):
        return ScanError(raw, _explain_element_failure(text)) if declared else None
    if not declared and not any(e.ai.ai in PRIMARY_AIS for e in message.element_strings):
        return None
    return _unit_from_elements(raw, message.element_strings, symbology=symbology, code=code)


def unit_from_hri(raw: str, text: str, *, symbology: str | None) -> UnitScan | ScanError:
    """Hand-typed "(01)09501101530003(10)LOT1(17)261231"; spaces between parts are ignored."""
    if not text.isascii():
        return ScanError(raw, "GS1 data may only hold plain ASCII characters")
    try:
        message = GS1Message.parse_hri(text)
    except (ParseError, ValueError):
        # Rewrite "(10)" as GS + "10" so the element-string walker can point at the field.
        as_elements = _HRI_AI.sub(GS + r"\1", "".join(text.split()))
        return ScanError(raw, _explain_element_failure(as_elements))
    return _unit_from_elements(raw, message.element_strings, symbology=symbology, code=None)


def unit_from_digital_link(raw: str, text: str, *, symbology: str | None) -> UnitScan | ScanError:
    """A GS1 Digital Link URI on any host, e.g. https://id.gs1.org/01/09501101530003/10/ABC."""
    shown = clean_for_display(text)
    if not text.isascii():
        return ScanError(raw, f"Web address has characters outside plain ASCII: {shown}")
    try:
        link = GS1DigitalLinkURI.parse(text)
    except (ParseError, ValueError) as exc:
        reason = str(exc)
        if "primary identifier" in reason:
            return ScanError(raw, f"Web address is not a GS1 Digital Link: {shown}")
        # biip names the AI it choked on; say which field that is when we can.
        found = _BIIP_AI.search(reason)
        if found is not None:
            try:
                ai = GS1ApplicationIdentifier.extract(found.group(1))
            except ParseError:
                pass
            else:
                return ScanError(raw, f"{_field_name(ai)} in the Digital Link is not valid")
        return ScanError(raw, f"GS1 Digital Link could not be read: {shown}")
    return _unit_from_elements(raw, link.element_strings, symbology=symbology, code=None)


def unit_from_bare_number(
    raw: str, digits: str, *, symbology: str | None
) -> UnitScan | ScanError | None:
    """A GTIN or SSCC on its own (EAN-13 on a carton, an SSCC typed from the label).

    Read as GS1 only when the check digit holds, since a site's own numeric codes can
    have the same length; `code` keeps the number so those are still found. Under an
    EAN/UPC/ITF-14 identifier the data can only be a GTIN, so a bad check digit is an error.
    """
    if not (digits.isascii() and digits.isdigit()):
        return None
    if len(digits) in _GTIN_LENGTHS:
        try:
            gtin = Gtin.parse(digits)
        except ParseError:
            if _is_gtin_symbology(symbology):
                return ScanError(raw, _check_digit_problem("GTIN", digits))
            return None
        return UnitScan(
            raw=raw, code=digits, gtin=gtin.as_gtin_14(), symbology=symbology, is_gs1=True
        )
    if len(digits) == _SSCC_LENGTH:
        try:
            sscc = Sscc.parse(digits)
        except ParseError:
            return None
        return UnitScan(raw=raw, code=digits, sscc=sscc.value, symbology=symbology, is_gs1=True)
    return None
