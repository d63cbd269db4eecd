"""The one validation of master data (intake/rows.py), without a database: open-ended cells
from CSV and JSON, GS1 keys against biip and against the scanner's own reading of a label."""

from __future__ import annotations

import csv
import io
import json
import string
from pathlib import Path

import pytest
from biip.checksums import gs1_standard_check_digit
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from stageterm.intake import COLUMNS, validate
from stageterm.intake.reading import read_rows
from stageterm.intake.rows import UnitIn
from stageterm.scanning import UnitScan
from stageterm.scanning.classifier import classify

GS = "\x1d"
CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
UNIT_COLUMNS = COLUMNS["units"]

gtin_bodies = st.sampled_from([7, 11, 12, 13]).flatmap(
    lambda n: st.text(string.digits, min_size=n, max_size=n)
)
lots = st.text(CSET82, min_size=1, max_size=20)


def with_check_digit(body: str) -> str:
    return f"{body}{gs1_standard_check_digit(body)}"


def one_unit(**cells: object) -> UnitIn | str:
    """The checked unit, or its one problem."""
    checked = validate(
        "units", "u.csv", [(2, {"code": "N-1", "item": "FG", "quantity": 1, **cells})]
    )
    if checked.problems:
        [problem] = checked.problems
        return problem
    [(line, unit)] = checked.records
    assert line == 2
    return unit  # type: ignore[no-any-return]


@given(gtin_bodies)
def test_a_gtin_with_its_check_digit_is_taken_as_gtin_14(body: str) -> None:
    gtin = with_check_digit(body)
    unit = one_unit(gtin=gtin)
    assert isinstance(unit, UnitIn), unit
    assert unit.gtin == gtin.zfill(14)


@given(gtin_bodies, st.integers(1, 9))
def test_any_other_last_digit_is_a_wrong_check_digit(body: str, off: int) -> None:
    right = gs1_standard_check_digit(body)
    gtin = f"{body}{(right + off) % 10}"
    assert one_unit(gtin=gtin) == (
        f"u.csv:2: gtin {gtin!r} has a wrong check digit (it would end in {right})"
    )


@given(st.text(string.digits, min_size=17, max_size=17), st.integers(1, 9))
def test_an_sscc_is_checked_the_same_way(body: str, off: int) -> None:
    right = gs1_standard_check_digit(body)
    assert isinstance(one_unit(sscc=f"{body}{right}"), UnitIn)
    assert "has a wrong check digit" in str(one_unit(sscc=f"{body}{(right + off) % 10}"))


@given(gtin_bodies, lots, lots)
def test_an_imported_gtin_lot_and_serial_are_what_a_scanned_label_says(
    body: str, lot: str, serial: str
) -> None:
    """A key the import takes is a key the scanner finds: the label carrying it is read
    back (through the scanner's own parser) as the same GTIN, lot and serial."""
    unit = one_unit(gtin=with_check_digit(body), lot=lot, serial=serial)
    assert isinstance(unit, UnitIn), unit
    scan = classify(f"]C101{unit.gtin}10{unit.lot}{GS}21{unit.serial}")
    assert isinstance(scan, UnitScan), scan
    assert (scan.gtin, scan.lot, scan.serial) == (unit.gtin, unit.lot, unit.serial)


@given(st.text(min_size=1, max_size=30).filter(lambda s: s.strip() == s and s.isprintable()))
def test_a_lot_outside_gs1_is_refused_only_for_a_unit_with_a_gtin(lot: str) -> None:
    assume(len(lot) > 20 or any(c not in CSET82 for c in lot))
    assert "lot" in str(one_unit(gtin="09501101530003", lot=lot))
    assert isinstance(one_unit(lot=lot), UnitIn)


@given(st.integers(min_value=-(2**70), max_value=2**70))
def test_quantities_fit_the_database_column(number: int) -> None:
    unit = one_unit(quantity=number)
    if 1 <= number <= 2**31 - 1:
        assert isinstance(unit, UnitIn) and unit.quantity == number
    elif number < 1:
        assert unit == "u.csv:2: quantity must be at least 1"
    else:
        assert unit == f"u.csv:2: quantity {number} is too large (at most 2147483647)"


@pytest.mark.parametrize("digits", ["٣", "３", "³", "1_000", "+5", "0x10", "1e3", "5.0"])
def test_a_quantity_is_ascii_digits(digits: str) -> None:
    assert one_unit(quantity=digits) == f"u.csv:2: quantity {digits!r} is not a whole number"


cells = st.one_of(
    st.none(),
    st.text(max_size=80),
    st.integers(),
    st.floats(allow_nan=True),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(list(COLUMNS)),
    st.lists(
        st.dictionaries(st.sampled_from(sorted({c for cs in COLUMNS.values() for c in cs})), cells),
        max_size=6,
    ),
)
def test_any_rows_give_records_or_one_line_problems_never_an_exception(
    kind: str, rows: list[dict[str, object]]
) -> None:
    checked = validate(kind, "feed@7", list(enumerate(rows, start=1)))
    if checked.problems:
        assert checked.records == []
        for problem in checked.problems:
            assert problem.startswith("feed@7:") and "\n" not in problem
        lines = [int(p.split(":")[1]) for p in checked.problems]
        assert lines == sorted(lines) and set(lines) <= set(range(1, len(rows) + 1))
    else:
        assert [line for line, _ in checked.records] == list(range(1, len(rows) + 1))


# What str.isprintable() takes: no control, format, private or separator characters but " ".
printable = st.text(
    st.characters(blacklist_categories=("C", "Z"), whitelist_characters=" "), max_size=20
).map(str.strip)
unit_rows = st.fixed_dictionaries(
    {
        "code": st.text(string.ascii_uppercase + string.digits + "-", min_size=1, max_size=12),
        "item": printable.filter(bool),
        "gtin": st.one_of(st.just(""), gtin_bodies.map(with_check_digit)),
        "lot": st.one_of(st.just(""), lots.map(str.strip)),
        "quantity": st.integers(1, 2**31 - 1).map(str),
        "uom": st.sampled_from(["", "EA", "KG"]),
        "expiry": st.one_of(st.just(""), st.dates().map(lambda d: d.isoformat())),
        "quality": st.sampled_from(["", "released", "hold", "quarantine", "rejected"]),
        "order": printable,
    }
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(unit_rows, min_size=1, max_size=8, unique_by=lambda r: r["code"]))
def test_a_csv_file_and_a_json_file_of_the_same_rows_check_the_same(
    tmp_path: Path, rows: list[dict[str, str]]
) -> None:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    as_csv, as_json = tmp_path / "u.csv", tmp_path / "u.json"
    as_csv.write_text(out.getvalue(), encoding="utf-8")
    as_json.write_text(json.dumps(rows), encoding="utf-8")
    from_csv = validate("units", "u.csv", read_rows(as_csv, "units"))
    from_json = validate("units", "u.json", read_rows(as_json, "units"))
    assert from_json.problems == [] and len(from_json.records) == len(rows)
    assert from_csv.problems == []
    assert [r for _, r in from_csv.records] == [r for _, r in from_json.records]


def test_a_row_that_is_not_an_object_is_named_at_its_position() -> None:
    checked = validate("orders", "orders@c9", [(1, ["SO-1", "outbound"]), (2, {"ref": "SO-2"})])
    assert checked.problems == ["orders@c9:1: not an object", "orders@c9:2: kind is empty"]
