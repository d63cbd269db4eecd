"""Master data in: CSV and JSON, checked row by row, all or nothing, `FILE:LINE: reason`.

On the test site (helpers.py). What is written (and what is not) is checked on a SQLite
file and on PostgreSQL; reading and checking cells, which never reach the database,
on SQLite only.
"""

from __future__ import annotations

import csv
import io
import json
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text

from integration.helpers import (
    FIXED_NOW,
    all_events,
    all_units,
    held_write_lock,
    start_cli,
    table_dump,
)
from stageterm.domain.model import (
    EventType,
    LocationKind,
    OrderStatus,
    Quality,
    SyncState,
    UnitState,
)
from stageterm.domain.pins import check_pin
from stageterm.intake import ImportFailed, import_file
from stageterm.services.site import Site
from stageterm.store import engine, queries
from stageterm.store.engine import Store
from stageterm.store.errors import StoreError
from stageterm.store.tables import OperatorRow

UNITS_HEADER = "code,item,gtin,lot,serial,sscc,quantity,uom,expiry,quality,location,order"


def clock():  # type: ignore[no-untyped-def]
    return FIXED_NOW


def write(tmp_path: Path, name: str, body: str | list[dict[str, object]]) -> Path:
    path = tmp_path / name
    path.write_text(body if isinstance(body, str) else json.dumps(body), encoding="utf-8")
    return path


def everything(store: Store) -> tuple[object, ...]:
    return (
        table_dump(store, "locations", "code"),
        table_dump(store, "operators", "badge"),
        table_dump(store, "orders", "ref"),
        table_dump(store, "order_lines", "id"),
        all_units(store),
        len(all_events(store)),
    )


@contextmanager
def nothing_written(store: Store) -> Iterator[None]:
    before = everything(store)
    yield
    assert everything(store) == before


def problems_of(store: Store, kind: str, path: Path) -> list[str]:
    with nothing_written(store), pytest.raises(ImportFailed) as failed:
        import_file(store, kind, path, clock=clock)
    return failed.value.problems


# -- bad files and bad rows: reported with their line, nothing written ---------------------------


def test_an_unknown_column_is_named_on_the_header_line(sqlite_site: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "units.csv", UNITS_HEADER + ",colour\nN-1,FG-1,,,,,5,,,,S-01,,red\n")
    [problem] = problems_of(sqlite_site, "units", path)
    assert problem.startswith("units.csv:1: unknown column 'colour'")
    assert "code,item" in problem  # and says which columns it takes


def test_a_missing_required_cell_is_reported_at_its_line(
    sqlite_site: Store, tmp_path: Path
) -> None:
    path = write(
        tmp_path, "units.csv", f"{UNITS_HEADER}\nN-1,FG-1,,,,,5,,,,S-01,\nN-2,,,,,,5,,,,S-01,\n"
    )
    assert problems_of(sqlite_site, "units", path) == ["units.csv:3: item is empty"]


@pytest.mark.parametrize(
    ("kind", "header", "row", "reason"),
    [
        ("locations", "code,kind", "X-1,shelf", "kind 'shelf' is not one of"),
        ("locations", "code,kind,capacity", "X-1,lane,ten", "capacity 'ten' is not a whole number"),
        ("locations", "code,kind,capacity", "X-1,lane,0", "capacity must be at least 1"),
        ("units", UNITS_HEADER, "N-1,FG-1,,,,,-3,,,,S-01,", "quantity must be at least 1"),
        (
            "units",
            UNITS_HEADER,
            "N-1,FG-1,,,,,2.5,,,,S-01,",
            "quantity '2.5' is not a whole number",
        ),
        (
            "units",
            UNITS_HEADER,
            "N-1,FG-1,,,,,5,,31/12/2026,,S-01,",
            "expiry '31/12/2026' is not a date",
        ),
        ("units", UNITS_HEADER, "N-1,FG-1,,,,,5,,,good,S-01,", "quality 'good' is not one of"),
        (
            "units",
            UNITS_HEADER,
            "N-1,FG-1,123,,,,5,,,,S-01,",
            "gtin '123' is not 8, 12, 13 or 14 digits",
        ),
        ("units", UNITS_HEADER, "N-1,FG-1,,,,12345,5,,,,S-01,", "sscc '12345' is not 18 digits"),
        ("units", UNITS_HEADER, "N-1,FG-1,,,,,5,,,,X-9,", "location 'X-9' is not known"),
        ("units", UNITS_HEADER, "N-1,FG-1,,,,,5,,,,D-N,", "location D-N is a dock"),
        ("units", UNITS_HEADER, "N-1,FG-1,,,,,5,,,,S-01,SO-404", "order 'SO-404' is not known"),
        ("units", UNITS_HEADER, "U-01,FG-1,,,,,5,,,,S-01,", "unit U-01 already exists"),
        (
            "orders",
            "ref,kind,due_at",
            "SO-9,outbound,tomorrow",
            "due_at 'tomorrow' is not a date-time",
        ),
        (
            "orders",
            "ref,kind,item,quantity",
            "SO-9,outbound,FG-1,",
            "an order line needs both item and quantity",
        ),
        ("operators", "badge,name,role", "4001,Sam,boss", "role 'boss' is not one of"),
        (
            "operators",
            "badge,name,role,pin",
            "4001,Sam,operator,12",
            "pin must be 4 to 32 characters",
        ),
    ],
)
def test_bad_cells_are_reported_with_file_line_and_reason(
    sqlite_site: Store, tmp_path: Path, kind: str, header: str, row: str, reason: str
) -> None:
    path = write(tmp_path, f"{kind}.csv", f"{header}\n{row}\n")
    [problem] = problems_of(sqlite_site, kind, path)
    assert problem.startswith(f"{kind}.csv:2: {reason}"), problem


