"""One cell of master data: how text, numbers, dates, choices and GS1 keys are checked.

Each check takes the raw value as it came (CSV text, a JSON value, a feed's item) and
returns the value to store, or raises `CellError` with the sentence that ends up after
`FILE:LINE: `. The models in `intake/rows.py` attach these checks to their columns.

GS1 keys (GTIN, SSCC) and the lot and serial of a unit with a GTIN are checked with
biip, the same library that reads them off a scanned label, so a key the import takes is
a key a scanner can find.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from biip import ParseError
from biip.checksums import gs1_standard_check_digit
from biip.gs1_application_identifiers import GS1ApplicationIdentifier
from biip.gtin import Gtin
from biip.sscc import Sscc

# The widest a cell may be: the width of the column it is written to (see the first
# migration), so that every database takes what the check let through.
MAX_FIELD = 64
FIELD_WIDTH = {"name": 200, "uom": 16}
# quantity and capacity are INTEGER columns: 32-bit signed on PostgreSQL, so a larger
# number would pass here and fail (or, on SQLite, overflow) in the write.
INT_COLUMN_MAX = 2**31 - 1
# What a lot (AI 10) or serial (AI 21) may hold, as biip knows it: GS1 character set 82,
# 1 to 20 characters. A unit with a GTIN is found by GTIN + lot + serial from its label.
_GS1_LOT = re.compile(GS1ApplicationIdentifier.extract("10").pattern)
_GS1_SERIAL = re.compile(GS1ApplicationIdentifier.extract("21").pattern)
GS1_TEXT_MAX = 20
_WHOLE_NUMBER = re.compile(r"-?[0-9]+")


class CellError(ValueError):
    """A cell that cannot be taken: the reason, naming the column."""


def cell(value: Any, column: str) -> str | None:
    """The cell as stripped text; None when empty. JSON numbers and booleans become text."""
    if value is None:
        return None
    if isinstance(value, dict | list):
        raise CellError(f"{column} is a JSON {type(value).__name__}, not a value")
    text = value if isinstance(value, str) else str(value)
    text = text.strip()
    return text or None


def text(value: Any, column: str) -> str | None:
    """Printable text no wider than its column, or None."""
    found = cell(value, column)
    if found is None:
        return None
    width = FIELD_WIDTH.get(column, MAX_FIELD)
    if len(found) > width:
        raise CellError(f"{column} is longer than {width} characters")
    if not found.isprintable():
        raise CellError(f"{column} has {_unprintable(found)}")
    return found


def required(value: Any, column: str) -> str:
    found = text(value, column)
    if found is None:
        raise CellError(f"{column} is empty")
    return found


def _unprintable(value: str) -> str:
    """What kind of text a cell must not have (it would reach screens and scans as-is)."""
    if any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        return "characters that are not valid text"  # "\udcff" in JSON
    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in value):
        return "control characters"  # escape sequences, NUL, DEL, C1 such as CSI
    return "invisible or unprintable characters"  # bidi overrides, zero-width space


def whole_number(
    value: Any, column: str, *, minimum: int = 0, maximum: int = INT_COLUMN_MAX
) -> int | None:
    """A whole number in [minimum, maximum], written in ASCII digits, or None."""
    found = text(value, column)
    if found is None:
        return None
    # int() would also take "1_000", "٣" and "³"-free look-alikes; a quantity is plain digits.
    if not _WHOLE_NUMBER.fullmatch(found):
        raise CellError(f"{column} {found!r} is not a whole number")
    number = int(found)
    if number < minimum:
        raise CellError(f"{column} must be at least {minimum}")
    if number > maximum:
        raise CellError(f"{column} {found} is too large (at most {maximum})")
    return number


def choice(value: Any, column: str, allowed: Iterable[str], default: str | None = None) -> str:
    found = text(value, column) or default
    choices = list(allowed)
    if found not in choices:
        raise CellError(f"{column} {found!r} is not one of {', '.join(choices)}")
    return found


def day(value: Any, column: str) -> date | None:
    found = text(value, column)
    if found is None:
        return None
    try:
        return date.fromisoformat(found)
    except ValueError:
        raise CellError(f"{column} {found!r} is not a date (YYYY-MM-DD)") from None


def moment(value: Any, column: str) -> datetime | None:
    """An ISO 8601 date-time; without an offset it is the site's local time."""
    found = text(value, column)
    if found is None:
        return None
    try:
        parsed = datetime.fromisoformat(found)
    except ValueError:
        raise CellError(f"{column} {found!r} is not a date-time (YYYY-MM-DDTHH:MM)") from None
    return parsed if parsed.tzinfo else parsed.astimezone()


# -- GS1 keys -------------------------------------------------------------------------------


def gtin(value: Any, column: str = "gtin") -> str | None:
    """A GTIN-8, -12, -13 or -14 with a right check digit, kept as GTIN-14; or None."""
    found = text(value, column)
    if found is None:
        return None
    if (problem := _gtin_problem(found)) is not None:
        raise CellError(f"{column} {problem}")
    return found.zfill(14)


def sscc(value: Any, column: str = "sscc") -> str | None:
    """An 18-digit SSCC with a right check digit, or None."""
    found = text(value, column)
    if found is None:
        return None
    _ascii_digits(found, column)
    if len(found) != 18:
        raise CellError(f"{column} {found!r} is not 18 digits")
    try:
        Sscc.parse(found)
    except ParseError:
        raise CellError(f"{column} {_wrong_check_digit(found)}") from None
    return found


# A file of 100k units carries a few hundred products: each GTIN is parsed once.
@lru_cache(maxsize=4096)
def _gtin_problem(found: str) -> str | None:
    if not (found.isascii() and found.isdigit()):
        return f"{found!r} is not made of the digits 0-9 only"
    if len(found) not in (8, 12, 13, 14):
        return f"{found!r} is not 8, 12, 13 or 14 digits"
    try:
        Gtin.parse(found)
    except ParseError:
        return _wrong_check_digit(found)
    return None


def _ascii_digits(value: str, column: str) -> None:
    # biip (str.isdecimal) takes Arabic-Indic and other script digits; no label carries them.
    if not (value.isascii() and value.isdigit()):
        raise CellError(f"{column} {value!r} is not made of the digits 0-9 only")


def _wrong_check_digit(value: str) -> str:
    right = gs1_standard_check_digit(value[:-1])
    return f"{value!r} has a wrong check digit (it would end in {right})"


def gs1_lot_or_serial(value: str | None, column: str) -> None:
    """A lot or serial of a unit with a GTIN: GS1 character set 82, 1 to 20 characters."""
    if value is None:
        return
    if len(value) > GS1_TEXT_MAX:
        raise CellError(
            f"{column} is longer than {GS1_TEXT_MAX} characters (GS1's limit for a unit with a gtin)"
        )
    pattern, ai = (_GS1_LOT, "10") if column == "lot" else (_GS1_SERIAL, "21")
    if not pattern.fullmatch(ai + value):
        raise CellError(
            f"{column} {value!r} has characters outside GS1 character set 82 "
            "(letters, digits and !\"%&'()*+,-./:;<=>?_ only, for a unit with a gtin)"
        )
