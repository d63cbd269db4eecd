"""The EPCIS 2.0 mapping: schema-valid documents, real CBV words, GS1 names for things."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stageterm.domain.model import (
    Event,
    EventType,
    Location,
    LocationKind,
    Order,
    OrderKind,
    Quality,
    Unit,
    UnitState,
    new_event_id,
)
from stageterm.sync import cbv
from stageterm.sync.epcis import Encoder, EpcisMapper, Facts, Format, plain_event
from stageterm.sync.identifiers import Namer

SCHEMA_PATH = Path(__file__).parents[1] / "data" / "epcis" / "EPCIS-JSON-Schema.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text())
CET = timezone(timedelta(hours=1))
NY = timezone(timedelta(hours=-5))
_URI_CHARS = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")

checker = jsonschema.FormatChecker()


@checker.checks("uri")
def _is_uri(value: object) -> bool:
    """RFC 3986 absolute URI: a scheme, and only URI characters with well-formed %-escapes."""
    if not isinstance(value, str) or not _URI_CHARS.match(value):
        return False
    if re.search(r"%(?![0-9A-Fa-f]{2})", value):
        return False
    return bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", value)) and bool(urlsplit(value).scheme)


@checker.checks("date-time")
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str) or not _DATE_TIME.match(value):
        return False
    datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


VALIDATOR = jsonschema.Draft7Validator(SCHEMA, format_checker=checker)

LANE = Location("LANE-1", LocationKind.LANE, customer="ACME", route="R1", carrier="DHL")
KIT = Location("KIT-1", LocationKind.KITTING, work_order="WO-7")
STORE = Location("STORE-1", LocationKind.STORAGE)
DOCK = Location("DOCK-1", LocationKind.DOCK, route="R1")
FACTS = Facts(
    units={
        "P1": Unit(
            "P1",
            "ITEM-1",
            40,
            gtin="4012345000009",
            lot="L 7/a",
            sscc="340123450000000017",
            order="SO-1",
        ),
        "C1": Unit("C1", "ITEM-2", 12, gtin="4012345000016", lot="B2", uom="kg", order="SO-1"),
        "S1": Unit("S1", "ITEM-3", 1, gtin="04012345000023", serial="SN/9"),
        "X1": Unit("X1", "WIDGET", 5, uom="box"),
        "C1-1": Unit("C1-1", "ITEM-2", 4, gtin="4012345000016", lot="B2", uom="kg", parent="C1"),
    },
    locations={loc.code: loc for loc in (LANE, KIT, STORE, DOCK)},
    orders={
        "SO-1": Order("SO-1", OrderKind.OUTBOUND, customer="ACME", route="R1"),
        "WO-7": Order("WO-7", OrderKind.PRODUCTION),
    },
)
MAPPER = EpcisMapper(Namer("Plant 1"))


def event(kind: EventType, unit: str = "C1", seq: int = 1, **fields: Any) -> Event:
    values: dict[str, Any] = {
        "from_location": "STORE-1",
        "to_location": "LANE-1",
        "from_state": UnitState.STORED,
        "to_state": UnitState.STAGED,
        "from_quality": Quality.RELEASED,
        "quantity": 12,
        "operator": "OP-1",
        "terminal": "host:pts/1",
    }
    values.update(fields)
    return Event(
        new_event_id(),
        kind,
        unit,
        datetime(2025, 3, 3, 9, 30, 15, 250000, tzinfo=CET),
        seq=seq,
        **values,
    )


ONE_OF_EACH = [
    event(EventType.STAGE),
    event(EventType.STAGE, to_location="KIT-1"),
    event(EventType.MOVE, from_location="LANE-1", to_location="KIT-1", from_state=UnitState.STAGED),
    event(EventType.MOVE, to_location="STORE-1", to_state=UnitState.STORED),
    event(
        EventType.UNSTAGE, from_location="LANE-1", to_location="STORE-1", to_state=UnitState.STORED
    ),
    event(EventType.LOAD, from_location="LANE-1", to_location="DOCK-1", to_state=UnitState.LOADED),
    event(
        EventType.ISSUE,
        from_location="KIT-1",
        to_location="KIT-1",
        to_state=UnitState.ISSUED,
        quantity=None,
    ),
    event(
        EventType.HOLD,
        to_location="STORE-1",
        to_state=None,
        to_quality=Quality.HOLD,
        reason="dented",
    ),
    event(
        EventType.RELEASE,
        to_location="STORE-1",
        to_state=None,
        from_quality=Quality.HOLD,
        to_quality=Quality.RELEASED,
    ),
    event(
        EventType.SPLIT, to_location="STORE-1", to_state=None, quantity=4, payload={"child": "C1-1"}
    ),
    event(
        EventType.UNDO,
        from_location="LANE-1",
        to_location="STORE-1",
        to_state=UnitState.STORED,
        undoes=new_event_id(),
    ),
]


def test_the_validator_accepts_gs1s_example_and_refuses_a_broken_document() -> None:
    example = json.loads((SCHEMA_PATH.parent / "example-ObjectEvent.jsonld").read_text())
    # Its document id is a JSON-LD blank node ("_:document1"), not an RFC 3986 URI.
    del example["id"]
    assert not list(VALIDATOR.iter_errors(example))
    broken = MAPPER.document([ONE_OF_EACH[0]], FACTS)
    broken["epcisBody"]["eventList"][0]["eventTime"] = "yesterday"
    del broken["epcisBody"]["eventList"][0]["action"]
    assert len(list(VALIDATOR.iter_errors(broken))) >= 2


def test_a_document_with_every_event_type_is_valid_epcis_2() -> None:
    document = MAPPER.document(ONE_OF_EACH, FACTS)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(document)]
    assert errors == []
    assert document["schemaVersion"] == "2.0"
    assert {"stageterm": "https://ns.stageterm.local/epcis/"} in document["@context"]
    ids = [e["eventID"] for e in document["epcisBody"]["eventList"]]
    assert ids == [f"urn:uuid:{e.id}" for e in ONE_OF_EACH]


def test_our_vocabulary_lists_are_exactly_the_cbv_2_lists_of_the_official_schema() -> None:
    definitions = SCHEMA["definitions"]
    assert set(definitions["bizStep"]["anyOf"][1]["enum"]) == cbv.BIZ_STEPS
    assert set(definitions["disposition"]["anyOf"][1]["enum"]) == cbv.DISPOSITIONS
    assert set(definitions["action"]["enum"]) == cbv.ACTIONS


def test_every_step_we_can_produce_uses_real_cbv_words() -> None:
    steps = [v for v in vars(cbv).values() if isinstance(v, cbv.Step)]
    assert len(steps) >= 8
    for step in steps:
        assert step.biz_step in cbv.BIZ_STEPS
        assert step.disposition in cbv.DISPOSITIONS
        assert step.action in cbv.ACTIONS
    for item in MAPPER.document(ONE_OF_EACH, FACTS)["epcisBody"]["eventList"]:
        assert item["bizStep"] in cbv.BIZ_STEPS and item["disposition"] in cbv.DISPOSITIONS


@pytest.mark.parametrize(
    ("index", "biz_step", "disposition"),
    [
        (0, "staging_outbound", "in_progress"),  # stage into a lane
        (1, "picking", "in_progress"),  # stage into a kitting area
        (2, "picking", "in_progress"),  # move lane -> kitting
        (3, "storing", "available"),  # move within storage
        (4, "storing", "available"),  # unstage
        (5, "loading", "in_progress"),
        (6, "assembling", "in_progress"),  # issue to production
        (7, "holding", "non_conformant"),
        (8, "inspecting", "conformant"),  # release
        (9, "picking", "in_progress"),  # split for a kit
        (10, "storing", "available"),  # undo of a stage: back to storage
    ],
)
def test_each_event_type_maps_to_its_documented_step(
    index: int, biz_step: str, disposition: str
) -> None:
    mapped = MAPPER.event(ONE_OF_EACH[index], FACTS)
    assert (mapped["bizStep"], mapped["disposition"], mapped["action"]) == (
        biz_step,
        disposition,
        "OBSERVE",
    )
    assert mapped["stageterm:eventType"] == ONE_OF_EACH[index].type.value


@pytest.mark.parametrize(
    ("undone", "restores", "expected"),
    [
        (
            "hold",
            {
                "from_quality": Quality.HOLD,
                "to_quality": Quality.RELEASED,
                "to_location": "STORE-1",
                "to_state": None,
            },
            "inspecting",
        ),
        (
            "release",
            {
                "from_quality": Quality.RELEASED,
                "to_quality": Quality.HOLD,
                "to_location": "STORE-1",
                "to_state": None,
            },
            "holding",
        ),
        (
            "load",
            {"from_location": "DOCK-1", "to_location": "LANE-1", "to_state": UnitState.STAGED},
            "staging_outbound",
        ),
        (
            "issue",
            {"from_location": "KIT-1", "to_location": "KIT-1", "to_state": UnitState.STAGED},
            "picking",
        ),
        (
            "stage",
            {"from_location": "LANE-1", "to_location": "STORE-1", "to_state": UnitState.STORED},
            "storing",
        ),
    ],
)
def test_an_undo_is_a_corrective_event_saying_what_the_unit_is_after_it(
    undone: str, restores: dict[str, Any], expected: str
) -> None:
    original = new_event_id()
    mapped = MAPPER.event(
        event(EventType.UNDO, undoes=original, reason=f"undo {undone}", **restores), FACTS
    )
    assert mapped["bizStep"] == expected
    assert mapped["stageterm:undoes"] == f"urn:uuid:{original}"
    assert "errorDeclaration" not in mapped


def test_receive_events_are_never_mapped() -> None:
    with pytest.raises(ValueError, match="receive"):
        MAPPER.event(event(EventType.RECEIVE), FACTS)


def test_a_unit_is_named_by_its_own_gs1_id_else_by_its_gtin_class_else_by_a_site_uri() -> None:
    def what(code: str) -> dict[str, Any]:
        mapped = MAPPER.event(event(EventType.STAGE, unit=code, quantity=7), FACTS)
        return {k: mapped[k] for k in ("epcList", "quantityList", "stageterm:uom") if k in mapped}

    assert what("P1") == {"epcList": ["https://id.gs1.org/00/340123450000000017"]}  # SSCC
    assert what("S1") == {"epcList": ["https://id.gs1.org/01/04012345000023/21/SN%2F9"]}
    assert what("C1") == {
        "quantityList": [
            {"epcClass": "https://id.gs1.org/01/04012345000016/10/B2", "quantity": 7, "uom": "KGM"}
        ]
    }
    # Not a UN/ECE code: kept in our own field.
    assert what("X1") == {
        "epcList": ["https://plant-1.stageterm.local/unit/X1"],
        "stageterm:uom": "box",
    }
    pallet = MAPPER.event(event(EventType.STAGE, unit="P1", quantity=40), FACTS)
    assert (pallet["stageterm:lot"], pallet["stageterm:quantity"]) == ("L 7/a", 40)  # its contents


def test_locations_are_sglns_when_the_site_has_a_gln_else_site_uris() -> None:
    with_gln = EpcisMapper(Namer("Plant 1", "4012345.00001")).event(ONE_OF_EACH[0], FACTS)
    assert with_gln["bizLocation"] == {"id": "urn:epc:id:sgln:4012345.00001.LANE-1"}
    assert with_gln["readPoint"] == {"id": "urn:epc:id:sgln:4012345.00001.LANE-1"}
    plain = MAPPER.event(ONE_OF_EACH[0], FACTS)
    assert plain["bizLocation"] == {"id": "https://plant-1.stageterm.local/loc/LANE-1"}


def test_orders_go_in_biz_transactions_and_lane_facts_in_our_namespace() -> None:
    staged = MAPPER.event(event(EventType.STAGE, approved_by="LEAD-1"), FACTS)
    assert staged["bizTransactionList"] == [
        {"type": "po", "bizTransaction": "https://plant-1.stageterm.local/order/SO-1"}
    ]
    assert (staged["stageterm:lane"], staged["stageterm:route"], staged["stageterm:carrier"]) == (
        "LANE-1",
        "R1",
        "DHL",
    )
    assert (staged["stageterm:customer"], staged["stageterm:operator"]) == ("ACME", "OP-1")
    assert (staged["stageterm:approvedBy"], staged["stageterm:terminal"]) == (
        "LEAD-1",
        "host:pts/1",
    )
    issued = MAPPER.event(ONE_OF_EACH[6], FACTS)
    assert {
        "type": "prodorder",
        "bizTransaction": "https://plant-1.stageterm.local/order/WO-7",
    } in issued["bizTransactionList"]
    assert "bizLocation" not in issued  # consumed: it has left the site's places
    assert issued["quantityList"][0]["quantity"] == 12  # the unit's, as issue carries none


def test_event_time_is_utc_with_the_terminals_offset_beside_it() -> None:
    mapped = MAPPER.event(event(EventType.STAGE), FACTS)
    assert (mapped["eventTime"], mapped["eventTimeZoneOffset"]) == (
        "2025-03-03T08:30:15.250Z",
        "+01:00",
    )
    west = Event(
        new_event_id(),
        EventType.STAGE,
        "C1",
        datetime(2025, 3, 3, 4, 0, tzinfo=NY),
        to_location="LANE-1",
    )
    assert MAPPER.event(west, FACTS)["eventTimeZoneOffset"] == "-05:00"


def test_the_plain_json_format_carries_the_same_events_unmapped() -> None:
    body = json.loads(Encoder(Format.JSON, MAPPER).body(ONE_OF_EACH, FACTS))
    assert [e["id"] for e in body] == [e.id for e in ONE_OF_EACH]
    assert body[0] == plain_event(ONE_OF_EACH[0], "Plant 1")
    assert body[0]["occurred_at"] == "2025-03-03T09:30:15.250+01:00"


codes = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=30)


@settings(max_examples=150, deadline=None)
@given(
    unit=codes,
    lot=st.none() | codes,
    serial=st.none() | codes,
    location=codes,
    site=st.text(max_size=20),
    kind=st.sampled_from(list(EventType)),
)
def test_any_codes_give_a_schema_valid_document(
    unit: str, lot: str | None, serial: str | None, location: str, site: str, kind: EventType
) -> None:
    if kind is EventType.RECEIVE:
        kind = EventType.MOVE
    facts = Facts(
        units={
            unit: Unit(unit, unit, 3, gtin="4012345000009" if lot else None, lot=lot, serial=serial)
        },
        locations={location: Location(location, LocationKind.LANE, route=location)},
    )
    ev = Event(
        new_event_id(),
        kind,
        unit,
        datetime(2025, 1, 1, tzinfo=CET),
        to_location=location,
        from_location=location,
        payload={"child": unit},
        reason=location,
    )
    document = EpcisMapper(Namer(site)).document([ev], facts)
    assert [e.message for e in VALIDATOR.iter_errors(document)] == []