def test_a_duplicate_is_reported_at_the_later_line(sqlite_site: Store, tmp_path: Path) -> None:
    body = "code,kind\nX-1,lane\nX-2,lane\nX-1,storage\n"
    assert problems_of(sqlite_site, "locations", write(tmp_path, "locs.csv", body)) == [
        "locs.csv:4: duplicate code 'X-1'"
    ]


def test_every_bad_row_is_reported_at_once(sqlite_site: Store, tmp_path: Path) -> None:
    body = (
        f"{UNITS_HEADER}\nN-1,FG-1,,,,,5,,,,S-01,\nN-2,,,,,,5,,,,S-01,\nN-3,FG-1,,,,,x,,,,S-01,\n"
    )
    problems = problems_of(sqlite_site, "units", write(tmp_path, "units.csv", body))
    assert [p.split(": ")[0] for p in problems] == ["units.csv:3", "units.csv:4"]


def test_one_bad_row_and_nothing_of_the_file_is_written(site_store: Store, tmp_path: Path) -> None:
    good = "\n".join(f"N-{i},FG-1,,,,,5,EA,,,S-01," for i in range(1, 50))
    body = f"{UNITS_HEADER}\n{good}\nN-50,FG-1,,,,,5,EA,,,NOWHERE,\n"
    [problem] = problems_of(site_store, "units", write(tmp_path, "units.csv", body))
    assert problem.startswith("units.csv:51: location 'NOWHERE'")
    assert not any(code.startswith("N-") for code in all_units(site_store))


def test_a_bad_update_leaves_known_locations_as_they_were(
    site_store: Store, tmp_path: Path
) -> None:
    body = "code,kind,capacity\nL-ACME-N,lane,9\nL-NEW,lane,nine\n"
    problems_of(site_store, "locations", write(tmp_path, "locs.csv", body))
    assert Site(site_store).views.location("L-ACME-N").capacity == 2  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("name", "body", "problem"),
    [
        ("units.csv", "", "units.csv:1: empty file, expected a header row"),
        ("units.csv", f"{UNITS_HEADER}\nN-1,FG-1,5\n", "units.csv:2: 3 cells, header has 12"),
        ("units.json", '{"code": "N-1"}', "units.json: JSON must be a list of objects"),
        (
            "units.json",
            '[{"code": "N-1", "item": "FG-1", "quantity": 5}, "N-2"]',
            "units.json:2: not an object",
        ),
    ],
)
def test_unreadable_files(
    sqlite_site: Store, tmp_path: Path, name: str, body: str, problem: str
) -> None:
    assert problems_of(sqlite_site, "units", write(tmp_path, name, body)) == [problem]


def test_a_missing_file(sqlite_site: Store, tmp_path: Path) -> None:
    assert problems_of(sqlite_site, "units", tmp_path / "gone.csv") == ["gone.csv: no such file"]


def test_an_unknown_kind(sqlite_site: Store, tmp_path: Path) -> None:
    [problem] = problems_of(sqlite_site, "pallets", write(tmp_path, "p.csv", "code\nP-1\n"))
    assert "unknown import kind 'pallets'" in problem
    assert "locations, units, orders, operators" in problem


