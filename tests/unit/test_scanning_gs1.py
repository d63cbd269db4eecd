"""GS1 unit labels: every separator case, AIM identifiers, Digital Link, HRI, check digits."""

from __future__ import annotations

from datetime import date

import pytest

from stageterm.scanning import ScanError, ScannerSettings, UnitScan
from stageterm.scanning.classifier import classify

GS = "\x1d"
GTIN = "09501101530003"  # GS1's own example GTIN-13, as GTIN-14
SSCC = "106141411234567897"  # GS1 US example SSCC
EXPIRY = date(2026, 12, 31)


def unit(raw: str, settings: ScannerSettings | None = None) -> UnitScan:
    scan = classify(raw) if settings is None else classify(raw, settings)
    assert isinstance(scan, UnitScan), scan
    return scan


def error(raw: str) -> str:
    scan = classify(raw)
    assert isinstance(scan, ScanError), scan
    return scan.message


def identity(scan: UnitScan) -> tuple[object, ...]:
    return (scan.sscc, scan.gtin, scan.lot, scan.serial, scan.expiry)


# One product label (GTIN, lot, serial, expiry) in every form a scanner or a person sends it.
PRODUCT_FORMS = {
    "GS1-128 with ]C1 and GS": f"]C101{GTIN}10LOT1{GS}21SER9{GS}17261231",
    "no identifier, real GS": f"01{GTIN}10LOT1{GS}21SER9{GS}17261231",
    "leading GS (FNC1 sent as GS)": f"{GS}01{GTIN}10LOT1{GS}21SER9{GS}17261231",
    "]C1 and leading GS": f"]C1{GS}01{GTIN}10LOT1{GS}21SER9{GS}17261231",
    "pipe substitute": f"01{GTIN}10LOT1|21SER9|17261231",
    "tilde substitute": f"01{GTIN}10LOT1~21SER9~17261231",
    "<GS> text substitute": f"01{GTIN}10LOT1<GS>21SER9<GS>17261231",
    "]C1 and pipe": f"]C101{GTIN}10LOT1|21SER9|17261231",
    "GS1 DataMatrix ]d2": f"]d201{GTIN}10LOT1{GS}21SER9{GS}17261231",
    "GS1 QR ]Q3": f"]Q301{GTIN}10LOT1{GS}21SER9{GS}17261231",
    "GS1 DataBar ]e0": f"]e001{GTIN}17261231{GS}10LOT1{GS}21SER9",
    "trailing GS": f"]C101{GTIN}17261231{GS}10LOT1{GS}21SER9{GS}",
    "Digital Link id.gs1.org": f"https://id.gs1.org/01/{GTIN}/10/LOT1/21/SER9?17=261231",
    "Digital Link own host": f"https://labels.example.com/dl/01/{GTIN}/10/LOT1/21/SER9?17=261231",
    "Digital Link short GTIN": "HTTP://example.com/01/9501101530003/10/LOT1/21/SER9?17=261231",
    "HRI": f"(01){GTIN}(10)LOT1(21)SER9(17)261231",
    "HRI with spaces": f"(01) {GTIN} (10) LOT1 (21) SER9 (17) 261231",
    "with CR terminator": f"]C101{GTIN}10LOT1{GS}21SER9{GS}17261231\r",
    "with CRLF terminator": f"]C101{GTIN}10LOT1{GS}21SER9{GS}17261231\r\n",
    "with Tab terminator": f"01{GTIN}10LOT1|21SER9|17261231\t",
}


@pytest.mark.parametrize("raw", PRODUCT_FORMS.values(), ids=PRODUCT_FORMS.keys())
def test_the_same_product_is_read_identically_in_every_form(raw: str) -> None:
    scan = unit(raw)
    assert identity(scan) == (None, GTIN, "LOT1", "SER9", EXPIRY)
    assert scan.is_gs1
    assert scan.count is None
    assert scan.extra == ()


# Without separators only the last variable-length field is unambiguous.
NO_SEPARATOR_FORMS = {
    "fixed-length AIs first": f"01{GTIN}1726123110LOT1",
    "fixed-length AIs first, ]C1": f"]C101{GTIN}1726123110LOT1",
    "expiry before GTIN": f"1726123101{GTIN}10LOT1",
}


@pytest.mark.parametrize("raw", NO_SEPARATOR_FORMS.values(), ids=NO_SEPARATOR_FORMS.keys())
def test_element_strings_without_separators(raw: str) -> None:
    assert identity(unit(raw)) == (None, GTIN, "LOT1", None, EXPIRY)


