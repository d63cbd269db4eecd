"""ZPL II labels, checked as a Zebra printer would read them: one ^XA…^XZ format per label,
^PW/^LL for the label stock at the printer's resolution, ^BC field data whose invocation
codes give back exactly the element string, and the human-readable text with parentheses."""

from __future__ import annotations

import re
from datetime import date

import pytest

from stageterm.domain.model import Unit
from stageterm.labels.content import code_content, unit_content
from stageterm.labels.layout import SIZES
from stageterm.labels.zpl import escape, zpl_label

GTIN = "09506000134352"
SSCC = "395060001343520018"
UNIT = Unit("U00001", "ITEM-1", 12, gtin=GTIN, lot="ABC123", expiry=date(2026, 12, 31))
PALLET = Unit("U00002", "ITEM-1", 40, gtin=GTIN, lot="A>B", sscc=SSCC)


def scanner_text(field_data: str) -> str:
    """What a scanner sends for a ^BC mode N field: the ZPL II invocation codes undone
    (Zebra's Code 128 table), GS for an FNC1 that is not the first character."""
    code_set = {">;": "C", ">:": "B", ">9": "A"}[field_data[:2]]
    text, rest = [], field_data[2:]
    first = True
    while rest:
        if rest.startswith(">"):
            code, rest = rest[:2], rest[2:]
            if code == ">8":
                if not first:
                    text.append("\x1d")
            elif code in (">5", ">6", ">7"):
                code_set = {">5": "C", ">6": "B", ">7": "A"}[code]
            else:
                text.append({"><": ">", ">0": "^", ">=": "~"}[code])
        elif code_set == "C":
            pair, rest = rest[:2], rest[2:]
            assert re.fullmatch(r"\d\d", pair), field_data
            text.append(pair)
        else:
            text.append(rest[0])
            rest = rest[1:]
        first = False
    return "".join(text)


def barcodes(zpl: str) -> list[tuple[int, str]]:
    """(module width, field data) of every ^BC field."""
    return [
        (int(module), data)
        for module, data in re.findall(r"\^BY(\d+)\^BCN,\d+,N,N,N,N\^FD(.*?)\^FS", zpl)
    ]


def texts(zpl: str) -> list[str]:
    return re.findall(r"\^FH\\\^FD(.*?)\^FS", zpl)


@pytest.mark.parametrize(
    ("size", "dpi", "width", "length"),
    [
        ("100x150", 203, 799, 1199),
        ("100x150", 300, 1181, 1772),
        ("100x50", 203, 799, 400),
        ("100x50", 300, 1181, 591),
    ],
)
def test_one_format_per_label_sized_in_dots(size: str, dpi: int, width: int, length: int) -> None:
    zpl = zpl_label(unit_content(UNIT), SIZES[size], dpi)
    assert zpl.startswith("^XA\n") and zpl.endswith("^XZ\n")
    assert zpl.count("^XA") == zpl.count("^XZ") == 1
    assert f"^PW{width}\n" in zpl and f"^LL{length}\n" in zpl
    # Every field stays on the label.
    for x, y in re.findall(r"\^FO(\d+),(\d+)", zpl):
        assert 0 <= int(x) < width and 0 <= int(y) < length


@pytest.mark.parametrize("dpi", [203, 300])
def test_gs1_128_starts_with_fnc1_and_reads_as_the_element_string(dpi: int) -> None:
    zpl = zpl_label(unit_content(PALLET, order="SO-1", lane="L-04"), SIZES["100x150"], dpi)
    [(_, contents), (module, sscc)] = barcodes(zpl)
    assert contents.startswith(">;>8") and sscc.startswith(">;>8")
    assert scanner_text(contents) == f"02{GTIN}3740\x1d10A>B"
    assert scanner_text(sscc) == f"00{SSCC}"
    # GS1 asks for at least 0.495 mm bars on an SSCC; whole dots at both resolutions.
    assert module * 25.4 / dpi >= 0.495
    shown = texts(zpl)
    assert f"(02){GTIN}(37)40(10)A>B" in shown and f"(00){SSCC}" in shown
    assert {"U00002", "Order SO-1", "Lane L-04"} <= set(shown)


def test_a_location_code_is_a_plain_code_128_with_zpl_characters_escaped() -> None:
    code = "L^A~1>B\\x"
    zpl = zpl_label(code_content(code, "Lane ^XZ"), SIZES["100x50"], 203)
    [(_, data)] = barcodes(zpl)
    assert not data.startswith(">;>8")
    assert scanner_text(data) == code
    # Text never carries a command prefix the printer would act on.
    for shown in texts(zpl):
        assert "^" not in shown and "~" not in shown
    assert escape("Lane ^XZ") in texts(zpl)
    assert zpl.count("^XZ") == 1


def test_text_outside_ascii_is_sent_as_utf8_hex() -> None:
    assert escape("Kühl ~ 5°") == "K\\C3\\BChl \\7E 5\\C2\\B0"
    zpl = zpl_label(unit_content(Unit("U1", "Kühlware", 1)), SIZES["100x50"], 203)
    assert "^CI28" in zpl and "K\\C3\\BChlware" in zpl
