"""The key bar's flashes: an alert that arrives while the answer to the operator's own
action is on show waits for it to end (it used to overwrite it at once), and a later
flash is not cut short by an earlier one's timer."""

from __future__ import annotations

from textual.app import App, ComposeResult

from stageterm.tui.keys import HELP, QUIT
from stageterm.tui.widgets.bars import KeyBar


class BarApp(App[None]):
    def compose(self) -> ComposeResult:
        yield KeyBar([HELP, QUIT])


async def test_a_notice_waits_for_the_flash_on_show() -> None:
    app = BarApp()
    async with app.run_test() as pilot:
        bar = app.query_one(KeyBar)
        bar.flash("1 rejected events back in the queue.", seconds=0.3)
        bar.notice("ALERT L-04 over its dwell limit", seconds=0.3)
        await pilot.pause(0.1)
        assert bar.flash_text == "1 rejected events back in the queue."
        await pilot.pause(0.35)
        assert bar.flash_text == "ALERT L-04 over its dwell limit"
        await pilot.pause(0.35)
        assert bar.flash_text is None  # then the keys again


async def test_a_notice_with_nothing_on_show_is_shown_at_once() -> None:
    app = BarApp()
    async with app.run_test() as pilot:
        bar = app.query_one(KeyBar)
        bar.notice("ALERT L-04 over its dwell limit")
        await pilot.pause(0.05)
        assert bar.flash_text == "ALERT L-04 over its dwell limit"


async def test_a_later_flash_keeps_its_own_time() -> None:
    app = BarApp()
    async with app.run_test() as pilot:
        bar = app.query_one(KeyBar)
        bar.flash("first", seconds=0.2)
        await pilot.pause(0.1)
        bar.flash("second", seconds=0.5)
        await pilot.pause(0.25)  # past the first flash's end
        assert bar.flash_text == "second"


async def test_only_the_newest_notice_waits() -> None:
    """Alerts keep coming while a flash is on show: only the newest is shown after it,
    not a backlog of old ones, one every few seconds."""
    app = BarApp()
    async with app.run_test() as pilot:
        bar = app.query_one(KeyBar)
        bar.flash("Sending now.", seconds=0.3)
        for n in range(10):
            bar.notice(f"ALERT {n}", seconds=0.3)
        await pilot.pause(0.45)
        assert bar.flash_text == "ALERT 9"
        await pilot.pause(0.35)
        assert bar.flash_text is None