def test_a_lot_followed_by_another_ai_without_separator_takes_biips_reading() -> None:
    # Ambiguous by nature: the lot may legally contain digits, so it runs to the end.
    scan = unit(f"]C101{GTIN}10LOT117261231")
    assert scan.lot == "LOT117261231"
    assert scan.expiry is None


PALLET_FORMS = {
    "GS1-128": f"]C100{SSCC}02{GTIN}3712{GS}10LOT1",
    "pipe": f"00{SSCC}02{GTIN}3712|10LOT1",
    "HRI": f"(00){SSCC}(02){GTIN}(37)12(10)LOT1",
    "Digital Link": f"https://id.gs1.org/00/{SSCC}?02={GTIN}&37=12&10=LOT1",
}


@pytest.mark.parametrize("raw", PALLET_FORMS.values(), ids=PALLET_FORMS.keys())
def test_pallet_label_sscc_with_content_gtin_and_count(raw: str) -> None:
    scan = unit(raw)
    assert identity(scan) == (SSCC, GTIN, "LOT1", None, None)
    assert scan.count == 12


@pytest.mark.parametrize(
    "raw", [SSCC, f"00{SSCC}", f"]C100{SSCC}", f"(00){SSCC}", f"https://id.gs1.org/00/{SSCC}"]
)
def test_sscc_alone_in_every_form(raw: str) -> None:
    assert unit(raw).sscc == SSCC


def test_bare_numbers_with_valid_check_digit_are_gs1_but_keep_their_code() -> None:
    sscc = unit(SSCC)
    assert (sscc.sscc, sscc.code, sscc.is_gs1) == (SSCC, SSCC, True)
    ean13 = unit("9501101530003")
    assert (ean13.gtin, ean13.code) == (GTIN, "9501101530003")
    assert unit("]E09501101530003").gtin == GTIN
    assert unit("96385074").gtin == "00000096385074"  # GTIN-8
    assert unit("036000291452").gtin == "00036000291452"  # UPC-A


def test_bare_numbers_with_wrong_check_digit_are_plain_codes() -> None:
    # A site's own numeric codes can have GTIN/SSCC length; only the check digit tells.
    scan = unit("106141411234567890")
    assert (scan.code, scan.is_gs1, scan.sscc) == ("106141411234567890", False, None)
    assert unit("9501101530004").gtin is None


def test_ean_symbology_promises_a_gtin_so_a_bad_check_digit_is_an_error() -> None:
    assert error("]E09501101530004") == "GTIN check digit is wrong: 9501101530004"


def test_declared_gs1_has_no_code_and_guessed_gs1_keeps_it() -> None:
    assert unit(f"]C101{GTIN}10LOT1").code is None
    assert unit(f"01{GTIN}10LOT1|21S").code == f"01{GTIN}10LOT1|21S"


def test_symbology_is_reported_as_sent() -> None:
    assert unit(f"]C101{GTIN}").symbology == "]C1"
    assert unit(f"]d201{GTIN}").symbology == "]d2"
    assert unit("]C0LANE-01").symbology == "]C0"
    assert unit(f"01{GTIN}").symbology is None


def test_other_ais_go_to_extra_in_label_order() -> None:
    scan = unit(f"]C101{GTIN}3103000500400PO123{GS}11250101{GS}15261130")
    assert scan.gtin == GTIN
    assert scan.extra == (("3103", "000500"), ("400", "PO123"), ("11", "250101"), ("15", "261130"))


def test_content_gtin_goes_to_extra_when_the_label_has_its_own_gtin() -> None:
    scan = unit(f"]C101{GTIN}0200614141999996")
    assert scan.gtin == GTIN
    assert scan.extra == (("02", "00614141999996"),)


def test_counts_37_before_30() -> None:
    assert unit(f"]C101{GTIN}3025").count == 25
    scan = unit(f"]C100{SSCC}02{GTIN}3025{GS}3712")
    assert scan.count == 12
    assert scan.extra == (("30", "25"),)


def test_expiry_day_00_means_end_of_month() -> None:
    assert unit(f"]C101{GTIN}17260200").expiry == date(2026, 2, 28)
    assert unit(f"]C101{GTIN}17280200").expiry == date(2028, 2, 29)


def test_repeated_ai_with_same_value_is_fine_and_with_other_value_is_an_error() -> None:
    assert unit(f"]C110A{GS}10A").lot == "A"
    assert error(f"]C110A{GS}10B") == "GS1 field (10) BATCH/LOT appears twice with different values"


