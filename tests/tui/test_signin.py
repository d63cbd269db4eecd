"""Signing in and out: badge scans, PINs (masked), refusals, idle sign-out, quitting."""

from __future__ import annotations

import time

from tui_kit import post_keys, screen_text, shows, until

from stageterm.tui.screens.prompts import PromptScreen
from stageterm.tui.screens.signin import SignInScreen
from stageterm.tui.screens.stage import StageScreen


async def test_badge_without_pin_signs_in(make_app, size) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await shows(pilot, "Scan your badge")
        post_keys(app, "1001\r")
        text = await shows(pilot, "Ana Ortiz", "STAGE")
        assert isinstance(app.screen, StageScreen)
        assert "NO TARGET" in text
        assert "Quit" in text  # the way out is never cut off


async def test_badge_with_pin_asks_for_it_masked(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        post_keys(app, "B:9001\r")
        await until(pilot, lambda: isinstance(app.screen, PromptScreen), what="the PIN prompt")
        text = await shows(pilot, "PIN for Ida Admin")
        post_keys(app, "9999")
        text = await shows(pilot, "****")
        assert "9999" not in text
        post_keys(app, "\r")
        await shows(pilot, "Ida Admin", "STAGE")
        assert "9999" not in screen_text(app)


async def test_wrong_pin_stays_signed_out(make_app, services) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        post_keys(app, "2002\r")
        await until(pilot, lambda: isinstance(app.screen, PromptScreen), what="the PIN prompt")
        post_keys(app, "1111\r")
        await shows(pilot, "Wrong PIN")
        assert isinstance(app.screen, SignInScreen)
        assert app.session.operator is None


async def test_unknown_badge_is_refused_in_words(make_app, size) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        post_keys(app, "7777\r")
        await shows(pilot, "X Badge 7777 is not known")
        assert isinstance(app.screen, SignInScreen)


async def test_screens_stay_shut_until_signed_in_but_help_opens(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3", "ctrl+k")
        assert isinstance(app.screen, SignInScreen)
        await pilot.press("f1")
        await shows(pilot, "KEYS (F-key or Ctrl-letter)", "F10/^Q")
        await pilot.press("escape")
        await shows(pilot, "Scan your badge")


async def test_sign_out_key_returns_to_sign_in(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        post_keys(app, "1001\r")
        await shows(pilot, "Ana Ortiz")
        await pilot.press("ctrl+d")
        await shows(pilot, "Signed out.", "Scan your badge")
        assert app.session.operator is None


async def test_idle_sign_out(make_app) -> None:
    app = make_app(idle_minutes=0.01)  # 0.6 s
    async with app.run_test(size=(40, 16)) as pilot:
        post_keys(app, "1001\r")
        await shows(pilot, "Ana Ortiz")
        await until(
            pilot, lambda: isinstance(app.screen, SignInScreen), timeout=5, what="idle sign-out"
        )
        await shows(pilot, "Signed out after 1 s")


async def test_ctrl_q_signs_out_and_quits(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        post_keys(app, "1001\r")
        await shows(pilot, "Ana Ortiz")
        await pilot.press("ctrl+q")
        await until(pilot, lambda: app._exit, what="exit")
    assert app.return_code == 0
    # The desk thread, the session's owner, signs it out as it stops.
    for _ in range(50):
        if app.desk.session.state.operator is None:
            break
        time.sleep(0.05)
    assert app.desk.session.state.operator is None
