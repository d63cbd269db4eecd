"""A refusal acknowledged while an approval still waits (a lead's wrong PIN, say) says so:
the panel used to say "Acknowledged. Scan again." though the next unit would be refused
with "Approval pending" (found in a try-out)."""

from __future__ import annotations

from tui_kit import post_keys, screen_text, shows, until

from stageterm.tui.screens.prompts import PromptScreen
from stageterm.tui.screens.stage import StageScreen


async def test_acknowledging_a_wrong_pin_keeps_the_approval_in_view(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        post_keys(app, "1001\r")
        await until(pilot, lambda: isinstance(app.screen, StageScreen), what="stage")
        post_keys(app, "L-03\rU00005\r2002\r")
        await until(pilot, lambda: isinstance(app.screen, PromptScreen), what="PIN prompt")
        post_keys(app, "1111\r")
        await shows(pilot, "Wrong PIN")
        await pilot.pause(0.3)
        await pilot.press("enter")
        text = await shows(pilot, "Acknowledged")
        assert "Scan again" not in text, text
        assert "Still waiting: a lead scans their badge (F8: cancel)" in text, text
        assert "Waiting for a lead: U00005 > L-03" in screen_text(app)


async def test_acknowledging_a_refusal_with_nothing_waiting_says_scan_again(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        post_keys(app, "1001\r")
        await until(pilot, lambda: isinstance(app.screen, StageScreen), what="stage")
        post_keys(app, "L-04\rU00037\r")
        await shows(pilot, ">> Press Enter to acknowledge <<")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await shows(pilot, "Acknowledged. Scan again.")
