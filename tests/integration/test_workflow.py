"""The scan workflow a terminal runs: what each scan means given the scans before it.

Target-first and unit-first staging, a dock as target, approval by a lead's badge scan,
command barcodes, kitting quantities, GS1 labels; and hostile scans that change nothing.
On the test site, on a SQLite file and on PostgreSQL.
"""

from __future__ import annotations

import pytest

from integration.helpers import (
    GTIN_OF_U01,
    LOT_OF_U01,
    SSCC_OF_U01,
    Terminal,
    all_units,
    event_count,
)
from stageterm.domain.model import EventType, UnitState
from stageterm.services.results import Outcome
from stageterm.services.site import Site
from stageterm.store.engine import Store

GS = "\x1d"


@pytest.fixture
def floor(services: Site) -> Terminal:
    """A terminal with Ana (operator 1001) signed in."""
    workflow = Terminal(services)
    assert workflow.scan("B:1001").code == "signed-in"
    return workflow


def where(services: Site, code: str) -> tuple[str | None, str]:
    unit = services.views.unit(code)
    assert unit is not None
    return unit.location, unit.state.value


def outcomes(workflow: Terminal, *scans: str) -> list[str]:
    return [workflow.scan(raw).outcome.value for raw in scans]


# -- staging -----------------------------------------------------------------------------------


def test_target_first_then_units(floor: Terminal, services: Site) -> None:
    target = floor.scan("L-ACME-N")
    assert (target.outcome, target.to) == (Outcome.TARGET, "L-ACME-N")
    assert "ACME" in target.message and "NORTH" in target.message
    assert outcomes(floor, "U-01", "U-03") == [
        "moved",
        "moved",
    ]  # the target stays for the next units
    assert where(services, "U-01") == where(services, "U-03") == ("L-ACME-N", "staged")


def test_a_location_label_with_its_prefix(floor: Terminal, services: Site) -> None:
    assert outcomes(floor, "L:L-OPEN", "U-08") == ["target", "moved"]
    assert where(services, "U-08") == ("L-OPEN", "staged")


def test_unit_first_then_target(floor: Terminal, services: Site) -> None:
    held = floor.scan("U-09")
    assert (held.outcome, held.unit) == (Outcome.INFO, "U-09")
    assert "S-02" in held.message and "Scan a target" in held.message
    assert where(services, "U-09") == ("S-02", "stored")  # nothing moves yet
    moved = floor.scan("L-BOLT-S")
    assert (moved.outcome, moved.unit, moved.to) == (Outcome.MOVED, "U-09", "L-BOLT-S")


def test_a_dock_as_target_loads(floor: Terminal, services: Site) -> None:
    assert outcomes(floor, "L-ACME-N", "U-01", "D-N", "U-01") == [
        "target",
        "moved",
        "target",
        "moved",
    ]
    assert where(services, "U-01") == ("D-N", "loaded")
    refused = floor.scan("U-03")  # not staged: nothing to load
    assert (refused.outcome, refused.code) == (Outcome.REFUSED, "route-mismatch")


def test_a_kitting_quantity_applies_to_the_next_unit_only(floor: Terminal, services: Site) -> None:
    floor.scan("KIT-A")
    floor.set_quantity(20)
    split = floor.scan("C-02")
    assert (split.outcome, split.unit) == (Outcome.MOVED, "C-02-1")
    assert services.views.unit("C-02").quantity == 10  # type: ignore[union-attr]
    whole = floor.scan("C-03")
    assert (whole.outcome, whole.unit) == (Outcome.MOVED, "C-03")


@pytest.mark.parametrize(
    "label",
    [
        f"]C1{GS}00{SSCC_OF_U01}",  # the pallet's SSCC, through a keyboard wedge with its AIM prefix
        f"00{SSCC_OF_U01}",
        f"]C101{GTIN_OF_U01}10{LOT_OF_U01}",  # GTIN + lot
        f"(01){GTIN_OF_U01}(10){LOT_OF_U01}",  # the human-readable form, typed
    ],
)
def test_a_gs1_label_finds_its_unit(floor: Terminal, services: Site, label: str) -> None:
    floor.scan("L-ACME-N")
    result = floor.scan(label)
    assert (result.outcome, result.unit) == (Outcome.MOVED, "U-01"), result
    assert where(services, "U-01") == ("L-ACME-N", "staged")