def test_control_characters_in_a_cell_are_refused(sqlite_site: Store, tmp_path: Path) -> None:
    body = f"{UNITS_HEADER}\nN-1,FG\x1b[31m,,,,,5,,,,S-01,\n"
    [problem] = problems_of(sqlite_site, "units", write(tmp_path, "units.csv", body))
    assert problem == "units.csv:2: item has control characters"


# -- JSON -------------------------------------------------------------------------------------


def test_bad_json_is_reported_at_the_line_of_the_mistake(
    sqlite_site: Store, tmp_path: Path
) -> None:
    body = '[\n  {"code": "N-1", "item": "FG-1", "quantity": 5},\n  {"code": "N-2" "item": "FG-1"}\n]\n'
    [problem] = problems_of(sqlite_site, "units", write(tmp_path, "units.json", body))
    assert problem.startswith("units.json:3: not valid JSON")


def test_json_lines_are_positions_in_the_list(sqlite_site: Store, tmp_path: Path) -> None:
    rows: list[dict[str, object]] = [
        {"code": "N-1", "item": "FG-1", "quantity": 5, "location": "S-01"},
        {"code": "N-2", "item": "FG-1", "quantity": 5, "location": "S-01"},
        {"code": "N-3", "item": "FG-1", "quantity": "many", "location": "S-01"},
        {"code": "N-2", "item": "FG-1", "quantity": 5, "location": "S-01"},
    ]
    problems = problems_of(sqlite_site, "units", write(tmp_path, "units.json", rows))
    assert sorted(problems) == [
        "units.json:3: quantity 'many' is not a whole number",
        "units.json:4: duplicate code 'N-2'",
    ]


def test_json_unknown_key_is_named_at_its_position(sqlite_site: Store, tmp_path: Path) -> None:
    rows: list[dict[str, object]] = [
        {"code": "X-1", "kind": "lane"},
        {"code": "X-2", "kind": "lane", "size": 3},
    ]
    [problem] = problems_of(sqlite_site, "locations", write(tmp_path, "locs.json", rows))
    assert problem.startswith("locs.json:2: unknown column 'size'")


def test_json_numbers_nulls_and_empty_strings(sqlite_site: Store, tmp_path: Path) -> None:
    rows: list[dict[str, object]] = [
        {"code": "N-1", "item": "FG-1", "quantity": 7, "location": "S-01", "lot": None, "uom": ""},
    ]
    import_file(sqlite_site, "units", write(tmp_path, "units.json", rows), clock=clock)
    unit = all_units(sqlite_site)["N-1"]
    assert (unit.quantity, unit.lot, unit.uom) == (7, None, None)


# -- what gets written -------------------------------------------------------------------------


def test_units_arrive_with_a_receive_event_that_stays_local(
    site_store: Store, tmp_path: Path
) -> None:
    body = (
        f"{UNITS_HEADER}\n"
        "N-1,FG-1,9501101530010,LOT-9,SER-1,009501101500000099,12,EA,2026-09-30,hold,S-01,SO-1\n"
        "N-2,C-1,,,,,30,,,,KIT-FREE,\n"
        "N-3,FG-2,,,,,1,,,quarantine,Q-01,\n"
    )
    report = import_file(
        site_store, "units", write(tmp_path, "units.csv", body), clock=clock, operator="9001"
    )
    assert (report.kind, report.created, report.updated) == ("units", 3, 0)
    units = all_units(site_store)
    n1 = units["N-1"]
    assert (n1.gtin, n1.lot, n1.serial, n1.sscc, n1.quantity, n1.uom) == (
        "09501101530010",  # a GTIN-13 is kept as GTIN-14
        "LOT-9",
        "SER-1",
        "009501101500000099",
        12,
        "EA",
    )
    assert (n1.quality, n1.state, n1.location, n1.order, n1.expiry.isoformat()) == (  # type: ignore[union-attr]
        Quality.HOLD,
        UnitState.STORED,
        "S-01",
        "SO-1",
        "2026-09-30",
    )
    # A unit received into a kitting area or lane is staged there from that moment.
    assert (units["N-2"].state, units["N-2"].staged_at) == (UnitState.STAGED, FIXED_NOW)
    assert units["N-3"].quality is Quality.QUARANTINE
    receipts = [e for e in all_events(site_store) if e.unit.startswith("N-")]
    assert [(e.type, e.sync_state, e.operator) for e in receipts] == [
        (EventType.RECEIVE, SyncState.LOCAL, "9001")
    ] * 3
    assert receipts[0].reason == "import units.csv"


