"""The stage screen: target-first and unit-first staging, refusals that stay until
acknowledged, approvals by a lead's badge, part quantities, command barcodes."""

from __future__ import annotations

from tui_kit import post_keys, screen_text, shows, signed_in, until

from stageterm.services.site import Site
from stageterm.tui.screens.lanes import LanesScreen
from stageterm.tui.screens.prompts import PromptScreen
from stageterm.tui.screens.stage import StageScreen


def log_size(app) -> int:
    logs = app.stage.query("#log") if app.stage else []
    return len(logs[0].entries) if logs else 0


async def scan(pilot, raw: str) -> None:
    """One scan, and wait for its answer in the running list."""
    before = log_size(pilot.app)
    post_keys(pilot.app, raw + "\r")
    await until(pilot, lambda: log_size(pilot.app) > before, what=f"the answer to {raw}")


async def test_target_first_stages_a_unit(make_app, services: Site, size) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await signed_in(pilot)
        await scan(pilot, "L-04")
        text = await shows(pilot, "TARGET lane", "ACME / WEST")
        await scan(pilot, "U00003")
        text = await shows(pilot, "Unit U00003 to L-04", "1/12 units here")
        assert "|/" in text  # the big OK
        assert app.bells == 0
    unit = services.views.unit("U00003")
    assert unit is not None and unit.location == "L-04" and unit.state.value == "staged"


async def test_unit_first_then_lane(make_app, services: Site) -> None:
    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        await signed_in(pilot)
        await scan(pilot, "U00003")
        await shows(pilot, "In hand: U00003", "INFO")
        assert services.views.unit("U00003").location == "S-04"
        await scan(pilot, "L-04")
        await shows(pilot, "Unit U00003 to L-04")
    assert services.views.unit("U00003").location == "L-04"


async def test_refusal_stays_until_enter_and_takes_no_scan(make_app, services: Site, size) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await signed_in(pilot)
        await scan(pilot, "L-04")
        await scan(pilot, "U00037")
        text = await shows(pilot, "quarantine", "Press Enter to acknowledge")
        assert "(_  |_  | \\" in text  # REFUSED in big letters
        assert app.bells == 1
        # Scanned past the refusal: not taken, the bell again, nothing moves.
        await scan(pilot, "U00003")
        await shows(pilot, "Not taken: U00003")
        assert app.bells == 2
        assert services.views.unit("U00003").location == "S-04"
        # A bare Enter acknowledges; then scans are taken again.
        await pilot.pause(0.2)
        await pilot.press("enter")
        await shows(pilot, "Acknowledged")
        await scan(pilot, "U00003")
        await shows(pilot, "Unit U00003 to L-04")
    assert services.views.unit("U00003").location == "L-04"
    assert services.views.unit("U00037").location == "Q-01"


async def test_cr_lf_scanner_does_not_acknowledge_its_own_refusal(make_app, services: Site) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot)
        post_keys(app, "L-04\r\n")
        await shows(pilot, "TARGET lane")
        post_keys(app, "U00041\r\nU00003\r\n")
        await shows(pilot, "Not taken: U00003", "Press Enter to acknowledge")
        await pilot.pause(0.3)
        assert app.blocking is not None
    assert services.views.unit("U00003").location == "S-04"


async def test_unknown_unit_is_an_error_with_the_bell(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        await signed_in(pilot)
        await scan(pilot, "ZZ-NOPE")
        await shows(pilot, "ZZ-NOPE is not known", "Press Enter")
        assert app.bells == 1


async def test_approval_by_a_lead_without_pin(make_app, services: Site, size) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await signed_in(pilot)
        await scan(pilot, "L-03")
        await scan(pilot, "U00005")
        await shows(pilot, "approve", "Waiting for a lead")  # the sentence wraps
        assert services.views.unit("U00005").location == "S-06"
        await scan(pilot, "2001")
        await shows(pilot, "approved by Lee")
    history = services.views.unit_detail("U00005").history
    assert history[-1].approved_by == "2001" and history[-1].to_location == "L-03"


async def test_approval_by_a_lead_with_pin(make_app, services: Site) -> None:
    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        await signed_in(pilot)
        await scan(pilot, "L-03")
        await scan(pilot, "U00005")
        post_keys(app, "2002\r")
        await until(pilot, lambda: isinstance(app.screen, PromptScreen), what="the PIN prompt")
        await shows(pilot, "PIN for Mia Novak to approve")
        post_keys(app, "2468\r")
        await shows(pilot, "approved by Mia")
    assert services.views.unit_detail("U00005").history[-1].approved_by == "2002"


async def test_cancel_drops_a_pending_approval(make_app, services: Site) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot)
        await scan(pilot, "L-03")
        await scan(pilot, "U00005")
        await shows(pilot, "Waiting for a lead")
        await pilot.press("f8")
        await shows(pilot, "Cancelled")
        assert "Waiting for a lead" not in screen_text(app)
    assert services.views.unit("U00005").location == "S-06"


async def test_part_quantity_for_kitting(make_app, services: Site, size) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await signed_in(pilot)
        await pilot.press("f7")
        await until(pilot, lambda: isinstance(app.screen, PromptScreen), what="the quantity prompt")
        post_keys(app, "10\r")
        await shows(pilot, "Next unit: move 10 only")
        await scan(pilot, "KIT-A")
        assert services.views.unit("U00151").quantity == 30
        await scan(pilot, "U00151")
        await shows(pilot, "Unit U00151")
    parent, child = services.views.unit("U00151"), services.views.unit("U00151-1")
    assert parent.quantity == 20 and parent.location == "S-12"
    assert child.quantity == 10 and child.location == "KIT-A"


async def test_undo_command_barcode(make_app, services: Site) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot)
        await scan(pilot, "L-04")
        await scan(pilot, "U00003")
        await scan(pilot, "@UNDO")
        await shows(pilot, "Undone: stage of U00003")
    assert services.views.unit("U00003").location == "S-04"


async def test_lanes_command_and_a_lane_scanned_there_becomes_the_target(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        await signed_in(pilot)
        await scan(pilot, "@LANES")
        await until(pilot, lambda: isinstance(app.screen, LanesScreen), what="the lanes board")
        post_keys(app, "L-05\r")
        await until(pilot, lambda: isinstance(app.screen, StageScreen), what="back on stage")
        await shows(pilot, "TARGET lane", "BOLT / NORTH")
