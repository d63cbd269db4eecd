"""Classifying scans: terminators, prefix/suffix, commands, badges, locations, plain codes, JSON."""

from __future__ import annotations

import json

import pytest

from stageterm.scanning import (
    COMMANDS,
    BadgeScan,
    CommandScan,
    LocationScan,
    ScanError,
    ScannerSettings,
    UnitScan,
    scan_as_dict,
)
from stageterm.scanning.classifier import classify

GS = "\x1d"
GTIN = "09501101530003"


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_barcode(command: str) -> None:
    assert classify(f"@{command}") == CommandScan(f"@{command}", command)
    assert classify(f"@{command.lower()}\r") == CommandScan(f"@{command.lower()}\r", command)


def test_command_through_a_code128_identifier_and_with_spaces() -> None:
    assert classify("]C0@Undo\n") == CommandScan("]C0@Undo\n", "UNDO")
    assert classify(" @ DONE ") == CommandScan(" @ DONE ", "DONE")


def test_a_reason_may_follow_a_hold_or_release() -> None:
    assert classify("@HOLD wet pallet") == CommandScan("@HOLD wet pallet", "HOLD", "wet pallet")
    assert classify("@hold: wet:  pallet \r") == CommandScan(
        "@hold: wet:  pallet \r", "HOLD", "wet: pallet"
    )
    assert classify("@Release ok") == CommandScan("@Release ok", "RELEASE", "ok")
    assert classify("@HOLD " + "x" * 201) == ScanError(
        "@HOLD " + "x" * 201, "Reason too long (limit 200 characters)"
    )


@pytest.mark.parametrize(
    "raw,message",
    [
        ("@FOO", "Unknown command barcode @FOO"),
        ("@HOLDX y", "Unknown command barcode @HOLDX y"),
        ("@", "Unknown command barcode @"),
        ("@UNDO NOW", "Unknown command barcode @UNDO NOW"),
        ("@[red]x", "Unknown command barcode @[red]x"),
        ("@" + "X" * 100, "Unknown command barcode @" + "X" * 29 + "…"),
    ],
)
def test_unknown_commands(raw: str, message: str) -> None:
    assert classify(raw) == ScanError(raw, message)


def test_badges() -> None:
    assert classify("B:4711") == BadgeScan("B:4711", "4711")
    assert classify("b:ab-12\r") == BadgeScan("b:ab-12\r", "ab-12")
    assert classify("]C0B: 4711 ") == BadgeScan("]C0B: 4711 ", "4711")
    assert classify("B:") == ScanError("B:", "Badge barcode has no badge number")
    assert classify(f"B:47{GS}11") == ScanError(
        f"B:47{GS}11", "Scan has a GS separator but is not GS1 data: 47\\x1d11"
    )


def test_locations() -> None:
    assert classify("L:LANE-03") == LocationScan("L:LANE-03", "LANE-03")
    assert classify("l:dock 1\n") == LocationScan("l:dock 1\n", "dock 1")
    assert classify("L:  ") == ScanError("L:  ", "Location barcode has no location code")


def test_plain_codes_are_unit_scans_with_only_the_code() -> None:
    # Whether a plain code is a location or a unit is for the services to look up.
    assert classify("LANE-03") == UnitScan(raw="LANE-03", code="LANE-03")
    assert classify("]C0PAL-000123\r") == UnitScan(
        raw="]C0PAL-000123\r", code="PAL-000123", symbology="]C0"
    )
    assert classify(" U-1 ") == UnitScan(raw=" U-1 ", code="U-1")
    assert classify("A|B") == UnitScan(raw="A|B", code="A|B")  # a substitute alone is just text


@pytest.mark.parametrize("raw", ["", " ", "\r", "\n", "\t", "\r\n", "   \t", GS, "]C1", "]C1 "])
def test_empty_scans(raw: str) -> None:
    assert classify(raw) == ScanError(raw, "Empty scan")


def test_only_one_terminator_is_stripped() -> None:
    assert classify("ABC\r") == UnitScan(raw="ABC\r", code="ABC")
    assert classify("ABC\n\n") == ScanError("ABC\n\n", "Scan has control characters: ABC\\n")
    assert isinstance(classify("AB\rC"), ScanError)


def test_prefix_and_suffix_are_stripped_when_present() -> None:
    settings = ScannerSettings(prefix="\x02", suffix="\x03")
    raw = f"\x02]C101{GTIN}10LOT1{GS}21S1\x03\r"
    scan = classify(raw, settings)
    assert isinstance(scan, UnitScan)
    assert (scan.gtin, scan.lot, scan.serial, scan.symbology) == (GTIN, "LOT1", "S1", "]C1")
    # Absent prefix/suffix: nothing else is cut.
    assert classify("LANE-1", settings) == UnitScan(raw="LANE-1", code="LANE-1")
    # Without the settings the STX/ETX wrapper is hostile text.
    assert isinstance(classify(raw), ScanError)


def test_text_prefix_only_at_the_start() -> None:
    settings = ScannerSettings(prefix="SCN", suffix="#")
    assert classify("SCNB:42#", settings) == BadgeScan("SCNB:42#", "42")
    assert classify("XSCN1#", settings) == UnitScan(raw="XSCN1#", code="XSCN1")


def test_badge_and_location_prefixes_are_configurable_and_can_be_turned_off() -> None:
    settings = ScannerSettings(badge_prefix="OP-", location_prefix="LOC:")
    assert classify("OP-42", settings) == BadgeScan("OP-42", "42")
    assert classify("LOC:K1", settings) == LocationScan("LOC:K1", "K1")
    assert classify("B:42", settings) == UnitScan(raw="B:42", code="B:42")
    off = ScannerSettings(badge_prefix="", location_prefix="")
    assert classify("L:1", off) == UnitScan(raw="L:1", code="L:1")


def test_max_length_is_configurable() -> None:
    assert classify("X" * 513) == ScanError("X" * 513, "Scan is too long (limit 512 characters)")
    assert classify("X" * 512) == UnitScan(raw="X" * 512, code="X" * 512)
    assert isinstance(classify("X" * 20, ScannerSettings(max_length=10)), ScanError)


def test_scan_as_dict_is_json_for_every_kind() -> None:
    scan = classify(f"]C101{GTIN}10LOT1{GS}17261231{GS}400PO1")
    assert scan_as_dict(scan) == {
        "kind": "unit",
        "raw": f"]C101{GTIN}10LOT1{GS}17261231{GS}400PO1",
        "code": None,
        "sscc": None,
        "gtin": GTIN,
        "lot": "LOT1",
        "serial": None,
        "expiry": "2026-12-31",
        "count": None,
        "symbology": "]C1",
        "extra": {"400": "PO1"},
        "is_gs1": True,
    }
    assert scan_as_dict(classify("B:7")) == {"kind": "badge", "raw": "B:7", "badge": "7"}
    assert scan_as_dict(classify("L:A")) == {"kind": "location", "raw": "L:A", "code": "A"}
    assert scan_as_dict(classify("@HELP")) == {"kind": "command", "raw": "@HELP", "command": "HELP"}
    assert scan_as_dict(classify("")) == {"kind": "error", "raw": "", "message": "Empty scan"}


def test_scan_as_dict_survives_undecodable_bytes() -> None:
    raw = b"\xff\xfeAB".decode("utf-8", "surrogateescape")
    out = scan_as_dict(classify(raw))
    assert out["raw"] == "\\udcff\\udcfeAB"
    json.dumps(out, ensure_ascii=False).encode("utf-8")
