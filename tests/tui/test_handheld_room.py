"""A handheld's 40x16 screen. The scan field stays on screen whatever the answer: an
approval at a lane of another customer (a long reason, the lead's prompt, the target
card's waiting lines) used to push it and the running list off the bottom, behind a scroll
bar (found in a try-out); the answer now gives up its three-row word for a one-line one,
and nothing it says is lost. Also from the try-out: "1 unit here", and a name cut on the
title bar ends in "…"."""

from __future__ import annotations

import pytest
from tui_kit import post_keys, screen_text, shows, signed_in

from stageterm.tui.widgets.feedback import FeedbackPanel


async def test_an_approval_at_40x16_leaves_the_scan_field_on_screen(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        await signed_in(pilot)
        post_keys(app, "L-04\r")
        await shows(pilot, "Target L-04")
        post_keys(app, "U00008\r")
        text = await shows(pilot, "A lead must", "(F8:")
        await pilot.pause(0.2)
        text = screen_text(app)
        lines = text.splitlines()
        assert len(lines) == 16
        assert any(line.startswith(" Scan>") for line in lines), text
        assert lines[-1].startswith("F1 Help"), text
        assert "APPROVAL" in text or "APPR" in text, text  # the word, now on one line
        assert ">> A lead scans their badge" in text, text
        panel = app.screen.query_one(FeedbackPanel)
        assert panel.region.bottom <= 14, panel.region  # above the scan field and key bar


async def test_at_80x24_the_same_approval_keeps_its_big_word(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot)
        post_keys(app, "L-04\r")
        await shows(pilot, "Target L-04")
        post_keys(app, "U00008\r")
        await shows(pilot, "A lead must")
        await pilot.pause(0.2)
        text = screen_text(app)
        assert "APPROVAL" not in text  # drawn in three-row letters, not as a word
        assert any(line.startswith(" Scan>") for line in text.splitlines())


async def test_one_unit_is_one_unit(make_app) -> None:
    """A target with no capacity and one unit in it says "1 unit here" (was "1 units")."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot)
        post_keys(app, "KIT-B\r")
        await shows(pilot, "KIT-B")
        await pilot.pause(0.3)
        text = screen_text(app)
        assert "1 units" not in text
        assert " unit here" in text or " units here" in text, text


async def test_a_name_cut_on_the_title_bar_says_so() -> None:
    """At 40 columns a lead's name with the alert count does not fit: it ends in "…"."""
    from textual.app import App, ComposeResult

    from stageterm.tui.widgets.bars import TitleBar

    class BarApp(App[None]):
        def compose(self) -> ComposeResult:
            yield TitleBar("STAGE")

    app = BarApp()
    async with app.run_test(size=(40, 4)) as pilot:
        bar = app.query_one(TitleBar)
        bar.set(who="Maximiliane Oberhuber-Lindqvist (lead)", status="3 ALERTS  sync off  09:30")
        await pilot.pause(0.1)
        line = screen_text(app).splitlines()[0]
        assert "…" in line and line.rstrip().endswith("09:30"), line
        assert "Maxim…" in line and len(line) <= 40, line


async def _a_long_lane(demo_store, clock) -> None:  # type: ignore[no-untyped-def]
    """LANE-N-04: a code too long for big letters at 40 columns, so its card line wraps."""
    from stageterm.demo import _rows
    from stageterm.intake import import_rows

    lane = {"code": "LANE-N-04", "kind": "lane", "customer": "ACME", "route": "WEST"}
    import_rows(
        demo_store, "locations", "x", _rows([{**lane, "capacity": 12, "name": "x"}]), clock=clock
    )


def the_field_shows(app) -> bool:  # type: ignore[no-untyped-def]
    return any(line.startswith(" Scan>") for line in screen_text(app).splitlines())


@pytest.mark.parametrize(
    ("first", "then"),
    [
        (("LANE-N-04", "units here"), ("U00008", "must")),
        (("U00008", "In hand"), ("LANE-N-04", "must")),
    ],
    ids=["target-first: the card wraps", "unit-first: the card grows by its fill after the answer"],
)
async def test_a_long_lane_approval_leaves_the_field_on_screen(
    make_app, demo_store, clock, first: tuple[str, str], then: tuple[str, str]
) -> None:  # type: ignore[no-untyped-def]
    await _a_long_lane(demo_store, clock)
    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        await signed_in(pilot)
        for code, shown in (first, then):
            post_keys(app, code + "\r")
            await shows(pilot, shown)
            await pilot.pause(0.4)
        await pilot.pause(0.2)
        assert the_field_shows(app), screen_text(app)


async def test_the_field_stays_after_a_resize_to_a_handheld(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot)
        post_keys(app, "L-04\rU00008\r")
        await shows(pilot, "A lead must")
        await pilot.pause(0.2)
        await pilot.resize_terminal(40, 16)
        await pilot.pause(0.5)
        assert the_field_shows(app), screen_text(app)
