"""Labels out: which codes are accepted, label and sheet geometry, file names, and that every
label decodes back to exactly its code with each decoder."""

from __future__ import annotations

import itertools
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stageterm.labels import (
    LabelError,
    check_code,
    decode_pil,
    make_label,
    make_sheet,
    safe_stem,
    write_labels,
)
from stageterm.labels.readers import available_readers

DECODERS = sorted(available_readers())

ROUND_TRIP_CODES = [
    "L-A01",
    "B:1001",
    "KIT/07:3",
    "lane-a-lowercase",
    "Mixed Case With Spaces",
    "LONG-CODE-ABCDEFGHIJKLMNOPQR",  # 28 characters: about the longest that fits
    "0012345678901234567890123456789012345678",  # digits pack two per symbol character
    "7",
    "~!#$%&'()*+,.;<=>?@[\\]^_`{|}",  # every punctuation mark but the double quote
]


@pytest.mark.parametrize("decoder", DECODERS)
@pytest.mark.parametrize("dpi", [203, 300])
def test_every_label_decodes_back_to_exactly_its_code(decoder: str, dpi: int) -> None:
    for code in ROUND_TRIP_CODES:
        found = decode_pil(make_label(code, title="Lane A", dpi=dpi), [decoder])
        assert [(d.text, d.symbology) for d in found] == [(code, "code128")], code


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text(
        alphabet=string.ascii_letters + string.digits + string.punctuation + " ",
        min_size=1,
        max_size=20,
    )
    .map(str.strip)
    .filter(bool)
)
def test_any_printable_ascii_code_round_trips(code: str) -> None:
    found = decode_pil(make_label(code))
    assert [d.text for d in found] == [code]


@pytest.mark.parametrize(
    ("dpi", "size"),
    [(203, (799, 400)), (300, (1181, 591))],
)
def test_label_is_100_by_50_mm_at_the_printer_resolution(dpi: int, size: tuple[int, int]) -> None:
    label = make_label("L-A01", dpi=dpi)
    assert label.mode == "L"
    assert abs(label.width - size[0]) <= 1 and abs(label.height - size[1]) <= 1


def test_bars_are_whole_dots_wide() -> None:
    # The stock python-barcode writer truncates fractional positions, which made 2-dot bars
    # come out 3 dots wide; every run of black or white must be a multiple of the module.
    label = make_label("L-A01", dpi=203)
    row = label.crop((0, label.height // 2, label.width, label.height // 2 + 1)).tobytes()
    runs = [len(list(run)) for _, run in itertools.groupby(row, key=lambda v: v < 128)]
    bar_runs = runs[1:-1]  # between the outer white margins
    module = min(bar_runs)
    assert module >= 2
    assert all(run % module == 0 for run in bar_runs)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("", "empty"),
        (" L-A01", "blank"),
        ("L-A01 ", "blank"),
        ("LÄGER-1", "not printable ASCII"),
        ("L\x1b[31mA", "control character"),
        ("L\tA", "not printable ASCII"),
        ("L\x00A", "not printable ASCII"),
        ("X" * 31, "too long"),
    ],
)
def test_codes_code128_cannot_carry_are_refused_with_a_printable_reason(
    code: str, reason: str
) -> None:
    with pytest.raises(LabelError, match=reason) as caught:
        check_code(code)
    assert str(caught.value).isprintable()


def test_long_digit_codes_fit_where_letters_do_not() -> None:
    check_code("1" * 56)
    with pytest.raises(LabelError):
        check_code("A" * 56)


def test_title_escape_sequences_never_reach_the_label() -> None:
    # Must not raise and must still round-trip: the title is drawn, not encoded.
    found = decode_pil(make_label("L-A01", title="\x1b[2J\x1b[31mLane\nA"))
    assert [d.text for d in found] == ["L-A01"]


@pytest.mark.parametrize(("paper", "pages"), [("a4", 2), ("letter", 2)])
def test_sheet_holds_ten_labels_a_page(paper: str, pages: int) -> None:
    codes = [f"L-A{n:02d}" for n in range(11)]
    sheet = make_sheet(codes, paper=paper, dpi=203)
    assert len(sheet) == pages
    a4 = (1677, 2375)
    letter = (1726, 2233)
    expected = a4 if paper == "a4" else letter
    assert all(abs(p.width - expected[0]) <= 1 and abs(p.height - expected[1]) <= 1 for p in sheet)
    first = sorted(d.text for d in decode_pil(sheet[0]))
    assert first == sorted(codes[:10])
    assert [d.text for d in decode_pil(sheet[1])] == ["L-A10"]


@pytest.mark.parametrize(
    "code",
    ["B:1001", "a/b", "../../etc/passwd", "CON", "sheet-1", "SHEET", "l-a01", "..", "a b", ":::"],
)
def test_file_names_are_safe_for_any_code(code: str) -> None:
    stem = safe_stem(code)
    assert stem and set(stem) <= set(string.ascii_letters + string.digits + "-_")
    assert stem.casefold() not in {"con", "sheet", "sheet-1"}


def test_file_names_stay_distinct_on_case_insensitive_file_systems() -> None:
    codes = ["L-A01", "l-a01", "L_A01", "L:A01", "L/A01", "CON", "con"]
    stems = {safe_stem(code).casefold() for code in codes}
    assert len(stems) == len(codes)
    assert safe_stem("L-A01") == "L-A01"  # a plain upper-case code keeps its own name


def test_write_labels_writes_pngs_pages_and_a_multi_page_pdf(tmp_path: Path) -> None:
    codes = [f"B:{n}" for n in range(1000, 1012)] + ["B:1000"]  # one repeated
    files = write_labels(codes, tmp_path / "new" / "dir", paper="letter")
    assert len(files.labels) == 12  # one file per distinct code
    assert [p.name for p in files.pages] == ["sheet-1.png", "sheet-2.png"]
    pdf = files.pdf.read_bytes()
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") >= 2
    assert all(p.exists() for p in files.all())
    assert sorted(p.name for p in (tmp_path / "new" / "dir").iterdir()) == sorted(
        p.name for p in files.all()
    )


def test_a_bad_code_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(LabelError):
        write_labels(["L-A01", "L-Ä02"], tmp_path / "out")
    assert not (tmp_path / "out").exists()
