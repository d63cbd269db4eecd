"""What we send means what we say: no key is lost in JSON-LD expansion with GS1's context,
and every GS1 name in it is one a GS1 parser (biip) accepts."""

from __future__ import annotations

from dataclasses import replace

import pytest

from epcis_checks import gs1_errors, gs1_names, jsonld_dropped
from stageterm.domain.model import Location, LocationKind, Unit
from stageterm.sync.epcis import EpcisMapper, Facts
from stageterm.sync.identifiers import Namer
from unit.test_epcis import FACTS, ONE_OF_EACH, VALIDATOR

ODD_PLACES = [
    Location("BAY-7/N?2", LocationKind.LANE, customer="ACME"),
    Location("Bay 7/North #2 (overflow)", LocationKind.LANE),
]
ODD_UNITS = {
    "U1": Unit("U1", "ITEM-1", 3, gtin="4012345000009", lot="L7/a(1)!"),
    "U2": Unit("U2", "ITEM-1", 3, gtin="4012345000009", lot="Lot mit Leerzeichen"),
    "U3": Unit("U3", "ITEM-1", 1, gtin="4012345000009", serial="SN+1,2"),
    "U4": Unit("U4", "ITEM-1", 1, gtin="4012345000001", serial="SN1"),  # wrong check digit
    "U5": Unit("U5", "ITEM-1", 1, sscc="340123450000000018"),  # wrong check digit
}


def documents() -> list[dict[str, object]]:
    facts = Facts(
        units={**FACTS.units, **ODD_UNITS},
        locations={**FACTS.locations, **{loc.code: loc for loc in ODD_PLACES}},
        orders=FACTS.orders,
    )
    odd = [
        replace(ONE_OF_EACH[0], unit=code, to_location=place.code, overrides=("fefo-skip",))
        for code in ODD_UNITS
        for place in ODD_PLACES
    ]
    return [
        EpcisMapper(Namer(site, prefix)).document([*ONE_OF_EACH, *odd], facts)
        for site, prefix in (("Plant 1", ""), ("Plant 1", "4012345.00001"))
    ]


@pytest.mark.parametrize("document", documents(), ids=["site-uris", "sglns"])
def test_no_key_is_dropped_by_json_ld_expansion_with_the_epcis_context(
    document: dict[str, object],
) -> None:
    assert list(VALIDATOR.iter_errors(document)) == []
    assert jsonld_dropped(document) == []


@pytest.mark.parametrize("document", documents(), ids=["site-uris", "sglns"])
def test_every_gs1_name_sent_is_valid_to_a_gs1_parser(document: dict[str, object]) -> None:
    names = gs1_names(document)
    assert any(n.startswith("https://id.gs1.org/01/") for n in names)
    assert gs1_errors(document) == []


def test_the_sgln_document_names_odd_places_by_site_uri_and_plain_ones_by_sgln() -> None:
    names = set(gs1_names(documents()[1]))
    assert "urn:epc:id:sgln:4012345.00001.BAY-7%2FN%3F2" in names
    assert not any("overflow" in n for n in names)


def test_the_checks_themselves_catch_a_dropped_key_and_a_bad_gs1_name() -> None:
    document = documents()[0]
    event = document["epcisBody"]["eventList"][0]  # type: ignore[index]
    event["operatorNote"] = "no such EPCIS term"
    event["readPoint"] = {"id": "https://id.gs1.org/01/04012345000001"}
    assert jsonld_dropped(document) == ["operatorNote"]
    assert gs1_errors(document) != []


def test_the_json_ld_checks_work_after_an_event_loop_has_come_and_gone() -> None:
    """In the suite an app or `asyncio.run` has often run before this module's first use
    of pyld: its import must not depend on a current event loop (with no `requests`, pyld
    falls back to an aiohttp loader that asks for one). Checked in a fresh process so
    that the order of tests cannot hide it."""
    import subprocess
    import sys

    probe = (
        "import asyncio\n"
        "asyncio.run(asyncio.sleep(0))\n"
        "from pyld import jsonld\n"
        "print(jsonld.get_document_loader() is not None)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert (out.returncode, out.stdout.strip()) == (0, "True"), out.stderr[-500:]
