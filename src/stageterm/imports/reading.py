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
MAX_FIELD = 200
MAX_ROWS = 1_000_000


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
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise ImportFailed([f"{name}: no such file"]) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportFailed([f"{name}: cannot read: {exc.__class__.__name__}"]) from exc
    if path.suffix.lower() == ".json" or text.lstrip().startswith("["):
        return _json_rows(name, text, kind)
    return _csv_rows(name, text, kind)


def _json_rows(name: str, text: str, kind: str) -> list[tuple[int, Row]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFailed([f"{name}:{exc.lineno}: not valid JSON: {exc.msg}"]) from exc
    if not isinstance(data, list):
        raise ImportFailed([f"{name}: JSON must be a list of objects"])
    rows = []
    for index, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise ImportFailed([f"{name}:{index}: not an object"])
        _check_columns(name, index, list(item), kind)
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
    try:
        for values in reader:
            line = reader.line_num
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
    if len(value) > MAX_FIELD:
        raise RowError(f"{key} is longer than {MAX_FIELD} characters")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise RowError(f"{key} has control characters")
    return value


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
