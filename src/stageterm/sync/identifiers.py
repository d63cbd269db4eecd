"""How units, places and orders are named upstream: GS1 Digital Link, SGLN, or site URIs.

Upstream joins our events to its own records by these names, so they follow GS1 where the
data allows (GS1 Digital Link for GTIN and SSCC, SGLN for locations when the site has a
GLN) and fall back to stable URIs under the site's own name otherwise. A GS1 name is only
made of a valid GS1 key (check digit, length) and values GS1 allows (CS82, at most 20
characters for a lot, serial or SGLN extension); anything else gets the site URI, so no
document ever carries a GS1 name that a GS1 parser would refuse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from urllib.parse import quote

from biip import ParseError
from biip.gs1_application_identifiers import GS1ApplicationIdentifier
from biip.gtin import Gtin
from biip.sscc import Sscc

DIGITAL_LINK = "https://id.gs1.org"
_SLUG_JUNK = re.compile(r"[^a-z0-9-]+")
# A GLN in EPC form: company prefix, a dot, location reference; 12 digits in all
# (the 13th, the check digit, is not part of an EPC URI).
_SGLN_PREFIX = re.compile(r"^(\d{6,12})\.(\d{0,6})$")
_UOM_CODE = re.compile(r"^[A-Z0-9]{2,3}$")

# Units of measure as operators write them, to UN/ECE Recommendation 20 codes (the only
# form EPCIS accepts in a quantityList). Counted things have no uom in EPCIS: a quantity
# without one is a count of instances.
_UOM_ALIASES = {
    "kg": "KGM",
    "g": "GRM",
    "t": "TNE",
    "l": "LTR",
    "ml": "MLT",
    "m": "MTR",
    "m2": "MTK",
    "m3": "MTQ",
    "lb": "LBR",
}
_COUNT_UOMS = frozenset(
    {"ea", "each", "pc", "pcs", "piece", "pieces", "unit", "units", "h87", "c62"}
)


class IdentifierError(ValueError):
    """Configuration that cannot name things upstream (a one-line reason)."""


def _ai_value(ai: str) -> re.Pattern[str]:
    """What GS1 allows as the value of `ai` (CS82 and its length), from biip's AI table."""
    pattern = GS1ApplicationIdentifier.extract(ai).pattern  # e.g. ^10([!%-?A-Z_a-z\x22]{1,20})$
    return re.compile("^" + pattern[1 + len(ai) :])


_LOT = _ai_value("10")
_SERIAL = _ai_value("21")
_SGLN_EXTENSION = _ai_value("254")

# GS1 Tag Data Standard (EPC URI, "Table A-1"): of the 82 characters an alphanumeric EPC
# component may hold, these seven are percent-encoded in the URI; the rest stay as they are.
_TDS_ESCAPES = str.maketrans(
    {'"': "%22", "%": "%25", "&": "%26", "/": "%2F", "<": "%3C", ">": "%3E", "?": "%3F"}
)


@lru_cache(maxsize=65536)  # the same lots and places recur in every batch
def quote_part(value: str) -> str:
    """One path segment, percent-encoded as GS1 Digital Link and RFC 3986 require.

    GS1 Digital Link (§7, URI syntax) percent-encodes every character of a value outside
    RFC 3986's unreserved set (letters, digits, `-._~`): `!`, `(`, `/`, `+` ... all of them.
    """
    return quote(value, safe="")


def epc_part(value: str) -> str:
    """A value in an EPC URI (an SGLN extension), escaped as the Tag Data Standard says."""
    return value.translate(_TDS_ESCAPES)


def is_lot(value: str | None) -> bool:
    """True when `value` can be a GS1 batch/lot (AI 10): CS82, 1 to 20 characters."""
    return bool(value) and _LOT.match(value or "") is not None


def is_serial(value: str | None) -> bool:
    """True when `value` can be a GS1 serial number (AI 21): CS82, 1 to 20 characters."""
    return bool(value) and _SERIAL.match(value or "") is not None


def is_sgln_extension(code: str) -> bool:
    """True when a location code can be an SGLN extension (AI 254): CS82, 1 to 20 characters."""
    return _SGLN_EXTENSION.match(code) is not None


