"""GS1 names for units, places and orders: Digital Link, SGLN, site URIs, units of measure."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stageterm.sync.identifiers import (
    IdentifierError,
    Namer,
    gtin14,
    gtin_class,
    gtin_instance,
    quote_part,
    site_slug,
    sscc18,
    sscc_instance,
    uom_code,
)

URI_SAFE = re.compile(r"^[A-Za-z0-9\-._~%]*$")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("4012345000009", "04012345000009"),  # GTIN-13
        ("012345678905", "00012345678905"),  # GTIN-12
        ("96385074", "00000096385074"),  # GTIN-8
        ("04012345000009", "04012345000009"),
        (" 4012345000009 ", "04012345000009"),
        ("401234500005", "00401234500005"),
        ("14012345000006", "14012345000006"),
        ("401234500000", None),  # GTIN-12 with a wrong check digit
        ("40123450000091", None),  # GTIN-14 with a wrong check digit
        ("4012345000001", None),
        ("4O12345000009", None),  # a letter O
        ("123", None),
        ("٤٠١٢٣٤٥٠٠٠٠٠٩", None),  # Arabic-Indic digits are digits to Python, not to GS1
        ("", None),
        (None, None),
    ],
)
def test_gtins_are_padded_to_14_digits_and_anything_else_is_not_a_gtin(
    raw: str | None, expected: str | None
) -> None:
    assert gtin14(raw) == expected


def test_digital_links_follow_gs1_key_and_qualifier_order() -> None:
    assert gtin_class("04012345000009", None) == "https://id.gs1.org/01/04012345000009"
    assert (
        gtin_class("04012345000009", "L7/a(1)!")
        == "https://id.gs1.org/01/04012345000009/10/L7%2Fa%281%29%21"
    )
    # A space is not in GS1's character set: no lot in the name (the mapping says it apart).
    assert gtin_class("04012345000009", "L 7/a") == "https://id.gs1.org/01/04012345000009"
    assert (
        gtin_instance("04012345000009", "SN+1,2")
        == "https://id.gs1.org/01/04012345000009/21/SN%2B1%2C2"
    )
    assert sscc18("340123450000000017") == "340123450000000017" and sscc18("3401234500") is None
    assert sscc18("340123450000000018") is None  # wrong check digit
    assert sscc_instance("340123450000000017") == "https://id.gs1.org/00/340123450000000017"


def test_site_names_become_dns_labels() -> None:
    assert site_slug("Plant 1 (Köln)") == "plant-1-k-ln"
    assert site_slug("---") == "site"
    assert len(site_slug("x" * 100)) == 63
    assert Namer("Dock Side").unit("U/1") == "https://dock-side.stageterm.local/unit/U%2F1"
    assert Namer("s").order("SO 1") == "https://s.stageterm.local/order/SO%201"


def test_sgln_needs_a_gln_in_epc_form() -> None:
    assert Namer("s", "4012345.00001").location("A-1") == "urn:epc:id:sgln:4012345.00001.A-1"
    assert Namer("s", "401234567890.").location("X") == "urn:epc:id:sgln:401234567890..X"
    for bad in ("4012345", "4012345.0001", "4012345000017", "40123.4500001", "abc.def"):
        with pytest.raises(IdentifierError, match=r"CompanyPrefix\.LocationReference"):
            Namer("s", bad)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("kg", ("KGM", True)),
        ("KG", ("KGM", True)),
        ("l", ("LTR", True)),
        ("MTR", ("MTR", True)),
        ("ea", (None, True)),
        ("PCS", (None, True)),
        (None, (None, True)),
        ("box", (None, False)),
        ("Kilogram", (None, False)),
    ],
)
def test_units_of_measure_become_un_ece_codes_or_counts(
    raw: str | None, expected: tuple[str | None, bool]
) -> None:
    assert uom_code(raw) == expected


@given(st.text(max_size=40))
def test_any_text_quotes_to_a_safe_path_segment(text: str) -> None:
    quoted = quote_part(text)
    assert URI_SAFE.match(quoted)
    assert "/" not in quoted


@pytest.mark.parametrize(
    ("code", "sgln"),
    [
        # What the Tag Data Standard allows stays as it is; its seven escapes are escaped.
        ("BAY-7.N_2", "urn:epc:id:sgln:4012345.00001.BAY-7.N_2"),
        ("L(1)*+,;:=!'", "urn:epc:id:sgln:4012345.00001.L(1)*+,;:=!'"),
        ('A/B?C&D%E"F<G>', "urn:epc:id:sgln:4012345.00001.A%2FB%3FC%26D%25E%22F%3CG%3E"),
        ("X" * 20, "urn:epc:id:sgln:4012345.00001." + "X" * 20),
    ],
)
def test_sgln_extensions_are_escaped_as_the_tag_data_standard_says(code: str, sgln: str) -> None:
    assert Namer("s", "4012345.00001").location(code) == sgln


@pytest.mark.parametrize(
    "code", ["Bay 7/North #2 (overflow)", "X" * 21, "Kühlraum", "A#1", "LANE@2", "", "[1]"]
)
def test_a_code_that_cannot_be_an_sgln_extension_is_named_by_its_site_uri(code: str) -> None:
    named = Namer("Plant", "4012345.00001").location(code)
    assert named == f"https://plant.stageterm.local/loc/{quote_part(code)}"


@given(st.text(alphabet="!\"%&'()*+,-./0123456789:;<=>?ABCZ_abcz", min_size=1, max_size=20))
def test_any_cs82_lot_or_serial_reads_back_from_its_digital_link(value: str) -> None:
    """biip, a GS1 parser, reads the lot and serial back exactly from the URIs we make."""
    from biip.gs1_digital_link_uris import GS1DigitalLinkURI

    for uri, ai in (
        (gtin_class("04012345000009", value), "10"),
        (gtin_instance("04012345000009", value), "21"),
    ):
        read = {e.ai.ai: e.value for e in GS1DigitalLinkURI.parse(uri).element_strings}
        assert read == {"01": "04012345000009", ai: value}
