"""Issue 12.8: a PIN typed after a wrong-PIN refusal (into the scan field, the prompt being
gone) is never shown: not in the feedback panel ("Not taken: 1111"), not in the running
list ("SKIP 1111"), not in a "Badge 1111 is not known" answer."""

from __future__ import annotations

from tui_kit import post_keys, screen_text, shows, until

from stageterm.tui.screens.prompts import PromptScreen
from stageterm.tui.screens.signin import SignInScreen
from stageterm.tui.screens.stage import StageScreen

PIN = "1357"  # a wrong PIN for Mia Novak (2002), found nowhere else on the demo's screens


async def test_pin_typed_again_at_an_approval_is_not_shown(make_app, size) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        post_keys(app, "1001\r")
        await until(pilot, lambda: isinstance(app.screen, StageScreen), what="stage")
        post_keys(app, "L-03\rU00005\r2002\r")
        await until(pilot, lambda: isinstance(app.screen, PromptScreen), what="PIN prompt")
        post_keys(app, PIN + "\r")
        await shows(pilot, "Wrong PIN")
        bells = app.bells
        post_keys(app, PIN + "\r")  # the prompt is gone: this goes to the scan field
        await until(pilot, lambda: app.bells > bells, what="the not-taken bell")
        await pilot.pause(0.2)
        assert PIN not in screen_text(app)
        await shows(pilot, "Not taken")


async def test_pin_typed_again_at_sign_in_is_not_shown(make_app, size) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        post_keys(app, "2002\r")
        await until(pilot, lambda: isinstance(app.screen, PromptScreen), what="PIN prompt")
        post_keys(app, PIN + "\r")
        await shows(pilot, "Wrong PIN")
        assert isinstance(app.screen, SignInScreen)
        post_keys(app, PIN + "\r")
        await shows(pilot, "Not a code this site knows")
        assert PIN not in screen_text(app)


async def test_pin_prompt_left_with_esc_then_pin_typed_is_not_shown(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        post_keys(app, "2002\r")
        await until(pilot, lambda: isinstance(app.screen, PromptScreen), what="PIN prompt")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, SignInScreen), what="sign-in")
        post_keys(app, PIN + "\r")
        await shows(pilot, "Not a code this site knows")
        assert PIN not in screen_text(app)


async def test_an_unknown_badge_is_still_named_when_no_pin_was_asked(make_app) -> None:
    """The control: without a PIN question before it, the code is shown as always."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        post_keys(app, PIN + "\r")
        await shows(pilot, f"Badge {PIN} is not known")
