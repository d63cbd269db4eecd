"""GS1 logistic labels as a scanner sees them: every PNG decoded back with zxing-cpp (GS1
flag, `]C1`), its element string parsed by biip to the unit's own fields."""

from __future__ import annotations

from datetime import date

import biip
import pytest
from PIL import Image

from stageterm.domain.model import Unit, UnitState
from stageterm.labels import LabelError
from stageterm.labels.content import code_content, staged_lane, unit_content
from stageterm.labels.draw import draw_label
from stageterm.labels.layout import SIZES

zxingcpp = pytest.importorskip("zxingcpp")

GTIN = "09506000134352"
SSCC = "395060001343520018"
WITH_LOT = Unit(
    "U00001", "ITEM-1", 12, gtin=GTIN, lot="ABC123", expiry=date(2026, 12, 31), serial="S-77"
)
PALLET = Unit(
    "U00002", "ITEM-1", 40, gtin=GTIN, lot="L/7", expiry=date(2027, 1, 31), sscc=SSCC, uom="EA"
)
SSCC_ONLY = Unit("U00003", "MIXED", 1, sscc=SSCC)
GTIN_ONLY = Unit("U00004", "ITEM-2", 3, gtin="4006381333931")  # a GTIN-13
PLAIN = Unit("U00005", "SKU-9", 5, lot="anything goes")


def scans(image: Image.Image) -> list[tuple[str, str]]:
    """(AIM identifier, text as a scanner sends it) of every symbol, top to bottom."""
    found = zxingcpp.read_barcodes(image, text_mode=zxingcpp.TextMode.Plain)
    found = sorted(found, key=lambda b: b.position.top_left.y)
    return [(b.symbology_identifier, b.text) for b in found]


def fields(text: str) -> dict[str, str]:
    message = biip.parse("]C1" + text).gs1_message
    assert message is not None, text
    return {e.ai.ai: e.value for e in message.element_strings}


@pytest.mark.parametrize("size", ["100x150", "100x50"])
@pytest.mark.parametrize("dpi", [203, 300])
def test_a_gtin_unit_reads_back_as_its_gtin_expiry_lot_and_serial(size: str, dpi: int) -> None:
    image = draw_label(unit_content(WITH_LOT), SIZES[size], dpi)
    [(aim, text)] = scans(image)
    assert aim == "]C1"  # FNC1 first: the GS1 flag
    assert fields(text) == {"01": GTIN, "17": "261231", "10": "ABC123", "21": "S-77"}
    # Fixed-length fields first, variable ones last, FNC1 (GS) only between fields.
    assert text == f"01{GTIN}17261231" + "10ABC123\x1d21S-77"


@pytest.mark.parametrize("size", ["100x150", "100x50"])
@pytest.mark.parametrize("dpi", [203, 300])
def test_a_pallet_has_its_contents_above_and_its_sscc_lowest(size: str, dpi: int) -> None:
    image = draw_label(unit_content(PALLET, order="SO-1", lane="L-04"), SIZES[size], dpi)
    [(aim1, contents), (aim2, sscc)] = scans(image)
    assert aim1 == aim2 == "]C1"
    assert fields(contents) == {"02": GTIN, "17": "270131", "37": "40", "10": "L/7"}
    assert fields(sscc) == {"00": SSCC}


def test_02_and_37_only_under_an_sscc_and_21_never_with_02() -> None:
    pallet_with_serial = Unit("P1", "I", 5, gtin=GTIN, serial="S1", sscc=SSCC)
    [contents, sscc] = unit_content(pallet_with_serial).symbols
    assert fields(contents.data) == {"02": GTIN, "37": "5"}
    assert fields(sscc.data) == {"00": SSCC}
    [only] = unit_content(WITH_LOT).symbols
    assert "02" not in fields(only.data) and "37" not in fields(only.data)
    [alone] = unit_content(SSCC_ONLY).symbols
    assert fields(alone.data) == {"00": SSCC}
    [gtin13] = unit_content(GTIN_ONLY).symbols
    assert fields(gtin13.data) == {"01": "04006381333931"}


def test_human_readable_text_is_the_same_data_in_parentheses() -> None:
    content = unit_content(PALLET, order="SO-1", lane="L-04")
    assert [s.hri for s in content.symbols] == [
        f"(02){GTIN}(17)270131(37)40(10)L/7",
        f"(00){SSCC}",
    ]
    assert content.lines == (
        "U00002",
        "Item ITEM-1  Qty 40 EA",
        "Order SO-1",
        "Lane L-04",
        "Lot L/7  Expiry 2027-01-31",
    )


def test_data_too_long_for_one_symbol_goes_on_to_a_second() -> None:
    long = Unit("U9", "I", 1, gtin=GTIN, lot="L" * 20, serial="S" * 20, expiry=date(2026, 1, 2))
    content = unit_content(long)
    assert len(content.symbols) > 1
    image = draw_label(content, SIZES["100x150"], 203)
    read = {}
    for aim, text in scans(image):
        assert aim == "]C1"
        read.update(fields(text))
    assert read == {"01": GTIN, "17": "260102", "10": "L" * 20, "21": "S" * 20}
    with pytest.raises(LabelError, match="use --size 100x150"):
        draw_label(content, SIZES["100x50"], 203)


def test_units_without_sscc_or_gtin_and_locations_get_a_code_128_of_their_code() -> None:
    for content in (unit_content(PLAIN), code_content("L-A01", "Lane A")):
        for size in SIZES.values():
            [(aim, text)] = scans(draw_label(content, size, 203))
            assert (aim, text) == ("]C0", content.code)


@pytest.mark.parametrize(
    ("unit", "reason"),
    [
        (Unit("U1", "I", 1, gtin="09506000134353"), "GTIN"),  # wrong check digit
        (Unit("U1", "I", 1, sscc="395060001343520013"), "SSCC"),
        (Unit("U1", "I", 1, gtin=GTIN, lot="lot with blanks"), "lot"),
        (Unit("U1", "I", 1, gtin=GTIN, serial="S" * 21), "serial"),
        (Unit("U1", "I", 123456789, gtin=GTIN, sscc=SSCC), "quantity"),
    ],
)
def test_gs1_data_that_cannot_be_encoded_is_a_one_line_reason(unit: Unit, reason: str) -> None:
    with pytest.raises(LabelError, match=reason) as caught:
        unit_content(unit)
    assert str(caught.value).isprintable()


def test_text_from_the_database_reaches_the_label_as_one_plain_line() -> None:
    hostile = Unit("U1", "ITEM\x1b[31m\nX", 1, gtin=GTIN)
    content = unit_content(hostile, order="SO\x07-1")
    assert all(line.isprintable() for line in content.lines)
    assert content.lines[1:] == ("Item ITEM [31m X  Qty 1", "Order SO -1")


def test_only_a_staged_unit_names_its_lane() -> None:
    staged = Unit("U1", "I", 1, state=UnitState.STAGED, location="L-04")
    stored = Unit("U1", "I", 1, state=UnitState.STORED, location="S-01")
    assert staged_lane(staged) == "L-04" and staged_lane(stored) is None


@pytest.mark.parametrize(
    ("size", "dpi", "pixels"), [("100x150", 203, (799, 1199)), ("100x150", 300, (1181, 1772))]
)
def test_the_label_is_its_size_at_the_printer_resolution(
    size: str, dpi: int, pixels: tuple[int, int]
) -> None:
    image = draw_label(unit_content(PALLET), SIZES[size], dpi)
    assert image.mode == "L" and image.size == pixels
