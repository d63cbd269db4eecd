"""What each event does to a unit, and a replay of the log rebuilding every unit."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from stageterm.domain.model import (
    Event,
    EventType,
    Quality,
    SyncState,
    Unit,
    UnitState,
    new_event_id,
)
from stageterm.domain.projection import apply, replay

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=timezone(timedelta(hours=1)))


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def receive(code: str = "U-1", location: str = "S-01", **payload: object) -> Event:
    data: dict[str, object] = {"item": "FG-1", "quantity": 40, "lot": "L1", "expiry": "2026-05-01"}
    data.update(payload)
    return Event(
        id=new_event_id(),
        type=EventType.RECEIVE,
        unit=code,
        occurred_at=T0,
        to_location=location,
        to_state=UnitState.STORED,
        to_quality=Quality.RELEASED,
        payload=data,
        sync_state=SyncState.LOCAL,
    )


def event(kind: EventType, minutes: int, unit: str = "U-1", **fields: object) -> Event:
    return Event(
        id=new_event_id(), type=kind, unit=unit, occurred_at=at(minutes), operator="1001", **fields
    )  # type: ignore[arg-type]


def test_receive_brings_the_unit_into_being() -> None:
    unit = replay([receive(sscc="009501101500000013", order="SO-1", uom="EA")])["U-1"]
    assert unit == Unit(
        code="U-1",
        item="FG-1",
        quantity=40,
        quality=Quality.RELEASED,
        state=UnitState.STORED,
        location="S-01",
        lot="L1",
        sscc="009501101500000013",
        uom="EA",
        expiry=date(2026, 5, 1),
        order="SO-1",
        version=1,
    )


def test_a_unit_received_into_a_lane_starts_its_dwell_then() -> None:
    arrival = receive(location="L-1")
    arrival = Event(**{**_fields(arrival), "to_state": UnitState.STAGED})
    unit = replay([arrival])["U-1"]
    assert unit.state is UnitState.STAGED
    assert unit.staged_at == T0


def _fields(e: Event) -> dict[str, object]:
    return {name: getattr(e, name) for name in Event.__dataclass_fields__}


def test_staging_sets_place_state_and_dwell_start() -> None:
    units = replay(
        [
            receive(),
            event(
                EventType.STAGE,
                5,
                from_location="S-01",
                to_location="L-1",
                to_state=UnitState.STAGED,
            ),
        ]
    )
    unit = units["U-1"]
    assert (unit.location, unit.state, unit.staged_at, unit.version) == (
        "L-1",
        UnitState.STAGED,
        at(5),
        2,
    )


def test_moving_between_lanes_restarts_the_dwell() -> None:
    unit = replay(
        [
            receive(),
            event(EventType.STAGE, 5, to_location="L-1", to_state=UnitState.STAGED),
            event(EventType.MOVE, 30, to_location="L-2", to_state=UnitState.STAGED),
        ]
    )["U-1"]
    assert unit.location == "L-2"
    assert unit.staged_at == at(30)


def test_a_hold_in_a_lane_keeps_place_and_dwell() -> None:
    unit = replay(
        [
            receive(),
            event(EventType.STAGE, 5, to_location="L-1", to_state=UnitState.STAGED),
            event(EventType.HOLD, 20, to_location="L-1", to_quality=Quality.HOLD),
        ]
    )["U-1"]
    assert (unit.location, unit.state, unit.quality, unit.staged_at) == (
        "L-1",
        UnitState.STAGED,
        Quality.HOLD,
        at(5),
    )


def test_release_restores_quality_only() -> None:
    unit = replay(
        [
            receive(),
            event(EventType.HOLD, 1, to_quality=Quality.HOLD),
            event(EventType.RELEASE, 2, to_quality=Quality.RELEASED),
        ]
    )["U-1"]
    assert (unit.quality, unit.location, unit.version) == (Quality.RELEASED, "S-01", 3)


@pytest.mark.parametrize(
    ("kind", "to", "state"),
    [
        (EventType.UNSTAGE, "S-02", UnitState.STORED),
        (EventType.LOAD, "D-1", UnitState.LOADED),
        (EventType.ISSUE, None, UnitState.ISSUED),
    ],
)
def test_leaving_staging_ends_the_dwell(kind: EventType, to: str | None, state: UnitState) -> None:
    unit = replay(
        [
            receive(),
            event(EventType.STAGE, 5, to_location="L-1", to_state=UnitState.STAGED),
            event(kind, 9, to_location=to, to_state=state),
        ]
    )["U-1"]
    assert unit.state is state
    assert unit.location == (to or "L-1")  # an issue leaves the unit where it was consumed
    assert unit.staged_at is None


def test_split_makes_a_child_of_the_same_lot_and_shrinks_the_parent() -> None:
    units = replay(
        [
            receive(sscc="009501101500000013"),
            event(EventType.SPLIT, 3, quantity=15, payload={"child": "U-1-1"}),
        ]
    )
    parent, child = units["U-1"], units["U-1-1"]
    assert (parent.quantity, parent.version) == (25, 2)
    assert (child.quantity, child.parent, child.version) == (15, "U-1", 1)
    assert (child.item, child.lot, child.expiry, child.location) == (
        parent.item,
        parent.lot,
        parent.expiry,
        "S-01",
    )
    assert child.sscc is None  # the pallet label stays with the parent
    assert parent.quantity + child.quantity == 40


def test_undo_of_a_stage_puts_the_unit_back() -> None:
    stage = event(
        EventType.STAGE, 5, from_location="S-01", to_location="L-1", to_state=UnitState.STAGED
    )
    undo = event(
        EventType.UNDO,
        6,
        to_location="S-01",
        to_state=UnitState.STORED,
        to_quality=Quality.RELEASED,
        undoes=stage.id,
    )
    unit = replay([receive(), stage, undo])["U-1"]
    assert (unit.location, unit.state, unit.staged_at, unit.version) == (
        "S-01",
        UnitState.STORED,
        None,
        3,
    )


def test_apply_returns_only_what_the_event_changes() -> None:
    units = replay([receive("A"), receive("B")])
    changed = apply(units, event(EventType.HOLD, 1, unit="A", to_quality=Quality.HOLD))
    assert set(changed) == {"A"}
    assert units["A"].quality is Quality.RELEASED  # the input is not modified


def test_replay_order_matters() -> None:
    first = event(EventType.STAGE, 1, to_location="L-1", to_state=UnitState.STAGED)
    second = event(EventType.MOVE, 2, to_location="L-2", to_state=UnitState.STAGED)
    assert replay([receive(), first, second])["U-1"].location == "L-2"
    assert replay([receive(), second, first])["U-1"].location == "L-1"


def test_an_event_for_an_unknown_unit_is_an_error_not_a_new_unit() -> None:
    with pytest.raises(KeyError):
        replay(
            [event(EventType.STAGE, 1, unit="GHOST", to_location="L-1", to_state=UnitState.STAGED)]
        )
