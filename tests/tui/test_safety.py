"""Text from scans and imports is shown literally, never run as markup; a failing worker
shows a message and the terminal goes on; ASCII mode draws only ASCII; NO_COLOR reads."""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_kit import post_bytes, post_keys, screen_text, shows, signed_in, until

from stageterm.intake import import_rows
from stageterm.services.site import Site
from stageterm.store.engine import Store
from stageterm.tui.screens.kitting import KittingScreen
from stageterm.tui.screens.lanes import LanesScreen
from stageterm.tui.screens.prompts import PromptScreen
from stageterm.tui.screens.stage import StageScreen
from stageterm.tui.screens.unit import UnitScreen

CLICK = "[@click=app.quit]boom"
RED = "[red]x"


@pytest.fixture
def hostile_store(demo_store: Store, fixed_now) -> Store:
    row = {
        "code": RED, "item": CLICK, "gtin": None, "lot": "[b]lot", "serial": None, "sscc": None,
        "quantity": "5", "uom": "EA", "expiry": None, "quality": "released", "location": "S-01", "order": None,
    }  # fmt: skip
    import_rows(demo_store, "units", "hostile.csv", [(2, row)], clock=lambda: fixed_now)
    return demo_store


async def test_imported_markup_is_shown_as_text(
    hostile_store, make_app, services: Site, size
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await signed_in(pilot)
        await pilot.press("f4")
        await until(pilot, lambda: isinstance(app.screen, UnitScreen))
        post_keys(app, RED + "\r")
        text = await shows(pilot, RED, "[b]lot")
        assert CLICK in text
        # Unit-first then storage: the move happens, its sentence shows the code literally.
        await pilot.press("f2")
        post_keys(app, RED + "\r")
        await shows(pilot, f"In hand: {RED}")
        post_keys(app, "S-02\r")
        await shows(pilot, f"Unit {RED} to S-02")
        await pilot.click("#feedback")  # a [@click] that had become markup would quit here
        await pilot.pause(0.2)
        assert app.is_running
    assert services.views.unit(RED).location == "S-02"


async def test_hostile_scans_are_refused_not_obeyed(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot)
        for junk in (CLICK, "[bold red]NOPE[/]", "x" * 3000):
            post_keys(app, junk + "\r")
            await until(pilot, lambda: app.blocking is not None, what=f"refusal of {junk[:20]}")
            text = screen_text(app)
            assert junk[:20] in text or "too long" in text.lower() or "x" * 20 in text
            await pilot.pause(0.2)
            await pilot.press("enter")
            await until(pilot, lambda: app.blocking is None, what="acknowledged")
        assert app.is_running


async def test_a_failing_worker_is_shown_and_the_terminal_goes_on(
    make_app, services: Site, monkeypatch
) -> None:
    def broken(by: str = "route") -> list:
        raise RuntimeError("database went away")

    monkeypatch.setattr(services.views, "queue", broken)
    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        await signed_in(pilot)
        await pilot.press("f3")
        await until(pilot, lambda: isinstance(app.screen, LanesScreen))
        await shows(pilot, "! lanes load failed")
        await pilot.press("f2")
        post_keys(app, "L-04\rU00003\r")
        await shows(pilot, "Unit U00003 to L-04")


async def test_ascii_mode_draws_only_ascii(make_app) -> None:
    app = make_app(ascii=True)
    async with app.run_test(size=(40, 16)) as pilot:
        seen = [screen_text(app)]
        await signed_in(pilot)
        post_keys(app, "L-03\rU00037\r")
        await shows(pilot, "Press Enter")
        seen.append(screen_text(app))
        for key, screen in (("f3", LanesScreen), ("f5", KittingScreen), ("f4", UnitScreen)):
            await pilot.press(key)
            await until(pilot, lambda screen=screen: isinstance(app.screen, screen))
            await pilot.pause(0.3)
            seen.append(screen_text(app))
        await pilot.press("f2")
        await pilot.pause(0.2)
        await pilot.press("enter")
        post_keys(app, "L-03\rU00005\r2002\r")
        await until(pilot, lambda: isinstance(app.screen, PromptScreen), what="PIN prompt")
        post_keys(app, "24")
        await pilot.pause(0.2)
        seen.append(screen_text(app))
    for text in seen:
        bad = sorted({c for c in text if not c.isascii()})
        assert not bad, f"non-ASCII {bad} in:\n{text}"
    assert "+--" in seen[-1] or "|" in seen[-1]  # the prompt's border, drawn in ASCII


async def test_without_ascii_mode_the_same_screens_use_unicode(make_app) -> None:
    """The control for the test above: it would notice box and ellipsis characters."""
    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        await signed_in(pilot)
        post_keys(app, "L-03\rU00005\r2002\r")
        await until(pilot, lambda: isinstance(app.screen, PromptScreen), what="PIN prompt")
        await pilot.pause(0.2)
        assert any(not c.isascii() for c in screen_text(app))


async def test_no_color_keeps_the_words(make_app, monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        assert app.no_color
        await signed_in(pilot)
        post_keys(app, "L-03\rU00037\r")
        text = await shows(pilot, "X Unit U00037", ">> Press Enter to acknowledge <<")
        assert "REF" in text


async def test_no_cursor_blinks(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        await signed_in(pilot)
        await pilot.press("f7")
        await until(pilot, lambda: isinstance(app.screen, PromptScreen))
        fields = [*app.screen.query("Input"), *app.screen_stack[-2].query("Input")]
        assert fields and not any(field.cursor_blink for field in fields)


async def test_a_scan_after_the_database_file_was_removed_is_refused_on_screen(
    make_app, demo_store: Store, services: Site
) -> None:
    """Issue #16.4 at the terminal: `rm site.db*` under the running app; the next move is
    refused in words that say what to do, never confirmed into the deleted file."""
    path = Path(str(demo_store.writer.url.database))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot)
        post_keys(app, "L-04\r")
        await shows(pilot, "L-04")
        for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            name.unlink(missing_ok=True)
        post_keys(app, "U00003\r")
        text = await shows(pilot, "replaced or removed")
        assert "Unit U00003 to L-04" not in text
        assert "restart" in text
        assert app.is_running


@pytest.mark.parametrize(
    "burst",
    ["\x1b]0;PWNED\x07U00003", "U00\x0003", "\x9b31mU00003", "U0000\x7f3"],
    ids=["osc-bel", "nul", "c1-csi", "del"],
)
async def test_a_hostile_burst_is_one_unreadable_scan_and_moves_nothing(
    make_app, services: Site, burst: str
) -> None:
    """Issue #16.8 at the terminal, the bytes read by Textual's own parser: the BEL of an
    OSC sequence is Ctrl-G (Help) and must not open it and leave U00003 to be taken."""
    before = services.views.unit("U00003")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot)
        post_keys(app, "L-04\r")
        await shows(pilot, "Target L-04")
        post_bytes(app, burst + "\r")
        text = await shows(pilot, "control characters")
        assert isinstance(app.screen, StageScreen)
        assert "Unit U00003 to L-04" not in text
        await pilot.pause(0.3)
    assert services.views.unit("U00003") == before