def test_known_locations_are_updated_and_new_ones_added(site_store: Store, tmp_path: Path) -> None:
    body = "code,kind,name,customer,route,carrier,capacity,work_order\nL-ACME-N,lane,Lane A,ACME,NORTH,DHL,6,\nL-NEW,lane,,,,,,\n"
    report = import_file(site_store, "locations", write(tmp_path, "locs.csv", body), clock=clock)
    assert (report.created, report.updated) == (1, 1)
    services = Site(site_store)
    lane = services.views.location("L-ACME-N")
    assert lane is not None
    assert (lane.name, lane.carrier, lane.capacity) == ("Lane A", "DHL", 6)
    assert services.views.location("L-NEW") is not None


def test_known_orders_are_updated_with_their_new_lines(site_store: Store, tmp_path: Path) -> None:
    body = (
        "ref,kind,customer,route,carrier,due_at,item,quantity\n"
        "WO-1,production,,,,2026-03-02T15:00:00+01:00,C-1,20\n"
        "WO-1,production,,,,2026-03-02T15:00:00+01:00,C-7,4\n"
        "SO-9,outbound,CORA,EAST,DSV,2026-03-03T08:00:00+01:00,FG-1,10\n"
    )
    report = import_file(site_store, "orders", write(tmp_path, "orders.csv", body), clock=clock)
    assert (report.created, report.updated) == (1, 1)
    wo = {p.order.ref: p for p in Site(site_store).views.kitting()}["WO-1"]
    # The lines are the file's now: C-2 is gone, C-7 is new, C-1 asks for 20.
    assert {(line.item, line.required) for line in wo.lines} == {("C-1", 20), ("C-7", 4)}


def test_order_rows_must_agree_on_the_header(sqlite_site: Store, tmp_path: Path) -> None:
    body = "ref,kind,customer,route,item,quantity\nSO-9,outbound,CORA,EAST,FG-1,1\nSO-9,outbound,CORA,WEST,FG-2,1\n"
    [problem] = problems_of(sqlite_site, "orders", write(tmp_path, "orders.csv", body))
    assert problem.startswith("orders.csv:3: order SO-9 differs from its earlier rows")


def test_known_operators_are_updated_and_pins_are_hashed(site_store: Store, tmp_path: Path) -> None:
    body = "badge,name,role,pin\n1001,Ana Ortiz-Lee,lead,731904\n4001,Sam Reyes,operator,\n"
    report = import_file(site_store, "operators", write(tmp_path, "ops.csv", body), clock=clock)
    assert (report.created, report.updated) == (1, 1)
    with site_store.read() as session:
        rows = {r.badge: r for r in session.execute(select(OperatorRow)).scalars()}
    ana, sam = rows["1001"], rows["4001"]
    assert (ana.name, ana.role) == ("Ana Ortiz-Lee", "lead")
    assert ana.pin_hash is not None and ana.pin_hash != "731904"
    assert check_pin("731904", ana.pin_hash)
    assert sam.pin_hash is None
    services = Site(site_store)
    assert services.accounts.sign_in("1001", "731904").role.value == "lead"


def test_an_update_without_a_pin_keeps_the_pin(site_store: Store, tmp_path: Path) -> None:
    body = "badge,name,role\n2002,Mia Novak,lead\n"
    import_file(site_store, "operators", write(tmp_path, "ops.csv", body), clock=clock)
    assert Site(site_store).accounts.sign_in("2002", "2468").badge == "2002"


