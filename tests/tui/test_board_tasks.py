"""Issue #13, done when, at the board: an order's route changes upstream while its pallets
sit in the old lane; after one pull the lanes board marks the lane (`*`, with the count
where there is room) and says how many units wait to be re-coordinated."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tui_kit import post_keys, shows, until

from conftest import SETTINGS
from stageterm.services.site import Site
from stageterm.tui.app import StagetermApp
from stageterm.tui.screens.stage import StageScreen


def a_route_change_pulled(demo_store: Any, clock: Any, inbox: Path) -> tuple[Site, str, str]:
    """One staged unit's order moves from its lane's route to another, through the inbox."""
    settings = SETTINGS.replace(inbox=inbox)
    site = Site(demo_store, terminal="tui-test", settings=settings, clock=clock)
    lane, staged = site.views.lane("L-03")  # type: ignore[misc]
    unit = next(s.unit for s in staged if s.unit.order)
    order = site.views.unit_detail(unit.code).order  # type: ignore[union-attr]
    assert order is not None and order.route == "EAST"
    lines = "\n".join(
        f"{order.ref},outbound,{order.customer},WEST,{order.carrier or ''},,{line.item},{line.quantity}"
        for line in order.lines
    )
    (inbox / "orders-change.csv").write_text(
        f"ref,kind,customer,route,carrier,due_at,item,quantity\n{lines}\n", encoding="utf-8"
    )
    report = site.pull.once()
    assert report.tasks_opened >= 1, report.as_json()
    return site, lane.code, unit.code


async def test_the_board_marks_a_lane_whose_units_must_be_restaged(
    demo_store: Any, clock: Any, tmp_path: Path, size: tuple[int, int]
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    site, lane, _unit = a_route_change_pulled(demo_store, clock, inbox)
    waiting = site.views.task_counts()[lane]
    app = StagetermApp(site=site, settings=site.settings)
    async with app.run_test(size=size) as pilot:
        post_keys(app, "1001\r")
        await until(pilot, lambda: isinstance(app.screen, StageScreen), what="the stage screen")
        await pilot.press("f3")
        wide = size[0] >= 80
        await shows(pilot, f"{lane}*{waiting}" if wide else f"{lane}*")
        await shows(pilot, f"* {sum(site.views.task_counts().values())} to")