CHECK_DIGIT_ERRORS = {
    f"]C10109501101530004{GS}10LOT1": "GTIN check digit is wrong: 09501101530004",
    "0109501101530004": "GTIN check digit is wrong: 09501101530004",
    "(01)09501101530004(10)LOT1": "GTIN check digit is wrong: 09501101530004",
    "https://id.gs1.org/01/09501101530004/10/LOT1": "GTIN check digit is wrong: 09501101530004",
    "]C100106141411234567890": "SSCC check digit is wrong: 106141411234567890",
    "00106141411234567890": "SSCC check digit is wrong: 106141411234567890",
    f"00{SSCC}0209501101530004": "GTIN check digit is wrong: 09501101530004",
    "]C14140614141000419": "GLN check digit is wrong: 0614141000419",
}


@pytest.mark.parametrize("raw,message", CHECK_DIGIT_ERRORS.items())
def test_wrong_check_digits_are_named(raw: str, message: str) -> None:
    assert error(raw) == message


BROKEN_GS1 = {
    "]C1ABC": "Unknown GS1 field at: ABC",
    f"]C101{GTIN}xx": "Unknown GS1 field at: xx",
    "]C10109501101": "GS1 field (01) GTIN has the wrong format (expected N2+N14): 09501101",
    f"]C101{GTIN}17260231": "GS1 field (17) USE BY or EXPIRY is not a real date: 260231",
    f"]C101{GTIN}17261399": (
        "GS1 field (17) USE BY or EXPIRY has the wrong format (expected N2+N6): 261399"
    ),
    "]C130": "GS1 field (30) VAR. COUNT has no data",
    f"{GS}10": "GS1 field (10) BATCH/LOT has no data",
    "(01)0950110153000(10)A": (
        "GS1 field (01) GTIN has the wrong format (expected N2+N14): 0950110153000"
    ),
    "(01)09501101530003(17)260231": "GS1 field (17) USE BY or EXPIRY is not a real date: 260231",
    "(01)09501101530003junk": "Unknown GS1 field at: junk",
    "https://example.com/products/42": (
        "Web address is not a GS1 Digital Link: https://example.com/products/42"
    ),
    f"https://id.gs1.org/01/{GTIN}/10/A?17=260231": (
        "GS1 field (17) USE BY or EXPIRY in the Digital Link is not valid"
    ),
    # Percent-encoding must not smuggle an escape sequence into a lot.
    f"https://id.gs1.org/01/{GTIN}/10/A%1B%5B31m": (
        "GS1 field (10) BATCH/LOT in the Digital Link is not valid"
    ),
    "https://id.gs1.org/01/٠٩٥٠١١٠١٥٣٠٠٠٣": "Web address has characters outside plain ASCII: "
    "https://id.gs1.org/01/٠٩٥٠١١٠١٥٣٠٠٠٣",
    "https://id.gs1.org/01/%D9%A0%D9%A9%D9%A5%D9%A0%D9%A1%D9%A1%D9%A0%D9%A1%D9%A5%D9%A3%D9%A0%D9%A0%D9%A0%D9%A3": (
        "GS1 field (01) GTIN has characters GS1 does not allow: ٠٩٥٠١١٠١٥٣٠٠٠٣"
    ),
}


@pytest.mark.parametrize("raw,message", BROKEN_GS1.items())
def test_broken_gs1_says_which_field_is_wrong(raw: str, message: str) -> None:
    assert error(raw) == message


def test_guessed_gs1_that_does_not_parse_stays_a_plain_code() -> None:
    # No identifier, no GS: a failed parse means "not GS1", not an error.
    for raw in ["0109501101", "1000", "21A", f"01{GTIN}10LOT1|99", "10LOT1|17261231"]:
        scan = unit(raw)
        assert (scan.code, scan.is_gs1) == (raw, False)


def test_custom_substitutes_replace_the_defaults() -> None:
    settings = ScannerSettings(gs_substitutes=("#",))
    assert unit(f"01{GTIN}10LOT1#21SER9", settings).serial == "SER9"
    # "|" is no longer a separator, so the text is just a code.
    assert unit(f"01{GTIN}10LOT1|21SER9", settings).is_gs1 is False
    # Empty substitutes would match everywhere; they are ignored.
    assert unit(f"01{GTIN}10LOT1|21SER9", ScannerSettings(gs_substitutes=("", "|"))).lot == "LOT1"
