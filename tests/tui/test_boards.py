"""Lanes board, lane detail, unit lookup, kitting, sync status and help: what they show,
how they are reached by keys alone, and that the board follows other terminals' moves."""

from __future__ import annotations

from tui_kit import post_keys, screen_text, shows, signed_in, until

from stageterm.services.site import Site
from stageterm.tui.screens.help import HelpScreen
from stageterm.tui.screens.kitting import KittingScreen
from stageterm.tui.screens.lane import LaneScreen
from stageterm.tui.screens.lanes import LanesScreen
from stageterm.tui.screens.stage import StageScreen
from stageterm.tui.screens.sync import SyncScreen
from stageterm.tui.screens.unit import UnitScreen


def board_line(text: str, lane: str) -> str:
    return next(line for line in text.splitlines() if f" {lane} " in line)


async def test_lanes_board_by_customer_then_route(make_app, size) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await signed_in(pilot)
        await pilot.press("f3")
        text = await shows(pilot, "LANES", "L-02", "UNITS")
        # L-02 (BOLT, due 11:00) leads: five units in eight places.
        first = next(line for line in text.splitlines() if line.startswith(">"))
        assert "L-02" in first and "5/8" in first and "11:00" in first
        # Aging in words and marks, not colour alone: the demo has fresh, aging and old lanes.
        marks = "ok" if size[0] >= 80 else ""
        assert "!!" in text and "! " in text
        if size[0] >= 80:
            assert "CUSTOMER" in text and "!!OLD" in text and "! AGING" in text and marks in text
        await pilot.press("ctrl+r")
        text = await shows(pilot, "ROUTE" if size[0] >= 80 else "ROUT ")
        assert "SOUTH" in text and app.lanes_by == "route"
        await pilot.press("f3")  # F3 again toggles on: by carrier, then back to customer
        await until(pilot, lambda: app.lanes_by == "carrier")
        await pilot.press("f3")
        await until(pilot, lambda: app.lanes_by == "customer")


async def test_board_follows_another_terminal(make_app, other_terminal: Site) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot)
        await pilot.press("f3")
        text = await shows(pilot, "L-04")
        assert "0/12" in board_line(text, "L-04")
        assert other_terminal.moves.move("U00003", "L-04", "1002").outcome.value == "moved"
        await until(
            pilot,
            lambda: "1/12" in board_line(screen_text(app), "L-04"),
            timeout=6,
            what="the refresh",
        )


async def test_enter_opens_the_lane_and_then_a_unit(make_app, size) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await signed_in(pilot)
        await pilot.press("f3")
        await shows(pilot, "L-02")
        await pilot.press("down", "down")
        await pilot.pause(0.2)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, LaneScreen), what="lane detail")
        text = await shows(pilot, "L-08", "7/12 units", "U00007")
        assert "BOLT / WEST" in text
        await pilot.pause(0.2)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, UnitScreen), what="the unit")
        await shows(pilot, "U00007", "HISTORY", "stage", "receive")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, LaneScreen), what="back to the lane")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, LanesScreen), what="back to the board")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, StageScreen), what="back home")


async def test_a_unit_scanned_on_the_board_opens_it(make_app, services: Site, size) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await signed_in(pilot)
        await pilot.press("f3")
        await shows(pilot, "L-02")
        post_keys(app, "U00002\r")
        await until(pilot, lambda: isinstance(app.screen, UnitScreen), what="the unit screen")
        text = await shows(pilot, "U00002", "FG-101", "HISTORY")
        assert "L-03" in text and "SO-1003" in text
    assert services.views.unit("U00002").location == "L-03"  # opened, not moved


async def test_unit_lookup_by_key_and_typed_code(make_app, size) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await signed_in(pilot)
        await pilot.press("ctrl+o")
        await shows(pilot, "Scan or type a unit code")
        await pilot.press("U", "0", "0", "0", "3", "7", "enter")
        text = await shows(pilot, "U00037", "X QUARANTINE")
        assert "Q-01" in text
        post_keys(app, "U00053\r")
        await shows(pilot, "EXPIRED")


async def test_kitting_shows_required_staged_short_and_where_to_fetch(
    make_app, services, size
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await signed_in(pilot)
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(app.screen, KittingScreen))
        text = await shows(pilot, "WO-5001", "KIT-A", "C-200", "SHORT 40")
        assert "X SHORT: 4 of 4 lines" in text
        if size[0] >= 80:
            assert "REQUIRED" in text and "STAGED" in text
        else:
            assert "20/60" in text
    # A shortfall says where the item is stored (SPEC §3), the fullest place first.
    kit = next(k for k in services.views.kitting() if k.order.ref == "WO-5001")
    short = next(line for line in kit.lines if line.item == "C-200")
    assert short.stored_at, "C-200 is stored somewhere on the demo site"
    assert short.stored_at[0] in text


async def test_sync_status_when_sync_is_off(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        await signed_in(pilot)
        await pilot.press("ctrl+y")
        await until(pilot, lambda: isinstance(app.screen, SyncScreen))
        await shows(pilot, "sync off (no STAGETERM_UPSTREAM_URL)")


async def test_help_lists_keys_and_command_barcodes(make_app, size) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await signed_in(pilot)
        await pilot.press("ctrl+g")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        seen = await shows(pilot, "HOW TO STAGE")
        for _ in range(8):
            await pilot.press("pagedown")
            seen += screen_text(app)
        for text in ("F10/^Q", "F9/^D", "Esc", "@UNDO", "@SIGNOUT", "@CANCEL"):
            assert text in seen


async def test_function_keys_reach_every_screen_and_escape_comes_home(make_app) -> None:
    app = make_app()
    screens = {
        "f1": HelpScreen, "f3": LanesScreen, "f4": UnitScreen, "f5": KittingScreen, "f6": SyncScreen,
    }  # fmt: skip
    async with app.run_test(size=(40, 16)) as pilot:
        await signed_in(pilot)
        for key, screen in screens.items():
            await pilot.press(key)
            await until(pilot, lambda screen=screen: isinstance(app.screen, screen), what=key)
            assert "Quit" in screen_text(app)
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(app.screen, StageScreen), what="home")


async def test_an_unknown_code_on_the_unit_screen_is_said_there(make_app, size) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await signed_in(pilot)
        await pilot.press("f4")
        await until(pilot, lambda: isinstance(app.screen, UnitScreen))
        post_keys(app, "u00037\r")
        await shows(pilot, "X Unit u00037 is not known here.")
        assert isinstance(app.screen, UnitScreen) and app.blocking is None and app.bells == 0


async def test_a_vt_terminal_is_shown_the_ctrl_keys_where_both_do_not_fit(
    make_app, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """A VT220 keyboard has no F1-F5: at 40 columns its key bar names ^G, ^L, ^X, ^Q (^X:
    the cancel key the approval panel names)."""
    monkeypatch.setenv("TERM", "vt220")
    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        await signed_in(pilot)
        text = await shows(pilot, "^L Lanes")
        assert text.splitlines()[-1].split() == [
            "^G",
            "Help",
            "^L",
            "Lanes",
            "^X",
            "Cancel",
            "^Q",
            "Quit",
        ]


async def test_other_terminals_keep_the_f_keys_where_both_do_not_fit(make_app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TERM", "xterm-256color")
    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        await signed_in(pilot)
        text = await shows(pilot, "F3 Lanes")
        assert text.splitlines()[-1].split()[:2] == ["F1", "Help"]
