"""Quality status and corrections: hold, release (quality only), undo; and signing in.

On a SQLite file and on PostgreSQL.
"""

from __future__ import annotations

import pytest

from integration.helpers import all_units, assert_projection_is_replay, event_count
from stageterm.domain.model import EventType, Quality, UnitState
from stageterm.services.results import Denied, Outcome, Result
from stageterm.services.site import Site
from stageterm.store.engine import Store


def moved(result: Result) -> Result:
    assert result.outcome is Outcome.MOVED, result
    return result


def refused(result: Result, code: str) -> Result:
    assert (result.outcome, result.code, result.event_id) == (Outcome.REFUSED, code, None), result
    return result


class Unchanged:
    """`with Unchanged(store):` the database is the same after the block."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def __enter__(self) -> None:
        self.before = (event_count(self.store), all_units(self.store))

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            assert (event_count(self.store), all_units(self.store)) == self.before


# -- hold and release -------------------------------------------------------------------------


def test_anyone_signed_in_may_hold_a_staged_unit(services: Site, site_store: Store) -> None:
    moved(services.moves.move("U-01", "L-ACME-N", "1001"))
    staged_at = services.views.unit("U-01").staged_at  # type: ignore[union-attr]
    result = moved(services.quality.hold("U-01", "1002", "wet carton"))
    assert result.message == "Unit U-01 is on hold."
    unit = services.views.unit("U-01")
    assert unit is not None
    # Held where it stands: still in the lane, still waiting (the dwell goes on).
    assert (unit.quality, unit.location, unit.state, unit.staged_at) == (
        Quality.HOLD,
        "L-ACME-N",
        UnitState.STAGED,
        staged_at,
    )
    last = services.views.unit_detail("U-01").history[-1]  # type: ignore[union-attr]
    assert (last.type, last.reason, last.operator) == (EventType.HOLD, "wet carton", "1002")
    assert_projection_is_replay(site_store)


def test_a_held_unit_cannot_be_moved(services: Site) -> None:
    moved(services.quality.hold("U-01", "1001"))
    result = refused(services.moves.move("U-01", "L-ACME-N", "1001"), "not-released")
    assert "hold" in result.message


@pytest.mark.parametrize(
    ("prepare", "unit", "code"),
    [
        ("hold", "U-01", "already-on-hold"),
        ("load", "U-01", "closed-unit"),
        (None, "U-404", "unknown-unit"),
    ],
)
def test_hold_refusals(
    services: Site, site_store: Store, prepare: str | None, unit: str, code: str
) -> None:
    if prepare == "hold":
        moved(services.quality.hold(unit, "1001"))
    elif prepare == "load":
        moved(services.moves.move(unit, "L-ACME-N", "1001"))
        moved(services.moves.load(unit, "D-N", "1001"))
    with Unchanged(site_store):
        refused(services.quality.hold(unit, "1001"), code)


@pytest.mark.parametrize("badge", ["1001", "2001", "9001"])
def test_only_the_quality_role_releases(services: Site, site_store: Store, badge: str) -> None:
    with Unchanged(site_store):
        result = refused(services.quality.release("U-05", badge), "not-allowed")
    assert "quality" in result.message


@pytest.mark.parametrize("unit", ["U-04", "U-05"])  # quarantined, held
def test_quality_releases_a_held_or_quarantined_unit(
    services: Site, site_store: Store, unit: str
) -> None:
    result = moved(services.quality.release(unit, "3001"))
    assert result.message == f"Unit {unit} released by Quinn Abara."
    assert services.views.unit(unit).quality is Quality.RELEASED  # type: ignore[union-attr]
    moved(services.moves.move(unit, "L-ACME-N", "1001"))  # and now it may be staged
    assert_projection_is_replay(site_store)


@pytest.mark.parametrize(("unit", "status"), [("U-01", "released"), ("U-06", "rejected")])
def test_release_is_only_for_held_or_quarantined_units(
    services: Site, site_store: Store, unit: str, status: str
) -> None:
    with Unchanged(site_store):
        result = refused(services.quality.release(unit, "3001"), "not-held")
    assert status in result.message


# -- undo -------------------------------------------------------------------------------------


def test_undo_by_the_same_operator_puts_the_unit_back(services: Site, site_store: Store) -> None:
    stage = moved(services.moves.move("U-01", "L-ACME-N", "1001"))
    result = moved(services.corrections.undo("U-01", "1001"))
    assert result.message == "Undone: stage of U-01."
    unit = services.views.unit("U-01")
    assert unit is not None
    assert (unit.location, unit.state, unit.staged_at) == ("S-01", UnitState.STORED, None)

    history = services.views.unit_detail("U-01").history  # type: ignore[union-attr]
    # Nothing is deleted: the mistake and its correction both stay in the log.
    assert [e.type for e in history] == [EventType.RECEIVE, EventType.STAGE, EventType.UNDO]
    undo = history[-1]
    assert undo.undoes == stage.event_id
    assert (undo.operator, undo.from_location, undo.to_location) == ("1001", "L-ACME-N", "S-01")
    assert undo.id == result.event_id
    assert_projection_is_replay(site_store)


def test_another_operator_may_not_undo(services: Site, site_store: Store) -> None:
    moved(services.moves.move("U-01", "L-ACME-N", "1001"))
    with Unchanged(site_store):
        result = refused(services.corrections.undo("U-01", "1002"), "not-allowed")
    assert "1001" in result.message and "lead" in result.message


@pytest.mark.parametrize("badge", ["2001", "2002", "9001"])  # leads (PIN or not) and the admin
def test_a_lead_may_undo_anyones_move(services: Site, badge: str) -> None:
    moved(services.moves.move("U-01", "L-ACME-N", "1001"))
    moved(services.corrections.undo("U-01", badge))
    assert services.views.unit("U-01").location == "S-01"  # type: ignore[union-attr]


def test_quality_may_not_undo_an_operators_move(services: Site) -> None:
    moved(services.moves.move("U-01", "L-ACME-N", "1001"))
    refused(services.corrections.undo("U-01", "3001"), "not-allowed")


def test_undo_reverses_only_the_latest_event(services: Site) -> None:
    moved(services.moves.move("U-01", "L-ACME-N", "1001"))
    moved(services.moves.move("U-01", "L-NORTH", "1001"))
    moved(services.corrections.undo("U-01", "1001"))
    unit = services.views.unit("U-01")
    assert unit is not None
    assert (unit.location, unit.state) == ("L-ACME-N", UnitState.STAGED)


def test_an_undo_is_final(services: Site, site_store: Store) -> None:
    moved(services.moves.move("U-01", "L-ACME-N", "1001"))
    moved(services.corrections.undo("U-01", "1001"))
    with Unchanged(site_store):
        result = refused(services.corrections.undo("U-01", "2001"), "nothing-to-undo")
    assert "undo" in result.message


@pytest.mark.parametrize(("unit", "what"), [("U-01", "receive"), ("C-02", "split")])
def test_receipts_and_splits_are_not_undone(
    services: Site, site_store: Store, unit: str, what: str
) -> None:
    if what == "split":
        moved(services.moves.move(unit, "KIT-A", "1001", quantity=5))
    with Unchanged(site_store):
        result = refused(services.corrections.undo(unit, "2001"), "nothing-to-undo")
    assert what in result.message


def test_undo_of_a_hold_by_quality_restores_the_quality(services: Site) -> None:
    moved(services.quality.hold("U-01", "3001"))
    moved(services.corrections.undo("U-01", "3001"))
    assert services.views.unit("U-01").quality is Quality.RELEASED  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("held_by", "undone_by"),
    [("1001", "1001"), ("3001", "2001"), ("1001", "2001"), ("3001", "9001")],
    ids=["own-hold", "lead-on-quality-hold", "lead-on-operator-hold", "admin"],
)
def test_an_undo_that_would_release_a_held_unit_is_for_quality_only(
    services: Site, site_store: Store, held_by: str, undone_by: str
) -> None:
    moved(services.quality.hold("U-01", held_by))
    with Unchanged(site_store):
        result = refused(services.corrections.undo("U-01", undone_by), "not-allowed")
    assert "release" in result.message and "quality" in result.message
    assert services.views.unit("U-01").quality is Quality.HOLD  # type: ignore[union-attr]


def test_undo_of_a_release_holds_the_unit_again(services: Site) -> None:
    moved(services.quality.release("U-05", "3001"))
    moved(services.corrections.undo("U-05", "3001"))
    assert services.views.unit("U-05").quality is Quality.HOLD  # type: ignore[union-attr]


def test_undo_of_a_load_brings_the_unit_back_to_its_lane(services: Site, site_store: Store) -> None:
    moved(services.moves.move("U-01", "L-ACME-N", "1001"))
    moved(services.moves.load("U-01", "D-N", "1001"))
    moved(services.corrections.undo("U-01", "1001"))
    unit = services.views.unit("U-01")
    assert unit is not None
    assert (unit.location, unit.state) == ("L-ACME-N", UnitState.STAGED)
    assert_projection_is_replay(site_store)


def test_undo_needs_a_known_operator_and_unit(services: Site, site_store: Store) -> None:
    moved(services.moves.move("U-01", "L-ACME-N", "1001"))
    with Unchanged(site_store):
        refused(services.corrections.undo("U-01", None), "no-operator")
        refused(services.corrections.undo("U-01", "7777"), "unknown-operator")
        refused(services.corrections.undo("U-404", "1001"), "unknown-unit")


# -- signing in -------------------------------------------------------------------------------


def test_a_badge_without_pin_signs_in(services: Site) -> None:
    person = services.accounts.sign_in("1001")
    assert (person.badge, person.name, person.role.value) == ("1001", "Ana Ortiz", "operator")


@pytest.mark.parametrize(
    ("badge", "pin", "code"),
    [("2002", None, "pin-needed"), ("2002", "1111", "bad-pin"), ("4444", None, "unknown-operator")],
)
def test_sign_in_refusals(services: Site, badge: str, pin: str | None, code: str) -> None:
    with pytest.raises(Denied) as denied:
        services.accounts.sign_in(badge, pin)
    assert denied.value.code == code


def test_a_lead_with_a_pin_signs_in_with_it(services: Site) -> None:
    assert services.accounts.needs_pin("2002")
    assert not services.accounts.needs_pin("1001")
    assert services.accounts.sign_in("2002", "2468").name == "Mia Novak"


def test_five_wrong_pins_lock_the_badge_for_a_while(services: Site, clock) -> None:  # type: ignore[no-untyped-def]
    for _ in range(5):
        with pytest.raises(Denied):
            services.accounts.sign_in("2002", "0000")
    with pytest.raises(Denied) as denied:
        services.accounts.sign_in("2002", "2468")  # even the right PIN, for now
    assert denied.value.code == "pin-locked"
    clock.advance(minutes=6)
    assert services.accounts.sign_in("2002", "2468").badge == "2002"


def test_wrong_pins_at_approvals_count_toward_the_same_lockout(services: Site, clock) -> None:  # type: ignore[no-untyped-def]
    # Issue #16.1: seven wrong PINs at the approval prompt, then the right one, used to
    # approve; now the fifth locks the lead out, on every terminal (it is in the database).
    codes = [
        services.moves.move("U-10", "L-ACME-N", "1001", approve="2002", pin="0000").code
        for _ in range(7)
    ]
    assert codes == ["bad-pin"] * 5 + ["pin-locked"] * 2
    right = services.moves.move("U-10", "L-ACME-N", "1001", approve="2002", pin="2468")
    assert (right.outcome, right.code) == (Outcome.REFUSED, "pin-locked")
    assert services.views.unit("U-10").location != "L-ACME-N"  # type: ignore[union-attr]
    with pytest.raises(Denied) as denied:  # and at sign-in: one lockout
        services.accounts.sign_in("2002", "2468")
    assert denied.value.code == "pin-locked"
    clock.advance(minutes=6)
    approved = services.moves.move("U-10", "L-ACME-N", "1001", approve="2002", pin="2468")
    assert (approved.outcome, approved.approved_by) == (Outcome.MOVED, "2002")


def test_a_lead_locked_at_sign_in_cannot_approve(services: Site) -> None:
    for _ in range(5):
        with pytest.raises(Denied):
            services.accounts.sign_in("2002", "0000")
    locked = services.moves.move("U-10", "L-ACME-N", "1001", approve="2002", pin="2468")
    assert (locked.outcome, locked.code) == (Outcome.REFUSED, "pin-locked")


def test_a_right_pin_forgives_earlier_slips(services: Site) -> None:
    for _ in range(4):
        with pytest.raises(Denied):
            services.accounts.sign_in("2002", "0000")
    services.accounts.sign_in("2002", "2468")
    for _ in range(4):
        with pytest.raises(Denied):
            services.accounts.sign_in("2002", "0000")
    assert services.accounts.sign_in("2002", "2468").badge == "2002"
