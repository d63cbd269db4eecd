"""Snapshots of the key screens (the cursor does not blink, the clock stands still).

Update after a deliberate change with `pytest tests/tui/test_snapshots.py --snapshot-update`
and look at the SVGs in __snapshots__ before committing them.
"""

from __future__ import annotations

from tui_kit import post_keys, signed_in, until

from stageterm.tui.screens.lanes import LanesScreen
from stageterm.tui.screens.unit import UnitScreen


async def refused(pilot) -> None:
    await signed_in(pilot)
    post_keys(pilot.app, "L-03\rU00002\rU00037\r")
    await until(pilot, lambda: pilot.app.blocking is not None)
    await until(pilot, lambda: "6/8" in str(pilot.app.stage.query_one("#target").fill))


def test_sign_in_40x16(make_app, snap_compare) -> None:
    assert snap_compare(make_app(), terminal_size=(40, 16))


def test_stage_refused_80x24(make_app, snap_compare) -> None:
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=refused)


def test_stage_refused_40x16(make_app, snap_compare) -> None:
    assert snap_compare(make_app(), terminal_size=(40, 16), run_before=refused)


def test_lanes_40x16(make_app, snap_compare) -> None:
    async def run(pilot) -> None:
        await signed_in(pilot)
        await pilot.press("f3")
        await until(
            pilot, lambda: isinstance(pilot.app.screen, LanesScreen) and pilot.app.screen.board
        )

    assert snap_compare(make_app(), terminal_size=(40, 16), run_before=run)


def test_unit_history_80x24(make_app, snap_compare) -> None:
    async def run(pilot) -> None:
        await signed_in(pilot)
        await pilot.press("f4")
        post_keys(pilot.app, "U00002\r")
        await until(
            pilot, lambda: isinstance(pilot.app.screen, UnitScreen) and pilot.app.screen.view
        )

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run)
