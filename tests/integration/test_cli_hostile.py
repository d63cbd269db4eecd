"""Hostile input on the command line (issue #7 item 6): the installed `stageterm` in a
subprocess, fed escape sequences, markup, control characters, bidi overrides, undecodable
bytes and oversized text through its arguments, import files, configuration and an
upstream's error answers.

What every test holds to: the exit code SPEC §5 gives; errors in one line; nothing a
terminal would act on in stdout or stderr (only printable characters and newlines, the
hostile text shown as escapes such as \\x1b); `--json` lines that parse and keep text
exactly; no traceback; and every row of every table as it was, where nothing should be
written. NUL cannot be passed in argv or the environment (the kernel ends a string at it),
so NUL is covered in import files.

Each CLI start costs over a second, so the cases are packed: one `scan` run carries every
hostile scan, one CSV carries a hostile cell per row.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from receiver import event_ids
from sqlalchemy import MetaData, select

from integration.helpers import seed_now
from stageterm.intake import import_rows
from stageterm.store.engine import open_store

# name -> (text, how the problem reads after "<What> " once shown safely)
HOSTILE: dict[str, tuple[str, str]] = {
    "csi": ("\x1b[2J", "has terminal escape sequences: \\x1b[2J"),
    "osc": ("\x1b]0;pwned\x07", "has terminal escape sequences: \\x1b]0;pwned\\x07"),
    "sgr": ("\x1b[31mRED\x1b[0m", "has terminal escape sequences: \\x1b[31mRED\\x1b[0m"),
    "c0": ("U\x01\x08\r\n1", "has control characters: U\\x01\\x08\\r\\n1"),
    "del": ("U\x7f1", "has control characters: U\\x7f1"),
    "c1": ("\x9b31mU", "has control characters: \\x9b31mU"),
    "bidi": ("\u202e1U", "has invisible or unprintable characters: \\u202e1U"),
    "bytes": (os.fsdecode(b"U\xff\xfe1"), "has bytes that are not valid text: U\\udcff\\udcfe1"),
    "long": ("U" * 100_000, "is too long (100000 characters; at most 64)"),
}
CLICK = "[@click=app.quit]boom"
RED = "[red]x[/]"
UNITS_HEADER = "code,item,gtin,lot,serial,sscc,quantity,uom,expiry,quality,location,order"


# -- running the CLI and judging what it printed --------------------------------------------


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str

    @property
    def out_lines(self) -> list[str]:
        return self.stdout.split("\n")[:-1] if self.stdout else []

    @property
    def err_lines(self) -> list[str]:
        return self.stderr.split("\n")[:-1] if self.stderr else []


def assert_terminal_safe(text: str) -> None:
    """Only printable characters and newlines: no ESC, C0/C1 control, bidi or stray byte."""
    bad = sorted({c for c in text if not (c.isprintable() or c == "\n")})
    assert not bad, f"raw characters reach the terminal: {bad!r} in {text[:300]!r}"


def stageterm(run_cli, *args: str, db: str, env: dict[str, str] | None = None) -> Ran:  # type: ignore[no-untyped-def]
    """The installed entry point (run_cli's isolated home and environment), output as
    bytes first: it must be UTF-8 and terminal-safe, whatever went in."""
    done = subprocess.run(
        [str(Path(sys.executable).parent / "stageterm"), *args],
        cwd=run_cli.home,
        env=run_cli.env(db, env),
        capture_output=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    ran = Ran(done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8"))
    assert "Traceback" not in ran.stderr, ran.stderr[-2000:]
    assert_terminal_safe(ran.stdout)
    assert_terminal_safe(ran.stderr)
    return ran


def database(url: str) -> dict[str, list[str]]:
    """Every row of every table, to show that a refused command wrote nothing."""
    store = open_store(url)
    try:
        with store.read() as session:
            meta = MetaData()
            meta.reflect(session.connection())
            return {
                name: sorted(repr(tuple(row)) for row in session.execute(select(table)))
                for name, table in meta.tables.items()
            }
    finally:
        store.dispose()


@pytest.fixture
def untouched(demo_db: str) -> Iterator[str]:
    """The demo database, checked unchanged when the test ends."""
    before = database(demo_db)
    yield demo_db
    assert database(demo_db) == before, "a refused command wrote to the database"


# -- scan --------------------------------------------------------------------------------------

SCAN_PROBLEMS = {
    name: f"Scan {shown}" for name, (_, shown) in HOSTILE.items() if name != "long"
} | {"long": "Scan is too long (limit 512 characters)"}


def each_acknowledged(raws: list[str]) -> list[str]:
    """Every scan followed by a bare Enter (""): after an error nothing is taken until the
    operator acknowledges it, on the command line as at the terminal."""
    return [part for raw in raws for part in (raw, "")]


ACKNOWLEDGED = "INFO: Refusal acknowledged."


def test_every_hostile_scan_is_an_escaped_error_and_nothing_changes(run_cli, untouched) -> None:  # type: ignore[no-untyped-def]
    raws = ["L-01", *each_acknowledged([*(text for text, _ in HOSTILE.values()), CLICK, RED])]
    ran = stageterm(run_cli, "scan", *raws, "--operator", "1001", db=untouched)
    assert ran.returncode == 2, ran.stderr  # the first failing scan: unreadable, bad input
    assert ran.stderr == ""
    assert [line for line in ran.out_lines if line != ACKNOWLEDGED] == [
        "TARGET: Target L-01 (ACME, NORTH). Scan units.",
        *(f"ERROR [unreadable-scan]: {SCAN_PROBLEMS[name]}" for name in HOSTILE),
        # Markup is printable text: a code like any other, unknown here, printed as-is.
        f"ERROR [unknown-unit]: Unit {CLICK} is not known here.",
        f"ERROR [unknown-unit]: Unit {RED} is not known here.",
    ]


def test_hostile_scans_as_json_lines_keep_the_text(run_cli, untouched) -> None:  # type: ignore[no-untyped-def]
    raws = each_acknowledged([*(text for text, _ in HOSTILE.values()), CLICK])
    ran = stageterm(run_cli, "scan", *raws, "--operator", "1001", "--json", db=untouched)
    assert ran.returncode == 2
    answers = [json.loads(line) for line in ran.out_lines]
    answers = [a for a in answers if a["code"] != "acknowledged"]
    assert [(a["outcome"], a["code"], a["message"]) for a in answers] == [
        *(("error", "unreadable-scan", SCAN_PROBLEMS[name]) for name in HOSTILE),
        ("error", "unknown-unit", f"Unit {CLICK} is not known here."),
    ]
    assert answers[-1]["unit"] == CLICK
    assert max(len(line) for line in ran.out_lines) < 1000  # the 100 kB scan is not echoed back


# Issue #16.8: a control inside a code makes the whole scan unreadable; nothing of it is
# dropped so that the rest reads as U00003 (NUL cannot be in argv: see the unit tests and
# tests/tui/test_scanfield.py for it).
AROUND_U00003 = [
    "\x9b31mU00003",  # C1 CSI
    "\x1b]0;PWNED\x07U00003",  # OSC ending in BEL
    "U00\x0b003",  # VT
    "U0000\x7f3",  # DEL
    "U00\r003",  # CR inside is no end
    "U00003\n\r",  # only one end comes off
    "\x1cU00003",  # FS
]


def test_a_control_inside_a_scan_is_never_dropped_to_leave_a_valid_code(
    run_cli, demo_db: str
) -> None:  # type: ignore[no-untyped-def]
    before = database(demo_db)
    ran = stageterm(
        run_cli,
        "scan",
        "L-04",
        *each_acknowledged(AROUND_U00003),
        "--operator",
        "1001",
        "--json",
        db=demo_db,
    )
    assert ran.returncode == 2, ran.stderr
    answers = [json.loads(line) for line in ran.out_lines]
    answers = [a for a in answers if a["code"] != "acknowledged"]
    assert answers[0]["outcome"] == "target"
    assert [(a["outcome"], a["code"]) for a in answers[1:]] == [("error", "unreadable-scan")] * len(
        AROUND_U00003
    )
    assert all(a["event_id"] is None for a in answers)
    assert database(demo_db) == before
    # The code itself is fine: the same run with it clean moves it, exit 0.
    clean = stageterm(run_cli, "scan", "L-04", "U00003\r\n", "--operator", "1001", db=demo_db)
    assert clean.returncode == 0, clean.stdout
    assert clean.out_lines[-1] == "OK: Unit U00003 to L-04."


# -- move, load, hold, ...: a hostile argument is bad input, refused before any query -----------

# (hostile, command line with {} for it, what the argument is called, --json?)
CHANGES = [
    ("csi", ["move", "{}", "--to", "L-01", "--operator", "1001"], "Unit code", False),
    ("osc", ["move", "U00001", "--to", "{}", "--operator", "1001"], "Location code", True),
    ("sgr", ["move", "U00001", "--to", "L-01", "--operator", "{}"], "Badge", False),
    ("c0", ["move", "U00001", "--to", "L-01", "--operator", "1001", "--approve", "{}"],
     "Approving badge", True),
    ("del", ["load", "{}", "--to", "D-1", "--operator", "1001"], "Unit code", False),
    ("c1", ["hold", "U00002", "--operator", "1001", "--reason", "{}"], "Reason", True),
    ("bidi", ["issue", "{}", "--operator", "1001"], "Unit code", False),
    ("bytes", ["undo", "{}", "--operator", "1001"], "Unit code", True),
    ("bytes", ["release", "U00037", "--operator", "{}"], "Badge", False),
    ("long", ["move", "{}", "--to", "L-01", "--operator", "1001"], "Unit code", True),
    ("bytes", ["scan", "L-01", "--operator", "{}"], "Badge", True),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "argv", "what", "as_json"), CHANGES, ids=[f"{c[1][0]}-{c[0]}" for c in CHANGES]
)
def test_a_change_with_a_hostile_argument_is_refused_as_bad_input(  # type: ignore[no-untyped-def]
    run_cli, untouched, name: str, argv: list[str], what: str, as_json: bool
) -> None:
    text, shown = HOSTILE[name]
    args = [text if a == "{}" else a for a in argv] + (["--json"] if as_json else [])
    ran = stageterm(run_cli, *args, db=untouched)
    assert ran.returncode == 2
    assert ran.stderr == ""
    message = f"{what} {shown}"
    if as_json:
        [line] = ran.out_lines
        assert json.loads(line) == {
            "outcome": "error",
            "code": "unreadable-argument",
            "codes": ["unreadable-argument"],
            "suggested": [],
            "message": message,
            "unit": None,
            "from": None,
            "to": None,
            "event_id": None,
            "approved_by": None,
        }
    else:
        assert ran.out_lines == [f"ERROR [unreadable-argument]: {message}"]


def test_a_hold_reason_longer_than_a_reason_can_be_is_refused(run_cli, untouched) -> None:  # type: ignore[no-untyped-def]
    reason = "torn wrap " * 10_000
    ran = stageterm(
        run_cli, "hold", "U00002", "--operator", "1001", "--reason", reason, db=untouched
    )
    assert (ran.returncode, ran.out_lines) == (
        2,
        ["ERROR [unreadable-argument]: Reason is too long (100000 characters; at most 200)"],
    )


# (hostile, command line, what): commands that answer with a line on stderr
LOOKUPS = [
    ("bytes", ["unit", "{}"], "Unit code"),
    ("csi", ["unit", "{}", "--json"], "Unit code"),
    ("osc", ["audit", "--operator", "{}"], "Badge"),
    ("long", ["import", "units", "units.csv", "--operator", "{}"], "Badge"),
    ("c1", ["sync", "--retry-rejected", "{}", "--operator", "2001"], "Event id"),
]


@pytest.mark.parametrize(
    ("name", "argv", "what"), LOOKUPS, ids=[f"{c[1][0]}-{c[0]}" for c in LOOKUPS]
)
def test_a_lookup_with_a_hostile_argument_says_so_in_one_line(  # type: ignore[no-untyped-def]
    run_cli, untouched, name: str, argv: list[str], what: str
) -> None:
    text, shown = HOSTILE[name]
    ran = stageterm(run_cli, *[text if a == "{}" else a for a in argv], db=untouched)
    assert (ran.returncode, ran.stdout) == (2, "")
    assert ran.err_lines == [f"stageterm: {what} {shown}"]


def test_an_unknown_hostile_argument_is_a_usage_error_shown_escaped(run_cli, untouched) -> None:  # type: ignore[no-untyped-def]
    ran = stageterm(run_cli, "queue", "\x1b]0;pwned\x07X", db=untouched)
    assert ran.returncode == 1
    assert ran.err_lines[-1] == "stageterm: error: unrecognized arguments: \\x1b]0;pwned\\x07X"


# -- markup is data: allowed, stored, and printed exactly as that text --------------------------


def test_markup_in_imported_data_is_printed_as_the_text_it_is(  # type: ignore[no-untyped-def]
    run_cli, demo_db: str, tmp_path: Path
) -> None:
    store = open_store(demo_db)
    try:  # a lane whose code and customer look like markup (the import itself is tested below)
        lane = {"code": RED, "kind": "lane", "customer": CLICK, "route": "[b]R", "capacity": "4"}
        import_rows(store, "locations", "l.csv", [(2, lane)], clock=datetime.now)
    finally:
        store.dispose()
    units = tmp_path / "units.csv"
    units.write_text(f"{UNITS_HEADER}\n{CLICK},{RED},,[b]lot,,,5,EA,,,S-01,\n")
    ran = stageterm(run_cli, "import", "units", str(units), db=demo_db)
    assert (ran.returncode, ran.out_lines) == (0, ["Imported units: 1 new, 0 updated."])

    # A unit with no order into a customer's lane: wrong-lane, so a lead approves.
    move = ["move", CLICK, "--to", RED, "--operator", "1001", "--approve", "2001", "--json"]
    moved = stageterm(run_cli, *move, db=demo_db)
    assert moved.returncode == 0, moved.stdout
    answer = json.loads(moved.stdout)
    assert (answer["outcome"], answer["unit"], answer["from"], answer["to"]) == (
        "moved", CLICK, "S-01", RED,
    )  # fmt: skip

    shown = stageterm(run_cli, "unit", CLICK, db=demo_db)
    assert shown.returncode == 0
    assert shown.out_lines[0] == f"Unit {CLICK}  item {RED}  lot [b]lot  qty 5 EA"
    assert f", at {RED}, order -," in shown.out_lines[1]
    assert [line.split(maxsplit=3)[2:] for line in shown.out_lines[2:]] == [
        ["receive", "- -> S-01  by - (import units.csv)"],
        ["stage", f"S-01 -> {RED}  by 1001 approved by 2001 (wrong-lane)"],
    ]
    detail = json.loads(stageterm(run_cli, "unit", CLICK, "--json", db=demo_db).stdout)
    assert (detail["code"], detail["item"], detail["lot"], detail["location"]) == (
        CLICK, RED, "[b]lot", RED,
    )  # fmt: skip
    assert [(e["type"], e["to"]) for e in detail["history"]] == [
        ("receive", "S-01"),
        ("stage", RED),
    ]

    audit = stageterm(run_cli, "audit", "--operator", "1001", db=demo_db)
    assert audit.out_lines[-1].split(" ", 3)[3] == (
        f"stage    {CLICK} S-01 -> {RED} by 1001 approved by 2001 (wrong-lane) at cli-test"
    )
    queue = stageterm(run_cli, "queue", "--by", "customer", db=demo_db)
    # Text columns are cut to 10 characters, with "…" for what was cut.
    [row] = [line for line in queue.out_lines if RED in line]
    assert row.split()[:5] == ["[@click=a…", RED, "1", "5", "1/4"]


def test_unprintable_text_already_in_the_database_is_shown_escaped(run_cli, demo_db: str) -> None:  # type: ignore[no-untyped-def]
    """Imports and arguments now refuse it, but a database written by an older version (or
    another path into the services) may hold such text: every view still shows it safely."""
    from stageterm.services.site import Site

    reason = "\x1b[2J\x9b31m\u202eREASON\n2"
    store = open_store(demo_db)
    try:
        held = Site(store, terminal="T\u202e1").quality.hold("U00002", "1001", reason)
        assert held.ok, held.message
    finally:
        store.dispose()

    audit = stageterm(run_cli, "audit", "--operator", "1001", db=demo_db)
    assert audit.out_lines[-1].split(" ", 3)[3] == (
        "hold     U00002 L-03 -> L-03 by 1001 at T\\u202e1 (\\x1b[2J\\x9b31m\\u202eREASON\\n2)"
    )
    unit = json.loads(stageterm(run_cli, "unit", "U00002", "--json", db=demo_db).stdout)
    assert (unit["history"][-1]["reason"], unit["history"][-1]["terminal"]) == (reason, "T\u202e1")
    export = stageterm(run_cli, "export", "--format", "json", db=demo_db)
    events = json.loads(export.stdout)
    assert (events[-1]["type"], events[-1]["reason"]) == ("hold", reason)
    assert "\\u202eREASON" in export.stdout  # a JSON escape, not the raw override


# -- import: hostile cells and unreadable files, all or nothing ----------------------------------

# One hostile cell per row, each row failing on that cell alone (lines 3..; line 2 is good).
HOSTILE_ROWS = [
    ("E-1\x1b[2J,FG,,,,,5,EA,,,S-01,", "code has control characters"),
    ("E-2,FG\x1b]0;pwned\x07,,,,,5,EA,,,S-01,", "item has control characters"),
    ("E-3,FG,,L\u009b31m,,,5,EA,,,S-01,", "lot has control characters"),
    ("E-4,FG,,,S\x7f,,5,EA,,,S-01,", "serial has control characters"),
    ("E-5,FG,,,,,5,E\x00A,,,S-01,", "uom has control characters"),
    ("E-6,FG,,,,,5,EA,,,\u202eS-01,", "location has invisible or unprintable characters"),
    ("E-7,FG\u200b,,,,,5,EA,,,S-01,", "item has invisible or unprintable characters"),
    ("E-8" + "8" * 62 + ",FG,,,,,5,EA,,,S-01,", "code is longer than 64 characters"),
    ("E-9,FG,,,,,5," + "U" * 100_000 + ",,,S-01,", "uom is longer than 16 characters"),
    ("E-10,FG,,,,,5,EA,,[@click=app.quit]boom,S-01,",
     "quality '[@click=app.quit]boom' is not one of released, quarantine, hold, rejected"),
    ('"E-11\nX",FG,,,,,5,EA,,,S-01,', "code has control characters"),
]  # fmt: skip


def test_hostile_cells_are_each_reported_in_one_line_and_nothing_is_imported(  # type: ignore[no-untyped-def]
    run_cli, untouched, tmp_path: Path
) -> None:
    body = "\n".join([UNITS_HEADER, "GOOD-1,FG,,,,,5,EA,,,S-01,", *(r for r, _ in HOSTILE_ROWS)])
    path = tmp_path / "units.csv"
    path.write_text(body + "\n", encoding="utf-8")
    ran = stageterm(run_cli, "import", "units", str(path), db=untouched)
    assert (ran.returncode, ran.stdout) == (2, "")
    assert ran.err_lines == [
        *(f"units.csv:{line}: {reason}" for line, (_, reason) in enumerate(HOSTILE_ROWS, 3)),
        f"stageterm: nothing imported from {path}",
    ]


def test_hostile_json_values_are_refused_at_their_position(  # type: ignore[no-untyped-def]
    run_cli, untouched, tmp_path: Path
) -> None:
    rows = [
        {"code": "J-1", "item": "FG", "quantity": 5, "location": "S-01"},
        {"code": "J-2\udcff", "item": "FG", "quantity": 5},  # written as "\udcff" by json
        {"code": "J-3", "item": "FG\u001b[31m", "quantity": 5},
        {"code": "J-4", "item": "FG", "quantity": 5, "lot": "L\u0085x"},
        {"code": "J-5", "item": "FG", "quantity": 5, "location": "S-\u202801"},
        {"code": "J-6", "item": CLICK, "quantity": "[red]5"},
    ]
    path = tmp_path / "units.json"
    path.write_text(json.dumps(rows))  # ASCII with \u escapes: the file itself is clean
    ran = stageterm(run_cli, "import", "units", str(path), db=untouched)
    assert ran.returncode == 2
    assert ran.err_lines == [
        "units.json:2: code has characters that are not valid text",
        "units.json:3: item has control characters",
        "units.json:4: lot has control characters",
        "units.json:5: location has invisible or unprintable characters",
        "units.json:6: quantity '[red]5' is not a whole number",
        f"stageterm: nothing imported from {path}",
    ]


def _sparse(path: Path, size: int) -> None:
    with path.open("wb") as file:
        file.truncate(size)  # no disk used: the import must refuse it without reading it all


UNREADABLE_FILES = [
    ("binary", "units.csv", bytes(range(256)) * 4, "units.csv:2: not UTF-8 text (byte 0x80); save it as UTF-8"),
    ("utf16", "units.csv", f"{UNITS_HEADER}\nU-1,FG,,,,,5,,,,S-01,\n".encode("utf-16"),
     "units.csv:1: not UTF-8 text (byte 0xff); save it as UTF-8"),
    ("latin1", "units.csv", f"{UNITS_HEADER}\nU-1,Café,,,,,5,,,,S-01,\n".encode("latin-1"),
     "units.csv:2: not UTF-8 text (byte 0xe9); save it as UTF-8"),
    ("nul-header", "units.csv", b"code,\x00\x1b[2J\nU-1,x\n",
     f"units.csv:1: unknown column '\\x00\\x1b[2J'; units takes {UNITS_HEADER}"),
    ("huge-field", "units.csv", f"{UNITS_HEADER}\n{'U' * 200_000},FG\n".encode(),
     "units.csv:2: field larger than field limit (131072)"),
    ("deep-json", "units.json", b"[" * 100_000, "units.json: JSON nested too deeply to read"),
    ("huge-number", "units.json", b'[{"code": "U", "item": "I", "quantity": ' + b"9" * 5000 + b"}]",
     "units.json: JSON cannot be read: Exceeds the limit (4300 digits) for integer string conversion"),
    ("json-object-cell", "units.json", b'[{"code": "U", "item": {"[red]": "\\u001b"}, "quantity": 1}]',
     "units.json:1: item is a JSON dict, not a value"),
    ("oversize", "units.csv", None, "units.csv: larger than 100 MB; split it into smaller files"),
    ("escape-in-name", "u\x1b[2J.csv", b"", "u\\x1b[2J.csv:1: empty file, expected a header row"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "body", "problem"),
    [(n, b, p) for _, n, b, p in UNREADABLE_FILES],
    ids=[case[0] for case in UNREADABLE_FILES],
)
def test_an_unreadable_import_file_is_one_line_and_nothing_is_written(  # type: ignore[no-untyped-def]
    run_cli, untouched, tmp_path: Path, name: str, body: bytes | None, problem: str
) -> None:
    path = tmp_path / name
    if body is None:
        _sparse(path, 150_000_000)
    else:
        path.write_bytes(body)
    ran = stageterm(run_cli, "import", "units", str(path), db=untouched)
    assert (ran.returncode, ran.stdout) == (2, "")
    shown_path = str(path).replace("\x1b", "\\x1b")
    assert ran.err_lines == [problem, f"stageterm: nothing imported from {shown_path}"]


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_a_cell_wider_than_its_column_is_refused_on_postgresql_too(  # type: ignore[no-untyped-def]
    run_cli, backend, tmp_path: Path
) -> None:
    """PostgreSQL enforces column widths (SQLite does not): a 65-character code used to
    pass the check and end in a traceback there. Now it is refused, and 64 fits."""
    url = backend.url("demo-now", seed_now)
    path = tmp_path / "units.csv"
    path.write_text(
        f"{UNITS_HEADER}\n{'W' * 64},FG,,,,,5,EA,,,S-01,\n{'W' * 65},FG,,,,,5,EA,,,S-01,\n"
        f"W-2,FG,,,,,5,{'E' * 17},,,S-01,\n"
    )
    before = database(url)
    ran = stageterm(run_cli, "import", "units", str(path), db=url)
    assert ran.err_lines == [
        "units.csv:3: code is longer than 64 characters",
        "units.csv:4: uom is longer than 16 characters",
        f"stageterm: nothing imported from {path}",
    ]
    assert database(url) == before
    path.write_text(f"{UNITS_HEADER}\n{'W' * 64},FG,,,,,5,{'E' * 16},,,S-01,\n")
    ran = stageterm(run_cli, "import", "units", str(path), db=url)
    assert (ran.returncode, ran.err_lines) == (0, [])


# -- upstream error messages ---------------------------------------------------------------------

HOSTILE_BODY = (
    b"\x1b[2J\x1b]0;pwned\x07[@click=app.quit]boom\r\nline two\x9b31m \xc2\x9b \xe2\x80\xaeEDOC\x00"
    + b"A" * 1_000_000
)


class HostileUpstream:
    """A real HTTP server on 127.0.0.1 whose answers are hostile: the first request gets a
    400 naming its first event with a hostile reason, every later one a 503 whose body is
    escapes, markup, CR LF, C1, bidi, NUL and a megabyte of junk."""

    def __init__(self) -> None:
        upstream = self
        self.requests = 0

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                upstream.requests += 1
                if upstream.requests == 1:
                    first = event_ids(json.loads(body))[0]
                    reason = "\x1b[31mbad\x1b[0m\n[@click=app.quit]quit\u202e\u0085" + "R" * 5000
                    payload = json.dumps({"rejected": [{"eventID": first, "reason": reason}]})
                    self._answer(400, "application/json", payload.encode())
                else:
                    self._answer(503, "text/plain", HOSTILE_BODY)

            def _answer(self, status: int, kind: str, payload: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/capture"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def upstream() -> Iterator[HostileUpstream]:
    server = HostileUpstream()
    yield server
    server.stop()


def test_hostile_upstream_answers_are_shown_literally_and_bounded(  # type: ignore[no-untyped-def]
    run_cli, demo_db: str, upstream: HostileUpstream
) -> None:
    env = {
        "STAGETERM_UPSTREAM_URL": upstream.url,
        "STAGETERM_SYNC_RETRY_ATTEMPTS": "1",
        "STAGETERM_SYNC_CONNECT_TIMEOUT": "2",
    }
    ran = stageterm(run_cli, "sync", "--once", db=demo_db, env=env)
    assert ran.returncode == 5, ran.stderr  # 5xx: upstream failing, events kept
    assert ran.stdout == ""

    # Stored: upstream's words on one line, controls as spaces (the invalid byte 0x9b
    # decodes as U+FFFD), cut to 300 characters. Shown: that, bidi override escaped, cut to 200.
    said = "[2J ]0;pwned [@click=app.quit]boom line two\ufffd31m \u202eEDOC " + "A" * 300
    error = f"upstream {upstream.url} answered 503: {said[:299]}…"
    reason = ("[31mbad [0m [@click=app.quit]quit\u202e " + "R" * 300)[:299] + "…"

    def shown(text: str) -> str:
        return text.replace("\u202e", "\\u202e")[:199] + "…"

    as_json = stageterm(run_cli, "sync", "--status", "--json", db=demo_db)
    answer = json.loads(as_json.stdout)
    assert "\\u202e" in as_json.stdout  # the override kept as a JSON escape...
    assert answer["last_error"] == error  # ...so the text survives exactly
    [parked] = answer["rejected"]
    assert parked["reason"] == reason
    pending = answer["pending"]
    assert (
        0 < pending < 62
    )  # the demo has 62 pending; one event rejected (and any of its unit's held behind it)

    assert ran.err_lines == [f"stageterm: {shown(error)}; {pending} events kept pending"]
    status = stageterm(run_cli, "sync", "--status", db=demo_db)
    assert status.returncode == 0
    assert f"last error:    {shown(error)} (" in status.stdout
    [rejected] = [line for line in status.out_lines if line.startswith("  ")]
    assert rejected.startswith(f"  {parked['id']}  ")
    assert rejected.endswith(f"  {shown(reason)}")
    assert max(len(line) for line in status.out_lines) < 300
    assert upstream.requests == 2


# -- configuration -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "toml", "says"),
    [
        (
            {"STAGETERM_TERMINAL": "\x1b]0;pwned\x07"},
            None,
            "STAGETERM_TERMINAL has terminal escape sequences: \\x1b]0;pwned\\x07",
        ),
        (
            {"STAGETERM_TERMINAL": ""},  # unset (run_cli sets it): the file's value counts
            'terminal = "T\\u202e1"\n',
            "STAGETERM_TERMINAL has invisible or unprintable characters: T\\u202e1",
        ),
        (
            {"STAGETERM_TERMINAL": ""},
            "terminal = '" + "T" * 5000 + "'\n",
            "STAGETERM_TERMINAL is too long (5000 characters; at most 128)",
        ),
        (
            {"STAGETERM_UPSTREAM_URL": "http://user:pw@127.0.0.1/\x9b31m"},
            None,
            "STAGETERM_UPSTREAM_URL has control, escape or invisible characters",
        ),
        (
            {"STAGETERM_UPSTREAM_URL": "http://[::1/x"},
            None,
            "STAGETERM_UPSTREAM_URL is not a valid address: Invalid IPv6 URL",
        ),
        (
            {"STAGETERM_SYNC_BATCH": "\x1b[2J"},
            None,
            "STAGETERM_SYNC_BATCH must be a whole number (not '\\x1b[2J')",
        ),
        (
            {"STAGETERM_SITE": "North\u202e"},
            None,
            "STAGETERM_SITE has invisible or unprintable characters: North\\u202e",
        ),
        ({}, b'"\\u001b[2J" = 1\n', "{path}: unknown setting '\\x1b[2J'"),
        (
            {},
            b"site = \xff\xfe\n",
            "{path}: cannot read config: 'utf-8' codec can't decode byte 0xff in position 7: invalid start byte",
        ),
    ],
    ids=[
        "env-osc",
        "toml-bidi",
        "toml-long",
        "url-c1",
        "url-bad",
        "batch",
        "site-bidi",
        "toml-key",
        "toml-bytes",
    ],
)
def test_a_hostile_setting_is_one_line_and_exit_2(  # type: ignore[no-untyped-def]
    run_cli, untouched, env: dict[str, str], toml: str | bytes | None, says: str
) -> None:
    path = run_cli.home / "stageterm.toml"
    if toml is not None:
        path.write_bytes(toml if isinstance(toml, bytes) else toml.encode())
    ran = stageterm(
        run_cli, "move", "U00001", "--to", "L-01", "--operator", "1001", db=untouched, env=env
    )
    assert (ran.returncode, ran.stdout) == (2, "")
    assert ran.err_lines == [f"stageterm: {says.format(path=path)}"]
    assert "user:pw" not in ran.stderr


def test_a_terminal_id_beyond_ascii_does_not_crash_sync(run_cli, demo_db: str) -> None:  # type: ignore[no-untyped-def]
    env = {
        "STAGETERM_TERMINAL": "Kasse-\u00fc",
        "STAGETERM_UPSTREAM_URL": "http://127.0.0.1:1/capture",  # nothing listens: refused
        "STAGETERM_SYNC_RETRY_ATTEMPTS": "1",
    }
    ran = stageterm(run_cli, "sync", "--once", db=demo_db, env=env)
    assert ran.returncode == 5
    [line] = ran.err_lines
    assert line.startswith("stageterm: upstream http://127.0.0.1:1/capture unreachable: ")
