"""Raw scanner text in, one classified scan out: the order in which a scan is peeled and read.

Owns `classify`. The steps, in the order a keyboard wedge wraps the data:
terminator, configured prefix/suffix, hostile-text check, AIM symbology identifier,
then command barcode, badge, location, and finally unit (GS1 or plain code).
"""

from __future__ import annotations

import logging
import re

from stageterm.scanning import gs1
from stageterm.scanning.hostile import GS, clean_for_display, is_control, unprintable_problem
from stageterm.scanning.scans import (
    COMMANDS,
    REASON_COMMANDS,
    REASON_LIMIT,
    BadgeScan,
    CommandScan,
    LocationScan,
    Scan,
    ScanError,
    ScannerSettings,
    UnitScan,
)

logger = logging.getLogger(__name__)

DEFAULT_SETTINGS = ScannerSettings()
# What the operator sees if classification itself ever fails (a bug, logged as such).
UNREADABLE = "Scan could not be read; please scan again"

# CR LF counts as one terminator: Windows-style terminal clients send both for Enter.
_TERMINATORS = ("\r\n", "\r", "\n", "\t")
# AIM symbology identifier (ISO/IEC 15424): "]", a code letter, one modifier character.
_SYMBOLOGY = re.compile(r"\][A-Za-z][0-9A-Za-z]")
_URL = re.compile(r"https?://", re.IGNORECASE)


def classify(raw: str, settings: ScannerSettings = DEFAULT_SETTINGS) -> Scan:
    """Classify one raw scan. Never raises: anything unreadable becomes a `ScanError`."""
    try:
        return _classify(raw, settings)
    except Exception:
        # Every input we know of is handled above; this net exists because a scanner
        # must never take the terminal down. The log keeps the bug visible.
        logger.exception("scan could not be classified: %s", clean_for_display(str(raw)))
        return ScanError(raw=str(raw), message=UNREADABLE)


def _strip_terminator(text: str) -> str:
    for terminator in _TERMINATORS:
        if text.endswith(terminator):
            return text[: -len(terminator)]
    return text


# Blank, though controls: line ends and tabs (a terminator sent twice), and GS alone.
_BLANK_CONTROLS = frozenset("\r\n\t" + GS)


def _is_empty(text: str) -> bool:
    # Not str.isspace() alone: it counts FS, RS and US (ASCII 28-31) as space too, and a
    # scan of those is unreadable, not empty.
    return all(c in _BLANK_CONTROLS or (c.isspace() and not is_control(c)) for c in text)


def _classify(raw: str, settings: ScannerSettings) -> Scan:
    # Length first: nothing else should spend time on a pasted file or a stuck key.
    if len(raw) > settings.max_length:
        # The limit, not the length: a terminal stops keeping a scan just past the limit.
        return ScanError(raw, f"Scan is too long (limit {settings.max_length} characters)")
    text = _strip_terminator(raw)
    # Prefix/suffix before the hostile-text check: scanners are often set to wrap
    # data in STX/ETX, which are control characters we must not refuse.
    if settings.prefix and text.startswith(settings.prefix):
        text = text[len(settings.prefix) :]
    if settings.suffix and text.endswith(settings.suffix):
        text = text[: -len(settings.suffix)]
    if _is_empty(text):
        return ScanError(raw, "Empty scan")
    problem = unprintable_problem(text)
    if problem is not None:
        return ScanError(raw, problem)

    symbology: str | None = None
    found = _SYMBOLOGY.match(text)
    if found is not None:
        symbology = found.group()
        text = text[found.end() :]
    # Spaces around a hand-typed code are never part of it.
    text = text.strip(" ")
    if _is_empty(text):
        return ScanError(raw, "Empty scan")

    if text.startswith("@"):
        return _command(raw, text[1:])
    badge = _after_prefix(text, settings.badge_prefix)
    if badge is not None:
        if not badge:
            return ScanError(raw, "Badge barcode has no badge number")
        return _no_separator(raw, badge) or BadgeScan(raw, badge)
    location = _after_prefix(text, settings.location_prefix)
    if location is not None:
        if not location:
            return ScanError(raw, "Location barcode has no location code")
        return _no_separator(raw, location) or LocationScan(raw, location)
    return _unit(raw, text, symbology, settings)


# "@HOLD wet pallet", "@HOLD: wet pallet": a command word, a space or a colon, the reason.
_WITH_REASON = re.compile(r" *([A-Za-z]+)(?: *: *| +)(.+)")


def _command(raw: str, word: str) -> Scan:
    command = word.strip(" ").upper()
    if command in COMMANDS:
        return CommandScan(raw, command)
    with_reason = _WITH_REASON.match(word)
    head, rest = with_reason.groups() if with_reason else ("", "")
    if head.upper() in REASON_COMMANDS and (reason := " ".join(rest.split())):
        if len(reason) > REASON_LIMIT:
            return ScanError(raw, f"Reason too long (limit {REASON_LIMIT} characters)")
        return CommandScan(raw, head.upper(), reason)
    return ScanError(raw, f"Unknown command barcode @{clean_for_display(word.strip(' '), 30)}")


def _after_prefix(text: str, prefix: str) -> str | None:
    """The rest of `text` after `prefix` (any case), or None when it does not start with it."""
    if prefix and text[: len(prefix)].upper() == prefix.upper():
        return text[len(prefix) :].strip(" ")
    return None


def _no_separator(raw: str, value: str) -> ScanError | None:
    # GS only means something inside GS1 data; anywhere else it is line noise.
    if GS in value:
        return ScanError(
            raw, f"Scan has a GS separator but is not GS1 data: {clean_for_display(value)}"
        )
    return None


def _with_gs(text: str, substitutes: tuple[str, ...]) -> str:
    # Longest first, so "<GS>" is replaced whole even if "<" were configured too.
    for substitute in sorted((s for s in substitutes if s), key=len, reverse=True):
        text = text.replace(substitute, GS)
    return text


def _unit(raw: str, text: str, symbology: str | None, settings: ScannerSettings) -> Scan:
    if _URL.match(text):
        return gs1.unit_from_digital_link(raw, text, symbology=symbology)
    if gs1.looks_like_hri(text.lstrip(GS)):
        return gs1.unit_from_hri(raw, text.lstrip(GS), symbology=symbology)
    # A real GS can only come from FNC1 in a GS1 symbol; substitutes are printable and
    # could be part of a site's own code, so they alone do not make a scan GS1.
    declared = gs1.is_gs1_symbology(symbology) or GS in text
    body = _with_gs(text, settings.gs_substitutes).lstrip(GS)
    if not declared:
        bare = gs1.unit_from_bare_number(raw, body, symbology=symbology)
        if bare is not None:
            return bare
    unit = gs1.unit_from_element_string(
        raw, body, symbology=symbology, declared=declared, code=None if declared else text
    )
    if unit is not None:
        return unit
    return UnitScan(raw=raw, code=text, symbology=symbology)
