"""Issue #13, done when, at the board: an order's route changes upstream while its pallets
sit in the old lane; after one pull the lanes board marks the lane (`*`, with the count
where there is room) and says how many units wait to be re-coordinated."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from tui_kit import SETTINGS, shows, signed_in

from stageterm.services.site import Site
from stageterm.tui.app import StagetermApp


def a_route_change_dropped(demo_store: Any, clock: Any, inbox: Path) -> tuple[Site, str, str]:
    """One staged unit's order moves from its lane's route to another: the file for it is
    dropped in the inbox."""
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
    return site, lane.code, unit.code


def a_route_change_pulled(demo_store: Any, clock: Any, inbox: Path) -> tuple[Site, str, str]:
    """The same, pulled."""
    site, lane, unit = a_route_change_dropped(demo_store, clock, inbox)
    report = site.pull.once()
    assert report.tasks_opened >= 1, report.as_json()
    return site, lane, unit


async def test_the_board_marks_a_lane_whose_units_must_be_restaged(
    demo_store: Any, clock: Any, tmp_path: Path, size: tuple[int, int]
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    site, lane, _unit = a_route_change_pulled(demo_store, clock, inbox)
    waiting = site.views.task_counts()[lane]
    app = StagetermApp(site=site, settings=site.settings)
    async with app.run_test(size=size) as pilot:
        await signed_in(pilot)
        await pilot.press("f3")
        wide = size[0] >= 80
        await shows(pilot, f"{lane}*{waiting}" if wide else f"{lane}*")
        await shows(pilot, f"* {sum(site.views.task_counts().values())} to")


async def test_the_terminal_pulls_a_dropped_file_by_itself(
    demo_store: Any, clock: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    """Nobody runs `stageterm pull`: the terminal's worker takes the file (in a child
    process, services/pull_beside.py) and the board it shows marks the lane."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    monkeypatch.setenv("STAGETERM_INBOX", str(inbox))  # as the terminal was started
    site, lane, _unit = a_route_change_dropped(demo_store, clock, inbox)
    app = StagetermApp(site=site, settings=site.settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot)
        await pilot.press("f3")
        await shows(pilot, f"{lane}*", timeout=30)
    assert (inbox / "done" / "orders-change.csv").exists()
    # The worker ends with the app, however it ends (here: the test's own shutdown), and
    # does not go on pulling for a site nobody looks at.
    deadline = time.monotonic() + 5
    while any(t.name == "pull" for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(t.name == "pull" for t in threading.enumerate())
