"""Reading import files: CSV with a header row, or a JSON list of objects, into numbered rows.

Only the file's shape is checked here (encoding, size, JSON syntax, cells per CSV row,
the CSV header's columns); what the cells say is checked by `intake/rows.py`, the same
for a file, a feed page or an inbox drop.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from pathlib import Path

from stageterm.intake.columns import unknown_columns

MAX_ROWS = 1_000_000
# A file is read whole; past this it is refused unread (a device, a log, a wrong file).
MAX_FILE_BYTES = 100_000_000

# One row as it came: column -> CSV text or JSON value.
Row = Mapping[str, object]


class ImportFailed(ValueError):
    """A bad file or row: `FILE:LINE: reason` lines, nothing written."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


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
        return _json_rows(name, text)
    return _csv_rows(name, text, kind)


def _json_rows(name: str, text: str) -> list[tuple[int, Row]]:
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
    if len(data) > MAX_ROWS:
        raise ImportFailed([f"{name}:{MAX_ROWS + 1}: more than {MAX_ROWS} rows"])
    rows: list[tuple[int, Row]] = []
    for index, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise ImportFailed([f"{name}:{index}: not an object"])
        rows.append((index, item))
    return rows


def _csv_rows(name: str, text: str, kind: str) -> list[tuple[int, Row]]:
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ImportFailed([f"{name}:1: empty file, expected a header row"]) from None
    except csv.Error as exc:
        raise ImportFailed([f"{name}:1: {exc}"]) from exc
    # Named once, on the header line, rather than on every row below it.
    if (problem := unknown_columns(kind, header)) is not None:
        raise ImportFailed([f"{name}:1: {problem}"])
    rows: list[tuple[int, Row]] = []
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
            rows.append((line, dict(zip(header, values, strict=True))))
            if len(rows) > MAX_ROWS:
                raise ImportFailed([f"{name}:{line}: more than {MAX_ROWS} rows"])
    except csv.Error as exc:
        raise ImportFailed([f"{name}:{reader.line_num}: {exc}"]) from exc
    return rows
