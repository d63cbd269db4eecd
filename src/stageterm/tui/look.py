"""How things read on the floor: outcome words and symbols, dwell and aging markers, times.

Meaning is always carried by words and symbols; colour (a style name) only adds to it,
so the screens read the same with TERM=vt220, NO_COLOR or a monochrome handheld.
Everything that came from a scan, an import or upstream goes through `literal` and is
shown as plain text, never as markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.control import strip_control_codes
from rich.style import Style
from rich.text import Span, Text

from stageterm.domain.metrics import Aging, AgingThresholds, format_dwell
from stageterm.scanning import clean_for_display
from stageterm.services.results import Outcome


@dataclass(frozen=True)
class OutcomeLook:
    word: str  # the big word of the feedback panel
    tag: str  # four columns for the running list
    symbol: str
    css: str  # class of the feedback panel


OUTCOMES: dict[Outcome, OutcomeLook] = {
    Outcome.MOVED: OutcomeLook("OK", "OK  ", "+", "-ok"),
    Outcome.ALREADY_THERE: OutcomeLook("OK", "OK  ", "+", "-ok"),
    Outcome.TARGET: OutcomeLook("OK", "TGT ", "+", "-ok"),
    Outcome.INFO: OutcomeLook("INFO", "INFO", "i", "-info"),
    Outcome.NEEDS_APPROVAL: OutcomeLook("APPROVAL", "APPR", "?", "-approval"),
    Outcome.REFUSED: OutcomeLook("REFUSED", "REF ", "X", "-refused"),
    Outcome.ERROR: OutcomeLook("ERROR", "ERR ", "X", "-refused"),
}
NOT_TAKEN = OutcomeLook("REFUSED", "SKIP", "X", "-refused")

# Styles that survive 8 colours; bold and reverse survive NO_COLOR too.
STYLE_OK = Style(color="green", bold=True)
STYLE_WARN = Style(color="yellow", bold=True)
STYLE_BAD = Style(color="red", bold=True)
STYLE_DIM = Style(dim=True)
STYLE_HEAD = Style(bold=True, underline=True)

AGING = AgingThresholds()
AGING_MARKS: dict[Aging, tuple[str, str, Style]] = {
    Aging.FRESH: ("  ", "ok", STYLE_OK),
    Aging.AGING: ("! ", "AGING", STYLE_WARN),
    Aging.OLD: ("!!", "OLD", STYLE_BAD),
}


def literal(text: object, limit: int = 60) -> str:
    """Scanned or imported text as one printable line, for `Text(...)` (never markup)."""
    return clean_for_display("" if text is None else str(text), limit)


def dwell(seconds: int | None) -> str:
    return format_dwell(seconds)


def aging(seconds: int | None, thresholds: AgingThresholds = AGING) -> tuple[str, str, Style]:
    """(marker, word, style) for a dwell: "  ok", "! AGING", "!! OLD". The thresholds are the
    site's (STAGETERM_AGING_MINUTES, STAGETERM_OLD_MINUTES), handed to each screen."""
    return AGING_MARKS[thresholds.classify(seconds)]


def span(seconds: int) -> str:
    """A threshold as the legend says it: "2h", "1h30", "45m"."""
    hours, minutes = divmod(round(seconds / 60), 60)
    if not hours:
        return f"{minutes}m"
    return f"{hours}h{minutes:02d}" if minutes else f"{hours}h"


def clock(at: datetime | None, now: datetime, *, with_day: bool = False) -> str:
    """A time as the floor reads it, in the terminal's offset; the date when not today."""
    if at is None:
        return "-"
    local = at.astimezone(now.tzinfo)
    if with_day or local.date() != now.date():
        return local.strftime("%d %b %H:%M")
    return local.strftime("%H:%M")


def capacity(units: int, cap: int | None) -> tuple[str, Style | None]:
    """ "6/8" with a word when the lane is full or over: "8/8 FULL", "9/8 OVER"."""
    if not cap:
        return (str(units), None)
    if units > cap:
        return (f"{units}/{cap} OVER", STYLE_BAD)
    if units == cap:
        return (f"{units}/{cap} FULL", STYLE_WARN)
    return (f"{units}/{cap}", None)


def cells(*parts: tuple[str, int] | tuple[str, int, Style | None]) -> Text:
    """A row of fixed-width cells (text, width[, style]); negative width right-aligns."""
    # Made as one string and its spans: a third less time than appending cell by cell (a
    # board draws twenty rows of these on each refresh).
    plain: list[str] = []
    spans: list[Span] = []
    at = 0
    for index, part in enumerate(parts):
        text, width = part[0], part[1]
        style = part[2] if len(part) > 2 else None
        cell = text[: abs(width)]
        cell = strip_control_codes(cell.rjust(-width) if width < 0 else cell.ljust(width))
        if index:
            plain.append(" ")
            at += 1
        if style and cell:
            spans.append(Span(at, at + len(cell), style))
        plain.append(cell)
        at += len(cell)
    return Text("".join(plain), no_wrap=True, overflow="crop", spans=spans)