@lru_cache(maxsize=65536)
def gtin14(value: str | None) -> str | None:
    """A GTIN as the 14 digits Digital Link wants, or None when `value` is not a valid GTIN.

    Valid: 8, 12, 13 or 14 ASCII digits with the right check digit (biip checks it).
    """
    if not value:
        return None
    digits = value.strip()
    if not digits.isascii() or not digits.isdigit() or len(digits) not in (8, 12, 13, 14):
        return None
    try:
        Gtin.parse(digits)
    except ParseError:
        return None  # a wrong check digit: not a GTIN, whatever it looks like
    return digits.zfill(14)


@lru_cache(maxsize=65536)
def sscc18(value: str | None) -> str | None:
    """An SSCC's 18 digits, or None when `value` is not a valid SSCC (length, check digit)."""
    if not value:
        return None
    digits = value.strip()
    if not (digits.isascii() and digits.isdigit() and len(digits) == 18):
        return None
    try:
        Sscc.parse(digits)
    except ParseError:
        return None
    return digits


def site_slug(site: str) -> str:
    """The site name as a DNS label: lower case letters, digits and hyphens."""
    slug = _SLUG_JUNK.sub("-", site.strip().lower()).strip("-")[:63].strip("-")
    return slug or "site"


@dataclass(frozen=True)
class Namer:
    """Names for one site. `sgln_prefix` (CompanyPrefix.LocationReference) turns on SGLNs."""

    site: str
    sgln_prefix: str = ""

    def __post_init__(self) -> None:
        if self.sgln_prefix:
            match = _SGLN_PREFIX.match(self.sgln_prefix.strip())
            if not match or len(match.group(1)) + len(match.group(2)) != 12:
                raise IdentifierError(
                    f"STAGETERM_SGLN_PREFIX {self.sgln_prefix!r} is not a GLN in EPC form: "
                    "write CompanyPrefix.LocationReference, 12 digits and a dot, e.g. 4012345.00001"
                )

    @cached_property
    def base(self) -> str:
        return f"https://{site_slug(self.site)}.stageterm.local"

    def location(self, code: str) -> str:
        """SGLN with the location code as its extension, else the site's own URI.

        A code that cannot be an SGLN extension (over 20 characters, or characters GS1 does
        not allow, such as a space or `#`) is named by the site URI, as a unit without a
        GTIN or SSCC is: an SGLN a GS1 parser refuses would be worse than none.
        """
        if self.sgln_prefix and is_sgln_extension(code):
            return f"urn:epc:id:sgln:{self.sgln_prefix.strip()}.{epc_part(code)}"
        return f"{self.base}/loc/{quote_part(code)}"

    def unit(self, code: str) -> str:
        return f"{self.base}/unit/{quote_part(code)}"

    def item(self, item: str) -> str:
        return f"{self.base}/item/{quote_part(item)}"

    def order(self, ref: str) -> str:
        return f"{self.base}/order/{quote_part(ref)}"


def gtin_class(gtin: str, lot: str | None) -> str:
    """Digital Link of a GTIN, or of one lot of it (an EPC class, for quantityList).

    A lot GS1 would refuse (see `is_lot`) is left out: the class is then the GTIN's, and
    the mapping says the lot in its own field.
    """
    uri = f"{DIGITAL_LINK}/01/{gtin}"
    return f"{uri}/10/{quote_part(lot)}" if lot and is_lot(lot) else uri


def gtin_instance(gtin: str, serial: str) -> str:
    """Digital Link of one serialised item (SGTIN): /01/gtin/21/serial, the canonical form.

    Only for a serial that `is_serial`; the mapping names other units by their site URI.
    """
    return f"{DIGITAL_LINK}/01/{gtin}/21/{quote_part(serial)}"


def sscc_instance(sscc: str) -> str:
    return f"{DIGITAL_LINK}/00/{sscc}"


def uom_code(uom: str | None) -> tuple[str | None, bool]:
    """(UN/ECE code or None, whether the uom was understood).

    A count (each, pieces) gives (None, True): EPCIS writes counts without a uom.
    """
    if not uom:
        return None, True
    text = uom.strip()
    if text.lower() in _COUNT_UOMS:
        return None, True
    if text.lower() in _UOM_ALIASES:
        return _UOM_ALIASES[text.lower()], True
    if _UOM_CODE.match(text):
        return text, True
    return None, False