# -- approval by a badge scan ---------------------------------------------------------------------


def test_a_leads_badge_scan_approves_the_waiting_move(
    floor: Terminal, services: Site, site_store: Store
) -> None:
    floor.scan("L-ACME-N")
    waiting = floor.scan("U-10")
    assert (waiting.outcome, waiting.code) == (Outcome.NEEDS_APPROVAL, "wrong-lane")
    events = event_count(site_store)
    blocked = floor.scan("U-03")  # nothing else happens until the approval is settled
    assert (blocked.outcome, blocked.code) == (Outcome.REFUSED, "approval-pending")
    assert event_count(site_store) == events
    approved = floor.scan("2001")  # Lee's badge, as a plain code
    assert (approved.outcome, approved.unit, approved.approved_by) == (
        Outcome.MOVED,
        "U-10",
        "2001",
    )
    detail = services.views.unit_detail("U-10")
    assert detail is not None and detail.history[-1].approved_by == "2001"
    assert floor.scan("U-03").outcome is Outcome.MOVED  # back to normal


def test_an_operators_badge_does_not_approve_and_the_move_keeps_waiting(floor: Terminal) -> None:
    floor.scan("L-ACME-N")
    floor.scan("U-10")
    denied = floor.scan("B:1002")
    assert (denied.outcome, denied.code) == (Outcome.REFUSED, "not-allowed")
    assert floor.state.pending is not None
    assert floor.scan("B:2001").approved_by == "2001"


def test_a_lead_with_a_pin_approves_with_it(floor: Terminal) -> None:
    floor.scan("L-ACME-N")
    floor.scan("U-10")
    mia = floor._badge_needing_pin("B:2002")
    assert mia is not None and mia.name == "Mia Novak"  # the terminal asks for her PIN
    assert floor.scan("B:2002").code == "pin-asked"  # the session asks; the move still waits
    assert floor.approve("2002", "0000").code == "bad-pin"
    approved = floor.approve("2002", "2468")
    assert (approved.outcome, approved.approved_by) == (Outcome.MOVED, "2002")


def test_cancel_drops_the_waiting_move(floor: Terminal, services: Site, site_store: Store) -> None:
    floor.scan("L-ACME-N")
    floor.scan("U-10")
    before = (event_count(site_store), all_units(site_store))
    assert floor.scan("@CANCEL").outcome is Outcome.INFO
    assert floor.state.pending is None
    assert floor.scan("B:2001").code == "other-badge"  # no longer an approval
    assert (event_count(site_store), all_units(site_store)) == before
    assert where(services, "U-10") == ("S-02", "stored")


# -- command barcodes ------------------------------------------------------------------------------


def test_undo_reverses_the_last_scanned_move(floor: Terminal, services: Site) -> None:
    floor.scan("L-ACME-N")
    floor.scan("U-01")
    undone = floor.scan("@UNDO")
    assert (undone.outcome, undone.unit) == (Outcome.MOVED, "U-01")
    assert where(services, "U-01") == ("S-01", "stored")
    detail = services.views.unit_detail("U-01")
    assert detail is not None and detail.history[-1].type is EventType.UNDO


def test_commands_that_need_a_unit_say_so_and_change_nothing(
    floor: Terminal, site_store: Store
) -> None:
    events = event_count(site_store)
    for command in ("@UNDO", "@HOLD", "@ISSUE", "@UNSTAGE"):
        result = floor.scan(command)
        assert (result.outcome, result.message) == (Outcome.INFO, f"{command}: scan a unit first.")
    assert event_count(site_store) == events


