"""Words from the app's threads (the scan desk's answers, the pollers' counters, alerts)
that arrive while the app closes find no screen to be shown on: they are dropped, not
an error (ScreenStackError ended a CI run twice, from SiteChanged and from Answered)."""

from __future__ import annotations

from tui_kit import signed_in

from stageterm.tui.alert_watch import AlertsSeen
from stageterm.tui.messages import SiteChanged, SyncChecked


async def test_a_word_arriving_after_the_screens_are_gone_is_dropped(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot)
        stack = app._screen_stacks[app._current_mode]
        screens = list(stack)
        stack.clear()  # as during shutdown, between the screens' removal and the last message
        try:
            for word in (SiteChanged(10**9), SyncChecked("SYNC DOWN"), AlertsSeen("1 ALERT", "x")):
                await app._on_message(word)  # raised ScreenStackError before
        finally:
            stack.extend(screens)
