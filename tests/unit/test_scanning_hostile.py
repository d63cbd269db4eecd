"""Hostile and arbitrary input: a clear error or a literal code, never a crash, never markup."""

from __future__ import annotations

import json
from datetime import date

import pytest
from biip.checksums import gs1_standard_check_digit
from hypothesis import given, settings
from hypothesis import strategies as st

from stageterm.scanning import (
    BadgeScan,
    CommandScan,
    LocationScan,
    ScanError,
    UnitScan,
    clean_for_display,
    scan_as_dict,
)
from stageterm.scanning.classifier import UNREADABLE, classify
from stageterm.scanning.hostile import is_control

GS = "\x1d"
SCAN_TYPES = (LocationScan, UnitScan, BadgeScan, CommandScan, ScanError)

HOSTILE_ERRORS = {
    "\x1b[31mRED\x1b[0m": "Scan has terminal escape sequences: \\x1b[31mRED\\x1b[0m",
    "\x1b]0;pwned\x07": "Scan has terminal escape sequences: \\x1b]0;pwned\\x07",
    "\x1b[2J\x1b[H": "Scan has terminal escape sequences: \\x1b[2J\\x1b[H",
    "ABC\x00DEF": "Scan has control characters: ABC\\x00DEF",
    "\x00": "Scan has control characters: \\x00",
    "\x07\x07": "Scan has control characters: \\x07\\x07",
    "\x9b31mX": "Scan has control characters: \\x9b31mX",  # 8-bit CSI
    "line1\nline2": "Scan has control characters: line1\\nline2",
    "\x7f": "Scan has control characters: \\x7f",
    "\u202eEDOC": "Scan has invisible or unprintable characters: \\u202eEDOC",
    "A\u200bB": "Scan has invisible or unprintable characters: A\\u200bB",
    "\udcff\udcfe": "Scan has bytes that are not valid text: \\udcff\\udcfe",
    "X" * 20_000: "Scan is too long (limit 512 characters)",
    "\x1b" * 10_000: "Scan is too long (limit 512 characters)",
    "\x1b[31m" + "A" * 200: "Scan has terminal escape sequences: \\x1b[31m" + "A" * 51 + "…",
}


@pytest.mark.parametrize("raw,message", HOSTILE_ERRORS.items(), ids=range(len(HOSTILE_ERRORS)))
def test_hostile_input_gives_a_clear_error(raw: str, message: str) -> None:
    assert classify(raw) == ScanError(raw, message)


# Issue #16.8: a control character inside a code was dropped somewhere on its way and the
# rest read as another, valid code. Here every such scan is unreadable as a whole.
NEVER_DROPPED = {
    "U00\x0003": "Scan has control characters: U00\\x0003",  # not U0003
    "\x9b31mU": "Scan has control characters: \\x9b31mU",  # not 31mU
    "\x1b]0;PWNED\x07U00003": "Scan has terminal escape sequences: \\x1b]0;PWNED\\x07U00003",
    "U0\r03": "Scan has control characters: U0\\r03",  # a terminator inside is no end
    "U0\t03\r\n": "Scan has control characters: U0\\t03",
    "U00003\n\r": "Scan has control characters: U00003\\n",  # only one end comes off
    "\x02U00003\x03": "Scan has control characters: \\x02U00003\\x03",  # STX/ETX not set up
    "U00003\x85": "Scan has control characters: U00003\\x85",  # NEL, a C1 line break
    "\x1c\x1e": "Scan has control characters: \\x1c\\x1e",  # FS, RS: "space" to str.isspace
}


@pytest.mark.parametrize("raw,message", NEVER_DROPPED.items(), ids=range(len(NEVER_DROPPED)))
def test_a_control_inside_a_scan_makes_the_whole_scan_unreadable(raw: str, message: str) -> None:
    assert classify(raw) == ScanError(raw, message)


@pytest.mark.parametrize("end", ["\r", "\n", "\t", "\r\n"])
def test_the_scans_own_end_is_not_a_control(end: str) -> None:
    assert classify("U00003" + end) == UnitScan(raw="U00003" + end, code="U00003")


def test_a_scanner_set_up_to_wrap_in_stx_etx_is_read() -> None:
    from stageterm.scanning import ScannerSettings

    wrapped = ScannerSettings(prefix="\x02", suffix="\x03")
    assert classify("\x02U00003\x03", wrapped) == UnitScan(raw="\x02U00003\x03", code="U00003")
    assert isinstance(classify("\x02U00\x0003\x03", wrapped), ScanError)


@pytest.mark.parametrize("code", [*range(0x20), 0x7F, *range(0x80, 0xA0)])
def test_is_control_covers_c0_but_gs_del_and_c1(code: int) -> None:
    assert is_control(chr(code)) is (code != 0x1D)


@pytest.mark.parametrize("char", [" ", "A", "~", "\xa0", "\xe9", "\u241d", "\U0001f600"])
def test_is_control_leaves_everything_else(char: str) -> None:
    assert not is_control(char)