def test_hold_the_last_unit(floor: Terminal, services: Site) -> None:
    floor.scan("L-ACME-N")
    floor.scan("U-01")
    assert floor.scan("@hold").outcome is Outcome.MOVED  # command barcodes in any case
    assert services.views.unit("U-01").quality.value == "hold"  # type: ignore[union-attr]


def test_a_reason_may_follow_the_hold_in_its_scan(floor: Terminal, services: Site) -> None:
    """SPEC §8: `@HOLD` holds at once; a reason may follow ("@HOLD wet pallet", a printed
    reason barcode or typed). Without one the event says "held at terminal"."""
    floor.scan("U-01")
    assert floor.scan("@HOLD:  wet   pallet ").outcome is Outcome.MOVED
    detail = services.views.unit_detail("U-01")
    assert detail is not None and detail.history[-1].reason == "wet pallet"
    floor.scan("U-02")
    assert floor.scan("@HOLD").outcome is Outcome.MOVED
    detail = services.views.unit_detail("U-02")
    assert detail is not None and detail.history[-1].reason == "held at terminal"


def test_done_clears_the_target(floor: Terminal, services: Site) -> None:
    floor.scan("L-ACME-N")
    assert floor.scan("@DONE").outcome is Outcome.INFO
    held = floor.scan("U-01")
    assert held.outcome is Outcome.INFO  # a unit with no target is only looked at
    assert where(services, "U-01") == ("S-01", "stored")


def test_sign_out_and_nobody_moves_anything(floor: Terminal, services: Site) -> None:
    floor.scan("L-ACME-N")
    assert floor.scan("@SIGNOUT").code == "signed-out"
    assert floor.state.operator is None and floor.state.target is None
    refused = floor.scan("U-01")
    assert (refused.outcome, refused.code) == (Outcome.REFUSED, "no-operator")
    assert where(services, "U-01") == ("S-01", "stored")


def test_signing_in_needs_a_known_badge_and_a_pin_where_set(services: Site) -> None:
    terminal = Terminal(services)
    assert terminal.scan("B:4444").code == "unknown-operator"
    assert terminal.scan("B:2002").code == "pin-asked"
    assert terminal.state.operator is None
    assert terminal.sign_in("2002", "2468").code == "signed-in"
    assert terminal.scan("B:1001").code == "other-badge"  # one person per terminal


# -- hostile scans ---------------------------------------------------------------------------------

HOSTILE = [
    "",
    "\r",
    "\t\t",
    "\x1b[2J\x1b[H",
    "\x1b]0;pwned\x07",
    "U-01\x00",
    "U-01\rL-OPEN",  # two scans merged: refused, not guessed at
    "[bold red]U-01[/]",
    "[link=http://x]L-OPEN[/link]",
    "'; DROP TABLE units; --",
    "L-ACME-N' OR '1'='1",
    "A" * 10_000,
    "@",
    "@RM -RF",
    "]C1",
    f"]C1{GS}{GS}{GS}",
    "0100000000000000",  # a GTIN with a wrong check digit
    f"00{SSCC_OF_U01[:-1]}9",  # an SSCC with a wrong check digit
    "(01)(10)",
    "L:",
    "B:",
    "\udcff\udcfe",  # undecodable bytes from a misconfigured client
    "ÄÖÜ\u202eLANE",  # right-to-left override
    "U-01" + "\u200b",  # zero-width space
]