def test_a_pin_is_never_stored_in_plain(site_store: Store, backend, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    body = "badge,name,role,pin\n4001,Sam Reyes,lead,73190482\n"
    import_file(site_store, "operators", write(tmp_path, "ops.csv", body), clock=clock)
    if backend.is_postgres:
        with site_store.read() as session:
            dump = " ".join(
                str(row)
                for table in ("operators", "events", "locations")
                for row in session.execute(text(f"SELECT * FROM {table}"))
            )
        assert "73190482" not in dump
    else:
        site_store.dispose()  # every byte on disk: the database and its WAL
        path = Path(site_store.url.removeprefix("sqlite:///"))
        for file in path.parent.glob(path.name + "*"):
            assert b"73190482" not in file.read_bytes(), file


def test_a_utf8_bom_from_a_spreadsheet_is_ignored(sqlite_site: Store, tmp_path: Path) -> None:
    path = tmp_path / "locs.csv"
    path.write_bytes("\ufeffcode,kind,name\nX-1,storage,Réserve\n".encode())
    import_file(sqlite_site, "locations", path, clock=clock)
    assert Site(sqlite_site).views.location("X-1").name == "Réserve"  # type: ignore[union-attr]


# -- GS1 data is checked where it enters (issue #13.3) ------------------------------------------


def unit_row(**cells: object) -> dict[str, object]:
    return {"code": "N-1", "item": "FG-1", "quantity": 5, "location": "S-01", **cells}


def as_csv(row: dict[str, object]) -> str:
    """The row as a units CSV (every column, in the SPEC's order), quoted as a spreadsheet would."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(UNITS_HEADER.split(","))
    writer.writerow(["" if row.get(c) is None else row[c] for c in UNITS_HEADER.split(",")])
    return out.getvalue()


def import_one(store: Store, tmp_path: Path, row: dict[str, object], form: str) -> Path:
    body = as_csv(row) if form == "csv" else [row]
    return write(tmp_path, f"units.{form}", body)


FORMS = ["csv", "json"]
GOOD_GS1 = [
    pytest.param({"gtin": "96385074"}, "00000096385074", id="gtin-8"),
    pytest.param({"gtin": "614141000036"}, "00614141000036", id="gtin-12"),
    pytest.param({"gtin": "9501101530003"}, "09501101530003", id="gtin-13"),
    pytest.param({"gtin": "09501101530003"}, "09501101530003", id="gtin-14"),
    pytest.param({"gtin": "19501101530000"}, "19501101530000", id="gtin-14-case"),
    pytest.param({"sscc": "009501101500000099"}, None, id="sscc"),
    pytest.param(
        {"gtin": "09501101530003", "lot": "LOT-9/A.1", "serial": "ab!%&'()*+,-./:;<=>?_\"z"[:20]},
        "09501101530003",
        id="cset82-lot-and-serial",
    ),
    pytest.param(
        {"gtin": "09501101530003", "lot": "L" * 20, "serial": "S" * 20},
        "09501101530003",
        id="20-characters",
    ),
    # Without a GTIN a lot is the site's own text: GS1's limits do not apply.
    pytest.param({"lot": "Charge Nr. 7 — Süd", "serial": "X" * 40}, None, id="no-gtin-free-lot"),
]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(("cells", "stored_gtin"), GOOD_GS1)
def test_right_gs1_keys_are_taken(
    sqlite_site: Store, tmp_path: Path, form: str, cells: dict[str, object], stored_gtin: str | None
) -> None:
    import_file(
        sqlite_site,
        "units",
        import_one(sqlite_site, tmp_path, unit_row(**cells), form),
        clock=clock,
    )
    unit = all_units(sqlite_site)["N-1"]
    assert unit.gtin == stored_gtin
    assert (unit.lot, unit.serial, unit.sscc) == (
        cells.get("lot"),
        cells.get("serial"),
        cells.get("sscc"),
    )


BAD_GS1 = [
    pytest.param(
        {"gtin": "09501101530004"},
        "gtin '09501101530004' has a wrong check digit (it would end in 3)",
        id="gtin-check-digit",
    ),
    pytest.param(
        {"gtin": "96385075"}, "gtin '96385075' has a wrong check digit", id="gtin-8-check-digit"
    ),
    pytest.param(
        {"sscc": "009501101500000098"},
        "sscc '009501101500000098' has a wrong check digit (it would end in 9)",
        id="sscc-check-digit",
    ),
    pytest.param(
        {"gtin": "0950110153000³"},
        "gtin '0950110153000³' is not made of the digits 0-9 only",
        id="gtin-superscript",
    ),
    pytest.param(
        {"gtin": "٠٩٥٠١١٠١٥٣٠٠٠٣"},  # Arabic-Indic digits: str.isdecimal() says yes
        "gtin '٠٩٥٠١١٠١٥٣٠٠٠٣' is not made of the digits 0-9 only",
        id="gtin-arabic-indic",
    ),
    pytest.param(
        {"sscc": "٠٠٩٥٠١١٠١٥٠٠٠٠٠٠٩٩"},
        "sscc '٠٠٩٥٠١١٠١٥٠٠٠٠٠٠٩٩' is not made of the digits 0-9 only",
        id="sscc-arabic-indic",
    ),
    pytest.param({"gtin": "950110153000"[:10]}, "gtin '9501101530' is not 8, 12, 13", id="gtin-10"),
    pytest.param(
        {"gtin": "095011015300030"}, "gtin '095011015300030' is not 8, 12, 13", id="gtin-15"
    ),
    pytest.param(
        {"sscc": "09501101500000099"}, "sscc '09501101500000099' is not 18 digits", id="sscc-17"
    ),
    pytest.param(
        {"gtin": "09501101530003", "lot": "LOT 9"},
        "lot 'LOT 9' has characters outside GS1 character set 82",
        id="lot-space",
    ),
    pytest.param(
        {"gtin": "09501101530003", "lot": "Lös"},
        "lot 'Lös' has characters outside GS1 character set 82",
        id="lot-umlaut",
    ),
    pytest.param(
        {"gtin": "09501101530003", "serial": "S#1"},
        "serial 'S#1' has characters outside GS1 character set 82",
        id="serial-hash",
    ),
    pytest.param(
        {"gtin": "09501101530003", "lot": "L" * 21},
        "lot is longer than 20 characters",
        id="lot-21",
    ),
    pytest.param(
        {"gtin": "09501101530003", "serial": "S" * 21},
        "serial is longer than 20 characters",
        id="serial-21",
    ),
]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(("cells", "reason"), BAD_GS1)
def test_wrong_gs1_keys_are_named_at_their_line(
    sqlite_site: Store, tmp_path: Path, form: str, cells: dict[str, object], reason: str
) -> None:
    path = import_one(sqlite_site, tmp_path, unit_row(**cells), form)
    [problem] = problems_of(sqlite_site, "units", path)
    line = 2 if form == "csv" else 1
    assert problem.startswith(f"units.{form}:{line}: {reason}"), problem


# -- numbers too large for the database are bad input, not an OverflowError ----------------------


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(
    ("kind", "row", "reason"),
    [
        ("units", unit_row(quantity=10**20), "quantity 100000000000000000000 is too large"),
        (
            "units",
            unit_row(quantity=2**31),
            "quantity 2147483648 is too large (at most 2147483647)",
        ),
        ("locations", {"code": "X-1", "kind": "lane", "capacity": 10**20}, "capacity 1000"),
        (
            "orders",
            {"ref": "SO-9", "kind": "outbound", "item": "FG-1", "quantity": 10**20},
            "quantity 100000000000000000000 is too large",
        ),
        ("units", unit_row(quantity="1_000"), "quantity '1_000' is not a whole number"),
        ("units", unit_row(quantity="٣"), "quantity '٣' is not a whole number"),
    ],
)
def test_a_number_too_large_for_the_database_is_named_at_its_line(
    site_store: Store, tmp_path: Path, form: str, kind: str, row: dict[str, object], reason: str
) -> None:
    if form == "csv":
        body: str | list[dict[str, object]] = (
            f"{','.join(row)}\n{','.join(str(v) for v in row.values())}\n"
        )
    else:
        body = [row]
    [problem] = problems_of(site_store, kind, write(tmp_path, f"{kind}.{form}", body))
    assert problem.startswith(f"{kind}.{form}:{2 if form == 'csv' else 1}: {reason}"), problem


def test_the_largest_quantity_the_database_holds_is_taken(
    site_store: Store, tmp_path: Path
) -> None:
    import_file(
        site_store, "units", write(tmp_path, "u.json", [unit_row(quantity=2**31 - 1)]), clock=clock
    )
    assert all_units(site_store)["N-1"].quantity == 2**31 - 1


# -- buffers and order status (SPEC §2) ----------------------------------------------------------


@pytest.mark.parametrize("form", FORMS)
def test_a_buffer_is_imported_with_its_operation_and_kanban_limit(
    site_store: Store, tmp_path: Path, form: str
) -> None:
    rows: list[dict[str, object]] = [
        {
            "code": "B-HT",
            "kind": "buffer",
            "name": "After heat treatment",
            "capacity": 6,
            "operation": "MACHINING",
        },
        {"code": "B-PAINT", "kind": "buffer", "operation": "PAINT"},  # no limit
    ]
    if form == "csv":
        header = "code,kind,name,capacity,operation"
        body: str | list[dict[str, object]] = (
            f"{header}\nB-HT,buffer,After heat treatment,6,MACHINING\nB-PAINT,buffer,,,PAINT\n"
        )
    else:
        body = rows
    report = import_file(site_store, "locations", write(tmp_path, f"b.{form}", body), clock=clock)
    assert (report.created, report.updated) == (2, 0)
    services = Site(site_store)
    ht, paint = services.views.location("B-HT"), services.views.location("B-PAINT")
    assert ht is not None and paint is not None
    assert (ht.kind, ht.operation, ht.capacity) == (LocationKind.BUFFER, "MACHINING", 6)
    assert (paint.operation, paint.capacity) == ("PAINT", None)

    # Work in process already waiting in a buffer is staged there from its receipt.
    units = f"{UNITS_HEADER}\nW-1,C-1,,,,,4,,,,B-HT,\n"
    import_file(site_store, "units", write(tmp_path, "w.csv", units), clock=clock)
    w1 = all_units(site_store)["W-1"]
    assert (w1.location, w1.state, w1.staged_at) == ("B-HT", UnitState.STAGED, FIXED_NOW)


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("B-1,buffer,,", "a buffer needs the operation it feeds (operation is empty)"),
        ("L-9,lane,,MACHINING", "operation is only for buffers, not a lane"),
        ("B-1,buffer,0,HT", "capacity must be at least 1"),
    ],
)
def test_buffer_mistakes(sqlite_site: Store, tmp_path: Path, row: str, reason: str) -> None:
    path = write(tmp_path, "b.csv", f"code,kind,capacity,operation\n{row}\n")
    assert problems_of(sqlite_site, "locations", path) == [f"b.csv:2: {reason}"]


def order_status(store: Store, ref: str) -> OrderStatus:
    with store.read() as session:
        order = queries.order(session, ref)
    assert order is not None
    return order.status


@pytest.mark.parametrize("form", FORMS)
def test_orders_carry_a_status_open_by_default(
    site_store: Store, tmp_path: Path, form: str
) -> None:
    rows: list[dict[str, object]] = [
        {
            "ref": "SO-1",
            "kind": "outbound",
            "customer": "ACME",
            "route": "NORTH",
            "item": "FG-1",
            "quantity": 200,
            "status": "cancelled",
        },
        {"ref": "SO-7", "kind": "outbound", "item": "FG-1", "quantity": 1, "status": "done"},
        {"ref": "SO-8", "kind": "outbound", "item": "FG-1", "quantity": 1, "status": None},
    ]
    if form == "csv":
        body: str | list[dict[str, object]] = (
            "ref,kind,customer,route,item,quantity,status\n"
            "SO-1,outbound,ACME,NORTH,FG-1,200,cancelled\n"
            "SO-7,outbound,,,FG-1,1,done\n"
            "SO-8,outbound,,,FG-1,1,\n"
        )
    else:
        body = rows
    report = import_file(site_store, "orders", write(tmp_path, f"o.{form}", body), clock=clock)
    assert (report.created, report.updated) == (2, 1)
    statuses = [order_status(site_store, ref) for ref in ("SO-1", "SO-7", "SO-8")]
    assert statuses == [OrderStatus.CANCELLED, OrderStatus.DONE, OrderStatus.OPEN]


def test_a_file_without_a_status_column_opens_its_orders(site_store: Store, tmp_path: Path) -> None:
    body = "ref,kind,item,quantity\nSO-7,outbound,FG-1,1\n"
    import_file(site_store, "orders", write(tmp_path, "o.csv", body), clock=clock)
    assert order_status(site_store, "SO-7") is OrderStatus.OPEN


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (
            "SO-9,outbound,FG-1,1,shipped",
            "orders.csv:2: status 'shipped' is not one of open, cancelled, done",
        ),
        (
            "SO-9,outbound,FG-1,1,open\nSO-9,outbound,FG-2,1,cancelled",
            "orders.csv:3: order SO-9 differs from its earlier rows",
        ),
    ],
)
def test_order_status_mistakes(sqlite_site: Store, tmp_path: Path, body: str, reason: str) -> None:
    path = write(tmp_path, "orders.csv", f"ref,kind,item,quantity,status\n{body}\n")
    [problem] = problems_of(sqlite_site, "orders", path)
    assert problem.startswith(reason), problem


def test_a_due_time_is_kept_as_the_moment_it_names(site_store: Store, tmp_path: Path) -> None:
    body = "ref,kind,due_at\nSO-7,outbound,2026-03-02T15:00:00+01:00\n"
    import_file(site_store, "orders", write(tmp_path, "o.csv", body), clock=clock)
    with site_store.read() as session:
        order = queries.order(session, "SO-7")
    assert order is not None and order.due_at == datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kind", "row"),
    [
        ("locations", {"code": "X-1", "kind": "lane", "colour": "red"}),
        ("orders", {"ref": "SO-9", "kind": "outbound", "priority": "1"}),
        ("operators", {"badge": "4001", "name": "Sam", "role": "operator", "shift": "A"}),
    ],
)
@pytest.mark.parametrize("form", FORMS)
def test_an_unknown_column_of_any_kind_is_an_error(
    sqlite_site: Store, tmp_path: Path, kind: str, row: dict[str, object], form: str
) -> None:
    if form == "csv":
        body: str | list[dict[str, object]] = (
            f"{','.join(row)}\n{','.join(map(str, row.values()))}\n"
        )
    else:
        body = [row]
    [problem] = problems_of(sqlite_site, kind, write(tmp_path, f"{kind}.{form}", body))
    unknown = list(row)[-1]
    assert problem.startswith(f"{kind}.{form}:1: unknown column {unknown!r}; {kind} takes ")


# -- a big import keeps no terminal waiting (issue #16.3, SPEC §10) ------------------------------


@pytest.mark.slow
def test_terminals_are_answered_while_a_big_import_is_written(  # type: ignore[no-untyped-def]
    run_cli, demo_db: str, tmp_path: Path
) -> None:
    """`stageterm queue` answers while an import holds the write lock, however long it holds
    it; a move waits its turn and is done. The import is paused (SIGSTOP) inside its write
    transaction, so that the lock is held for as long as the test needs, on any machine."""
    path = demo_db.removeprefix("sqlite:///")
    # This machine's start-up of a command, with nobody writing: the yardstick below.
    started = time.monotonic()
    first = run_cli("queue", "--json", db=demo_db)
    alone = time.monotonic() - started
    assert first.returncode == 0, first.stderr

    # The import holds the lock for well under a second (its rows are loaded before it takes
    # the lock): the probe below (every millisecond) sees it and pauses it inside, but now
    # and then the import commits between the probe and the pause. Then it is tried again,
    # with units of other codes, up to five times.
    processes: list[subprocess.Popen[str]] = []
    try:
        for attempt in range(5):
            with closing(sqlite3.connect(path)) as reader:
                units_before = reader.execute("SELECT count(*) FROM units").fetchone()[0]
            big = tmp_path / f"big-{attempt}.csv"
            rows = "".join(
                f"B{attempt}{n:06d},FG-100,,L{n % 97},,,10,EA,,,S-{1 + n % 20:02d},\n"
                for n in range(40_000)
            )
            big.write_text(f"{UNITS_HEADER}\n{rows}", encoding="utf-8")
            importing = start_cli(run_cli, demo_db, "import", "units", str(big))
            processes.append(importing)
            while not held_write_lock(path):
                assert importing.poll() is None, "the import ended before its write was seen"
                time.sleep(0.001)
            importing.send_signal(signal.SIGSTOP)
            if held_write_lock(path):
                break  # paused inside its write transaction
            importing.send_signal(signal.SIGCONT)  # it committed meanwhile: again
            assert importing.communicate(timeout=120)[1] == ""
        else:
            pytest.fail("the import committed before it could be paused, five times")
        with closing(sqlite3.connect(path, timeout=0)) as reader:  # WAL: a read never waits
            # ... and sees the units as they were before the import, none of its own yet.
            assert reader.execute("SELECT count(*) FROM units").fetchone()[0] == units_before

        started = time.monotonic()
        queue = run_cli("queue", "--json", db=demo_db)
        answered = time.monotonic() - started

        moving = start_cli(run_cli, demo_db, "move", "U00003", "--to", "L-04", "--operator", "1001")
        processes.append(moving)
        time.sleep(0.5)
        assert moving.poll() is None  # queued behind the import's write
        importing.send_signal(signal.SIGCONT)
        out, err = importing.communicate(timeout=120)
        moved, move_err = moving.communicate(timeout=60)
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGCONT)
                process.kill()
                process.communicate()

    assert queue.returncode == 0, queue.stderr
    lanes = [(row["lane"], row["units"]) for row in json.loads(first.stdout)]
    assert [(row["lane"], row["units"]) for row in json.loads(queue.stdout)] == lanes
    assert answered < alone + 1.0, f"queue took {answered:.2f} s (alone: {alone:.2f} s)"
    assert (importing.returncode, err) == (0, ""), err
    assert out == "Imported units: 40000 new, 0 updated.\n"
    assert (moving.returncode, move_err) == (0, ""), move_err
    assert moved == "OK: Unit U00003 to L-04.\n"


def test_an_import_that_cannot_get_the_write_lock_says_so_and_writes_nothing(
    sqlite_site: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "BUSY_TIMEOUT_MS", 200)  # the site's patience, shortened
    path = write(tmp_path, "units.csv", f"{UNITS_HEADER}\nN-1,FG-1,,,,,5,,,,S-01,\n")
    with closing(sqlite3.connect(sqlite_site.url.removeprefix("sqlite:///"))) as other:
        other.isolation_level = None
        other.execute("BEGIN IMMEDIATE")  # another terminal's long write
        with nothing_written(sqlite_site), pytest.raises(StoreError) as busy:
            import_file(sqlite_site, "units", path, clock=clock)
        other.execute("ROLLBACK")
    assert str(busy.value).startswith("database is busy: ")
    assert "\n" not in str(busy.value)