def test_too_long_names_the_limit_not_the_length() -> None:
    """A terminal keeps a scan only just past the limit: the length it saw is not news."""
    from stageterm.scanning import ScannerSettings

    assert classify("U" * 513).message == "Scan is too long (limit 512 characters)"
    assert classify("U" * 41, ScannerSettings(max_length=40)).message == (
        "Scan is too long (limit 40 characters)"
    )


@pytest.mark.parametrize(
    "raw",
    ["[red]x", "[@click=app.quit]x", "[bold red]ALERT[/]", "[link=https://evil]x[/link]", "\\x1b"],
)
def test_markup_is_never_interpreted_only_kept_as_a_literal_code(raw: str) -> None:
    assert classify(raw) == UnitScan(raw=raw, code=raw)


def test_markup_in_an_unknown_command_stays_literal_text() -> None:
    scan = classify("@[@click=app.quit]x")
    assert scan == ScanError("@[@click=app.quit]x", "Unknown command barcode @[@click=app.quit]x")


@pytest.mark.parametrize(
    "text,limit,shown",
    [
        ("plain", 60, "plain"),
        ("\x1b[31mX", 60, "\\x1b[31mX"),
        ("a\tb\r\n", 60, "a\\tb\\r\\n"),
        ("\x1d", 60, "\\x1d"),
        ("\udc80", 60, "\\udc80"),
        ("\U000e0001", 60, "\\U000e0001"),
        ("abcdef", 4, "abc…"),
        ("abcd", 4, "abcd"),
        ("ab\x1bcd", 5, "ab…"),  # an escape is never cut in half
        ("x", 0, ""),
        ("[red]x", 60, "[red]x"),
    ],
)
def test_clean_for_display(text: str, limit: int, shown: str) -> None:
    assert clean_for_display(text, limit) == shown


def _assert_well_formed(raw: str) -> None:
    scan = classify(raw)
    assert isinstance(scan, SCAN_TYPES)
    assert scan.raw == raw
    if isinstance(scan, ScanError):
        assert scan.message != UNREADABLE, "classify hit its safety net: a bug"
        assert scan.message.isprintable()
        assert 0 < len(scan.message) < 200
    else:
        # Anything accepted as data is printable text, safe to store and show.
        for value in (getattr(scan, name, None) for name in ("code", "badge", "lot", "serial")):
            assert value is None or (value.isprintable() and value)
    json.dumps(scan_as_dict(scan), ensure_ascii=False).encode("utf-8")


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_gives_a_well_formed_scan(raw: str) -> None:
    _assert_well_formed(raw)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_give_a_well_formed_scan(data: bytes) -> None:
    _assert_well_formed(data.decode("utf-8", "surrogateescape"))


# Pieces that reach deep into the GS1, command and badge paths, shuffled into junk.
# fmt: off
_PIECES = st.sampled_from([
    "]C1", "]d2", "]Q3", "]E0", "]C0", GS, "|", "~", "<GS>", "(", ")", "@", "B:", "L:",
    "00", "01", "02", "10", "17", "21", "30", "37", "3103", "400", "414",
    "09501101530003", "106141411234567897", "261231", "260200", "991399",
    "https://id.gs1.org/", "/", "?", "=", "%1B", "\x1b[", "\r", "\n", "\t", " ", "A",
    "[red]", "٣", "\udc80",
])
# fmt: on


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES | st.text(max_size=3), max_size=12).map("".join))
def test_scanner_shaped_junk_gives_a_well_formed_scan(raw: str) -> None:
    _assert_well_formed(raw)


def _gtin14(body: str) -> str:
    return body + str(gs1_standard_check_digit(body))


_LOT = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-", min_size=1, max_size=20)


@settings(max_examples=150, deadline=None)
@given(
    gtin=st.from_regex(r"\A[0-9]{13}\Z").map(_gtin14),
    lot=_LOT,
    serial=_LOT,
    expiry=st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31)),
)
def test_any_label_reads_the_same_in_every_form(
    gtin: str, lot: str, serial: str, expiry: date
) -> None:
    yymmdd = expiry.strftime("%y%m%d")
    forms = [
        f"]C101{gtin}17{yymmdd}10{lot}{GS}21{serial}",
        f"01{gtin}10{lot}|21{serial}|17{yymmdd}",
        f"]d2{GS}01{gtin}21{serial}<GS>10{lot}~17{yymmdd}\r",
        f"(01){gtin}(10){lot}(21){serial}(17){yymmdd}",
        f"https://id.gs1.org/01/{gtin}/10/{lot}/21/{serial}?17={yymmdd}",
    ]
    for raw in forms:
        scan = classify(raw)
        assert isinstance(scan, UnitScan), (raw, scan)
        assert (scan.gtin, scan.lot, scan.serial, scan.expiry) == (gtin, lot, serial, expiry)
