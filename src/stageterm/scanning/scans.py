"""What a scan can turn out to be: the scan types, the scanner settings and their JSON form.

Pure data. `classify` (in `classify.py`) produces these; services and the terminal UI
consume them. Every text field holds plain text, never markup: whoever shows it on a
screen renders it literally.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

# The command barcodes the floor uses. Printed as "@UNDO" etc.; matched case-insensitively.
COMMANDS: frozenset[str] = frozenset(
    {
        "UNDO",
        "UNSTAGE",
        "DONE",
        "CANCEL",
        "LANES",
        "HELP",
        "SIGNOUT",
        "HOLD",
        "RELEASE",
        "ISSUE",
        "LOAD",
        "PRINT",
    }
)


@dataclass(frozen=True, slots=True)
class ScannerSettings:
    """How the site's scanners are set up. Defaults fit a scanner straight out of the box."""

    gs_substitutes: tuple[str, ...] = ("|", "~", "<GS>")
    """Visible stand-ins some keyboard wedges send for the GS separator (ASCII 29).

    None of these can occur inside GS1 data, so reading them as separators is safe.
    Empty strings are ignored."""

    prefix: str = ""
    """Stripped from the start of a scan when present (a scanner-configured preamble)."""

    suffix: str = ""
    """Stripped from the end of a scan when present (before that, one CR/LF/Tab is dropped)."""

    badge_prefix: str = "B:"
    """Operator badge labels encode "B:<badge>". Matched case-insensitively; "" turns it off."""

    location_prefix: str = "L:"
    """Location labels may encode "L:<code>". Plain codes that match a known location are
    resolved by the services, not here. Matched case-insensitively; "" turns it off."""

    max_length: int = 512
    """Longer input is an error and is never parsed (a stuck key, a pasted file)."""


@dataclass(frozen=True, slots=True)
class LocationScan:
    raw: str
    code: str


@dataclass(frozen=True, slots=True)
class BadgeScan:
    raw: str
    badge: str


# Commands a reason may follow in the same scan, "@HOLD wet pallet" (a printed reason
# barcode, or typed): the rest of the scan after a space or a colon.
REASON_COMMANDS: frozenset[str] = frozenset({"HOLD", "RELEASE"})
REASON_LIMIT = 200


@dataclass(frozen=True, slots=True)
class CommandScan:
    raw: str
    command: str  # one of COMMANDS, upper case
    reason: str | None = None  # for REASON_COMMANDS: what followed the command


@dataclass(frozen=True, slots=True)
class UnitScan:
    """A unit label: GS1 data, or a plain code the services look up.

    `code` is set for plain codes, for bare GTIN/SSCC numbers, and for element strings
    read as GS1 only because of their shape, so a site whose own codes happen to look
    like that still finds them. It is None when the scan declared itself GS1 element
    data (a GS1 AIM identifier, a real GS, a Digital Link, hand-typed "(01)...").
    `gtin` is always the 14-digit form.
    """

    raw: str
    code: str | None = None
    sscc: str | None = None
    gtin: str | None = None
    lot: str | None = None
    serial: str | None = None
    expiry: date | None = None
    count: int | None = None
    symbology: str | None = None  # AIM symbology identifier as sent, e.g. "]C1"
    extra: tuple[tuple[str, str], ...] = ()  # other AIs as (ai, value), e.g. ("400", "PO123")
    is_gs1: bool = False


@dataclass(frozen=True, slots=True)
class ScanError:
    raw: str
    message: str  # one printable line for the operator


Scan = LocationScan | UnitScan | BadgeScan | CommandScan | ScanError

_KINDS: dict[type, str] = {
    UnitScan: "unit",
    LocationScan: "location",
    BadgeScan: "badge",
    CommandScan: "command",
    ScanError: "error",
}


def scan_as_dict(scan: Scan) -> dict[str, object]:
    """The scan as a JSON-able dict: {"kind": ..., "raw": ..., then the type's own fields}.

    `expiry` becomes an ISO date, `extra` an object keyed by AI (a GS1 label cannot
    carry one AI twice with different values, so nothing is lost). Bytes that were
    not valid text in `raw` are written as backslash escapes, because a lone
    surrogate would crash any UTF-8 writer downstream.
    """
    out: dict[str, object] = {"kind": _KINDS[type(scan)]}
    for f in fields(scan):
        value = getattr(scan, f.name)
        if f.name == "raw":
            value = value.encode("utf-8", "backslashreplace").decode("utf-8")
        elif isinstance(value, date):
            value = value.isoformat()
        elif f.name == "extra":
            value = dict(value)
        elif f.name == "reason" and value is None:
            continue  # a command's reason only where one followed it
        out[f.name] = value
    return out