@pytest.mark.parametrize("raw", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_scans_change_nothing(sqlite_site: Store, clock, raw: str) -> None:  # type: ignore[no-untyped-def]
    site_store, services = sqlite_site, Site(sqlite_site, clock=clock)
    floor = Terminal(services)
    floor.scan("B:1001")
    floor.scan("L-OPEN")  # the worst moment: signed in, a target set
    before = (event_count(site_store), all_units(site_store))
    result = floor.scan(raw)
    assert result.outcome in (Outcome.ERROR, Outcome.INFO, Outcome.REFUSED), result
    assert result.message
    assert (event_count(site_store), all_units(site_store)) == before
    # ... and the terminal carries on as before.
    assert floor.state.operator is not None and floor.state.target is not None
    after = floor.scan("U-08")
    assert (after.outcome, after.to) == (Outcome.MOVED, "L-OPEN")
    assert services.views.unit("U-08").state is UnitState.STAGED  # type: ignore[union-attr]


def test_scanned_markup_is_shown_as_text(floor: Terminal) -> None:
    result = floor.scan("[bold red]NOPE[/]")
    assert result.outcome is Outcome.ERROR
    assert "[bold red]NOPE[/]" in result.message


# -- two terminals, one unit -------------------------------------------------------------------


@pytest.fixture
def ben(other_terminal: Site) -> Terminal:
    """A second terminal with Ben (operator 1002) signed in."""
    workflow = Terminal(other_terminal)
    assert workflow.scan("B:1002").code == "signed-in"
    return workflow


def test_a_unit_another_operator_just_moved_is_a_question_not_a_second_move(
    floor: Terminal, ben: Terminal, services: Site, clock
) -> None:  # type: ignore[no-untyped-def]
    assert outcomes(ben, "L-ACME-N", "U-11") == ["target", "moved"]
    clock.advance(seconds=3)
    floor.scan("L-NORTH")
    told = floor.scan("U-11")
    assert (told.outcome, told.code) == (Outcome.REFUSED, "moved-meanwhile")
    assert "Ben Kowalski" in told.message and "L-ACME-N" in told.message
    assert where(services, "U-11") == ("L-ACME-N", "staged")  # Ben's move stands
    again = floor.scan("U-11")  # Ana has read it and scans it again: she means it
    assert again.outcome is Outcome.MOVED
    assert where(services, "U-11") == ("L-NORTH", "staged")


def test_a_move_by_another_operator_a_while_ago_is_an_ordinary_move(
    floor: Terminal, ben: Terminal, services: Site, clock
) -> None:  # type: ignore[no-untyped-def]
    assert outcomes(ben, "L-ACME-N", "U-11") == ["target", "moved"]
    clock.advance(seconds=11)
    assert outcomes(floor, "L-NORTH", "U-11") == ["target", "moved"]
    assert where(services, "U-11") == ("L-NORTH", "staged")


def test_ones_own_recent_move_is_not_questioned(floor: Terminal, services: Site) -> None:
    assert outcomes(floor, "L-ACME-N", "U-11", "L-NORTH", "U-11") == [
        "target",
        "moved",
        "target",
        "moved",
    ]
    assert where(services, "U-11") == ("L-NORTH", "staged")


def test_a_unit_scanned_first_and_moved_elsewhere_before_its_target_is_not_moved(
    floor: Terminal, ben: Terminal, services: Site, clock
) -> None:  # type: ignore[no-untyped-def]
    assert floor.scan("U-11").outcome is Outcome.INFO  # unit first: Ana holds it
    assert outcomes(ben, "L-ACME-N", "U-11") == ["target", "moved"]
    clock.advance(minutes=5)  # long after: the version Ana saw is what tells
    told = floor.scan("L-NORTH")
    assert told.code == "moved-meanwhile" and "Ben Kowalski" in told.message
    assert where(services, "U-11") == ("L-ACME-N", "staged")


def test_a_part_quantity_still_holds_when_the_unit_is_scanned_again(
    floor: Terminal, ben: Terminal, services: Site
) -> None:
    assert outcomes(ben, "S-02", "C-02") == ["target", "moved"]
    floor.scan("KIT-A")
    floor.set_quantity(20)
    assert floor.scan("C-02").code == "moved-meanwhile"
    split = floor.scan("C-02")  # scanned again: still 20 of it, not the whole unit
    assert (split.outcome, split.unit) == (Outcome.MOVED, "C-02-1")
    assert services.views.unit("C-02").quantity == 10  # type: ignore[union-attr]


def test_a_unit_already_at_the_target_is_not_a_question(
    floor: Terminal, ben: Terminal, services: Site
) -> None:
    assert outcomes(ben, "L-NORTH", "U-11") == ["target", "moved"]
    same = outcomes(floor, "L-NORTH", "U-11")
    assert same == ["target", "already_there"]


def test_being_told_once_does_not_excuse_a_later_move_by_someone_else(
    floor: Terminal, ben: Terminal, services: Site, clock
) -> None:  # type: ignore[no-untyped-def]
    assert outcomes(ben, "L-ACME-N", "U-11") == ["target", "moved"]
    assert outcomes(floor, "L-NORTH", "U-11") == ["target", "refused"]  # told
    clock.advance(hours=1)
    assert outcomes(ben, "L-OPEN", "U-11")[-1] in ("moved", "needs_approval")
    assert ben.state.pending is None or ben.scan("2001").outcome is Outcome.MOVED
    clock.advance(seconds=1)
    again = floor.scan("U-11")  # a new move by Ben since Ana was told: told again
    assert again.code == "moved-meanwhile"


def test_an_approval_after_someone_else_moved_the_unit_is_not_applied(
    floor: Terminal, ben: Terminal, services: Site, clock
) -> None:  # type: ignore[no-untyped-def]
    floor.scan("L-ACME-N")
    assert floor.scan("U-10").outcome is Outcome.NEEDS_APPROVAL
    clock.advance(minutes=2)
    assert outcomes(ben, "S-01", "U-10") == ["target", "moved"]
    clock.advance(minutes=2)
    told = floor.scan("2001")  # Lee approves what Ana saw: the unit is no longer there
    assert told.code == "moved-meanwhile" and "Ben Kowalski" in told.message
    assert where(services, "U-10") == ("S-01", "stored")


def test_another_hosts_clock_running_ahead_does_not_make_every_move_a_question(
    floor: Terminal, ben: Terminal, services: Site, clock
) -> None:  # type: ignore[no-untyped-def]
    clock.advance(minutes=5)  # Ben's terminal (same clock object) runs 5 min ahead...
    assert outcomes(ben, "L-ACME-N", "U-11") == ["target", "moved"]
    clock.advance(minutes=-2)  # ...Ana scans 3 min later by her own clock
    assert outcomes(floor, "L-NORTH", "U-11") == ["target", "moved"]


def test_the_part_quantity_of_a_told_unit_is_not_given_to_another_unit(
    floor: Terminal, ben: Terminal, services: Site
) -> None:
    assert outcomes(ben, "S-02", "C-02") == ["target", "moved"]
    floor.scan("KIT-A")
    floor.set_quantity(20)
    assert floor.scan("C-02").code == "moved-meanwhile"
    whole = floor.scan("C-01")  # another unit instead: whole, as no quantity was set for it
    assert (whole.outcome, whole.unit) == (Outcome.MOVED, "C-01")
    assert services.views.unit("C-01").quantity == 30  # type: ignore[union-attr]


def test_after_a_refused_approval_scanning_the_unit_again_asks_the_lead_again(
    floor: Terminal, ben: Terminal, services: Site, clock
) -> None:  # type: ignore[no-untyped-def]
    floor.scan("L-ACME-N")
    assert floor.scan("U-10").outcome is Outcome.NEEDS_APPROVAL
    assert outcomes(ben, "S-01", "U-10") == ["target", "moved"]
    assert floor.scan("2001").code == "moved-meanwhile"  # told once...
    again = floor.scan("U-10")  # ...so scanning it again is not a second question
    assert again.outcome is Outcome.NEEDS_APPROVAL


def test_an_undo_that_moved_nothing_is_not_a_move(floor: Terminal, services: Site, clock) -> None:  # type: ignore[no-untyped-def]
    assert services.quality.hold("U-11", "3001", "check").ok
    assert services.corrections.undo(
        "U-11", "3001"
    ).ok  # quality lifts its own hold: U-11 stays in S-02
    assert outcomes(floor, "L-NORTH", "U-11") == ["target", "moved"]
