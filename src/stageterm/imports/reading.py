"""Reading import files (CSV with a header row, or JSON lists) and checking their cells."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

COLUMNS: dict[str, tuple[str, ...]] = {
    "locations": ("code", "kind", "name", "customer", "route", "carrier", "capacity", "work_order"),
    "units": (
        "code",
        "item",
        "gtin",
        "lot",
        "serial",
        "sscc",
        "quantity",
        "uom",
        "expiry",
        "quality",
        "location",
        "order",
    ),
    "orders": ("ref", "kind", "customer", "route", "carrier", "due_at", "item", "quantity"),
    "operators": ("badge", "name", "role", "pin"),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "locations": ("code", "kind"),
    "units": ("code", "item", "quantity"),
    "orders": ("ref", "kind"),
    "operators": ("badge", "name", "role"),
}
# The widest a cell may be: the width of the column it is written to (see the first
# migration), so that every database takes what the check let through.
MAX_FIELD = 64
FIELD_WIDTH = {"name": 200, "uom": 16}
MAX_ROWS = 1_000_000
# A file is read whole; past this it is refused unread (a device, a log, a wrong file).
MAX_FILE_BYTES = 100_000_000


class ImportFailed(ValueError):
    """A bad file or row: `FILE:LINE: reason` lines, nothing written."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


Row = dict[str, str | None]


def read_rows(path: Path, kind: str) -> list[tuple[int, Row]]:
    """(line, row) pairs from a CSV (header row) or JSON (list of objects) file."""
    name = path.name
    try:
        with path.open("rb") as file:
            # Bounded: /dev/zero or a mistaken multi-gigabyte file must not fill memory.
            data = file.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError as exc:
        raise ImportFailed([f"{name}: no such file"]) from exc
    except OSError as exc:
        raise ImportFailed([f"{name}: cannot read: {exc.__class__.__name__}"]) from exc
    if len(data) > MAX_FILE_BYTES:
        raise ImportFailed(
            [f"{name}: larger than {MAX_FILE_BYTES // 1_000_000} MB; split it into smaller files"]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFailed(
            [f"{name}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x}); save it as UTF-8"]
        ) from exc
    if path.suffix.lower() == ".json" or text.lstrip().startswith("["):
        return _json_rows(name, text, kind)
    return _csv_rows(name, text, kind)


def _json_rows(name: str, text: str, kind: str) -> list[tuple[int, Row]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFailed([f"{name}:{exc.lineno}: not valid JSON: {exc.msg}"]) from exc
    except RecursionError as exc:
        raise ImportFailed([f"{name}: JSON nested too deeply to read"]) from exc
    except ValueError as exc:  # an integer of more than 4300 digits (sys.int_info)
        raise ImportFailed([f"{name}: JSON cannot be read: {str(exc).split(':')[0]}"]) from exc
    if not isinstance(data, list):
        raise ImportFailed([f"{name}: JSON must be a list of objects"])
    rows = []
    for index, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise ImportFailed([f"{name}:{index}: not an object"])
        _check_columns(name, index, list(item), kind)
        for key, value in item.items():
            if isinstance(value, dict | list):
                raise ImportFailed(
                    [f"{name}:{index}: {key} is a JSON {type(value).__name__}, not a value"]
                )
        rows.append((index, {k: _cell(v) for k, v in item.items()}))
    return rows


def _csv_rows(name: str, text: str, kind: str) -> list[tuple[int, Row]]:
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ImportFailed([f"{name}:1: empty file, expected a header row"]) from None
    except csv.Error as exc:
        raise ImportFailed([f"{name}:1: {exc}"]) from exc
    _check_columns(name, 1, header, kind)
    rows = []
    ended = reader.line_num  # the line the previous record ended on
    try:
        for values in reader:
            # A quoted cell may hold a line break: a row is named by the line it starts on.
            line, ended = ended + 1, reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                raise ImportFailed(
                    [f"{name}:{line}: {len(values)} cells, header has {len(header)}"]
                )
            rows.append((line, {h: _cell(v) for h, v in zip(header, values, strict=True)}))
            if len(rows) > MAX_ROWS:
                raise ImportFailed([f"{name}:{line}: more than {MAX_ROWS} rows"])
    except csv.Error as exc:
        raise ImportFailed([f"{name}:{reader.line_num}: {exc}"]) from exc
    return rows


def _check_columns(name: str, line: int, columns: list[str], kind: str) -> None:
    unknown = [c for c in columns if c not in COLUMNS[kind]]
    if unknown:
        shown = ", ".join(repr(c[:40]) for c in unknown[:5])
        raise ImportFailed(
            [f"{name}:{line}: unknown column {shown}; {kind} takes {','.join(COLUMNS[kind])}"]
        )


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


# -- checking one row -------------------------------------------------------------------------


class RowError(ValueError):
    pass


def _text(row: Row, key: str, kind: str) -> str | None:
    value = row.get(key)
    if value is None:
        if key in REQUIRED[kind]:
            raise RowError(f"{key} is empty")
        return None
    width = FIELD_WIDTH.get(key, MAX_FIELD)
    if len(value) > width:
        raise RowError(f"{key} is longer than {width} characters")
    if not value.isprintable():
        raise RowError(f"{key} has {_unprintable(value)}")
    return value


def _unprintable(value: str) -> str:
    """What kind of text a cell must not have (it would reach screens and scans as-is)."""
    if any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        return "characters that are not valid text"  # "\udcff" in JSON
    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in value):
        return "control characters"  # escape sequences, NUL, DEL, C1 such as CSI
    return "invisible or unprintable characters"  # bidi overrides, zero-width space


def _int(row: Row, key: str, kind: str, minimum: int = 0) -> int | None:
    value = _text(row, key, kind)
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        raise RowError(f"{key} {value!r} is not a whole number") from None
    if number < minimum:
        raise RowError(f"{key} must be at least {minimum}")
    return number


def _choice(
    row: Row, key: str, kind: str, allowed: Iterable[str], default: str | None = None
) -> str:
    value = _text(row, key, kind) or default
    choices = list(allowed)
    if value not in choices:
        raise RowError(f"{key} {value!r} is not one of {', '.join(choices)}")
    return value


def _date(row: Row, key: str, kind: str) -> date | None:
    value = _text(row, key, kind)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise RowError(f"{key} {value!r} is not a date (YYYY-MM-DD)") from None


def _datetime(row: Row, key: str, kind: str) -> datetime | None:
    value = _text(row, key, kind)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise RowError(f"{key} {value!r} is not a date-time (YYYY-MM-DDTHH:MM)") from None
    return moment if moment.tzinfo else moment.astimezone()
