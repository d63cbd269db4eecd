"""The one event->dict and unit->dict (domain/shapes.py): exact key sets of every shape."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from spec_keys import HISTORY_KEYS, UNIT_KEYS
from stageterm.domain.model import Event, EventType, Quality, SyncState, Unit, UnitState
from stageterm.domain.shapes import event_facts, history_event, plain_event, unit_facts
from stageterm.sync.epcis import plain_event as sync_plain_event

PLAIN_KEYS = [
    "id",
    "seq",
    "site",
    "type",
    "unit",
    "occurred_at",
    "operator",
    "terminal",
    "from_location",
    "to_location",
    "from_state",
    "to_state",
    "from_quality",
    "to_quality",
    "quantity",
    "approved_by",
    "overrides",
    "reason",
    "undoes",
    "payload",
    "order",
    "customer",
    "route",
    "carrier",
    "work_order",
]
CET = timezone(timedelta(hours=1))
APPROVED = Event(
    "0190a000-0000-7000-8000-000000000001",
    EventType.STAGE,
    "U1",
    datetime(2025, 3, 3, 9, 30, 15, 250123, tzinfo=CET),
    operator="1001",
    terminal="T-1",
    from_location="STORE-1",
    to_location="L-01",
    from_state=UnitState.STORED,
    to_state=UnitState.STAGED,
    quantity=4,
    approved_by="2001",
    seq=7,
    sync_state=SyncState.SYNCED,
    overrides=("wrong-lane", "fefo"),
    order="SO-1",
    customer="ACME",
    route="R1",
    carrier="DHL",
)
PLAIN = Event("e2", EventType.HOLD, "U2", datetime(2025, 1, 1, tzinfo=UTC), reason="dented")


def test_a_history_event_has_exactly_the_keys_of_spec_5_in_order() -> None:
    shown = history_event(APPROVED)
    assert list(shown) == HISTORY_KEYS
    assert (shown["from"], shown["to"], shown["overrides"]) == (
        "STORE-1",
        "L-01",
        ["wrong-lane", "fefo"],
    )
    assert shown["occurred_at"] == "2025-03-03T09:30:15.250123+01:00"  # as stored
    assert (shown["quality"], shown["sync_state"]) == (None, "synced")


def test_overrides_is_an_empty_list_when_nothing_was_approved() -> None:
    assert history_event(PLAIN)["overrides"] == []
    assert plain_event(PLAIN, "Plant 1")["overrides"] == []
    assert history_event(PLAIN)["quality"] is None


def test_the_plain_sync_body_keeps_its_keys_plus_the_facts() -> None:
    body = plain_event(APPROVED, "Plant 1")
    assert list(body) == PLAIN_KEYS
    assert body["site"] == "Plant 1"
    assert body["occurred_at"] == "2025-03-03T09:30:15.250+01:00"  # milliseconds, as EPCIS
    assert (body["order"], body["customer"], body["route"], body["carrier"]) == (
        "SO-1",
        "ACME",
        "R1",
        "DHL",
    )
    assert body["payload"] is None and "sync_state" not in body
    assert sync_plain_event is plain_event  # the sync format uses this very function


def test_every_shape_names_the_same_facts() -> None:
    facts = event_facts(APPROVED)
    shown, body = history_event(APPROVED), plain_event(APPROVED, "x")
    assert shown["to"] == body["to_location"] == facts["to_location"]
    assert shown["approved_by"] == body["approved_by"] == facts["approved_by"] == "2001"
    held = Event(
        "e3", EventType.HOLD, "U3", datetime(2025, 1, 1, tzinfo=UTC), to_quality=Quality.HOLD
    )
    assert history_event(held)["quality"] == plain_event(held, "x")["to_quality"] == "hold"


def test_a_unit_has_exactly_its_fields() -> None:
    unit = Unit(
        "U1",
        "ITEM-1",
        5,
        expiry=date(2026, 1, 31),
        staged_at=datetime(2025, 1, 1, 8, tzinfo=UTC),
        order="SO-1",
    )
    shown = unit_facts(unit)
    assert list(shown) == UNIT_KEYS
    assert (shown["expiry"], shown["staged_at"], shown["quality"], shown["state"]) == (
        "2026-01-31",
        "2025-01-01T08:00:00+00:00",
        "released",
        "stored",
    )
