"""The lanes board on a big site (500 lanes, 20,000 staged units): first paint (F3 to the
rows on screen: the query in a worker, the rows built, the board rendered) and refresh
(another terminal moves a unit, then the change seen to the new rows on screen). Also
the lane query alone.

    python benchmarks/tui_lanes_board.py [--lanes 500] [--units 20000] [--repeat 15]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "tui"))
from tui_kit import post_keys

from stageterm.services.site import Site
from stageterm.store.queries import lane_rows
from stageterm.tui.app import StagetermApp
from stageterm.tui.messages import SiteChanged
from stageterm.tui.screens.lanes import LanesScreen
from stageterm.tui.screens.stage import StageScreen
from tui_site import FIXED_NOW, big_site, load, machine, pct, summary_ms

FIRST_PAINT_MS = 200.0
REFRESH_MS = 50.0
QUERY_RUNS = 50


async def measure(
    services: Site, lanes: int, repeat: int, other: Site | None = None
) -> tuple[list[float], list[float], list[float]]:
    """First paints, and refreshes each after a move by `other` (another terminal), in
    turn a unit in a lane not on screen and one in a lane on screen: out of its lane into
    storage, or back (with no `other`, refreshes with nothing new). Returns the first
    paints, all refreshes and those of the refreshes whose lane is on screen."""
    painted: list[float] = []
    moves = 0
    taken: dict[str, str] = {}  # lane on screen -> the unit taken out of it, to put back

    def elsewhere(screen: LanesScreen, on_screen: bool) -> None:
        nonlocal moves
        if other is None:
            return
        if on_screen:
            assert screen.board is not None
            lane = screen.board.lanes[moves % 10].lane.code  # among the first rows in view
            unit = taken.pop(lane, None)
            if unit is None:
                found = other.views.lane(lane)
                assert found is not None and found[1], lane
                unit = taken[lane] = found[1][0].unit.code
            to = lane if lane not in taken else "S-00"
        else:
            n = 37 * moves % 20_000
            unit, lane = f"U{n:06d}", f"L-{n % lanes:03d}"
            there = other.views.unit(unit)
            to = lane if there is not None and there.location != lane else "S-00"
        result = other.moves.move(unit, to, "1001")
        assert result.outcome.value == "moved", result
        moves += 1

    # A paint is the first frame written after the board was given rows (the lines that
    # changed, and the legend): what the operator's terminal would receive.
    show, display = LanesScreen.show, StagetermApp._display
    pending = False

    def timed_show(screen: LanesScreen, data) -> None:  # type: ignore[no-untyped-def]
        nonlocal pending
        show(screen, data)
        pending = len(data.lanes) >= lanes

    def timed_display(app: StagetermApp, screen, update) -> None:  # type: ignore[no-untyped-def]
        nonlocal pending
        display(app, screen, update)
        if pending and update is not None:
            pending = False
            painted.append(time.perf_counter())

    LanesScreen.show = timed_show  # type: ignore[method-assign]
    StagetermApp._display = timed_display  # type: ignore[method-assign]
    first: list[float] = []
    refresh: list[float] = []
    in_view: list[float] = []
    app = StagetermApp(site=services)

    async def painted_after(start: float) -> float:
        deadline = start + 30
        while not painted or painted[-1] < start:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"the board was not painted: {app.screen!r}")
            await asyncio.sleep(0.0005)
        return painted[-1] - start

    async with app.run_test(size=(80, 24)) as pilot:
        post_keys(app, "1001\r")
        while not isinstance(app.screen, StageScreen):
            await pilot.pause(0.01)
        await pilot.pause(0.3)  # the sign-in answer finishes settling the screens
        for _ in range(repeat):
            start = time.perf_counter()
            await app.run_action("lanes")
            first.append(await painted_after(start))
            screen = app.screen
            assert isinstance(screen, LanesScreen)
            for turn in range(4):
                await pilot.pause(0.05)
                elsewhere(screen, on_screen=bool(turn % 2))  # another terminal (not timed)
                counter = services.views.change_counter()  # the change poll's read (not timed)
                start = time.perf_counter()
                # What the change poll then tells the app: the board reloads; the app's own
                # poll, coming later with the same counter, changes nothing (as on a floor).
                app.post_message(SiteChanged(counter))
                refresh.append(await painted_after(start))
                if turn % 2:
                    in_view.append(refresh[-1])
            await app.run_action("stage")
            await pilot.pause(0.05)
    LanesScreen.show = show  # type: ignore[method-assign]
    StagetermApp._display = display  # type: ignore[method-assign]
    return first, refresh, in_view


def timed(run: Callable[[], object], times: int) -> tuple[list[float], list[float]]:
    """Wall and CPU time of each run: on a shared machine the CPU time is the steadier."""
    wall, cpu = [], []
    for _ in range(times):
        start, start_cpu = time.perf_counter(), time.thread_time()
        run()
        wall.append(time.perf_counter() - start)
        cpu.append(time.thread_time() - start_cpu)
    return wall, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lanes", type=int, default=500)
    parser.add_argument("--units", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = big_site(Path(tmp) / "big.db", args.lanes, args.units)
        services = Site(store, terminal="bench", clock=lambda: FIXED_NOW)
        found = services.views.queue("customer")
        assert len(found) == args.lanes and sum(q.units for q in found) == args.units
        queue, queue_cpu = timed(lambda: services.views.queue("customer"), QUERY_RUNS)
        with store.read() as session:
            rows, rows_cpu = timed(lambda: lane_rows(session), QUERY_RUNS)
        other = Site(store, terminal="bench-2", clock=lambda: FIXED_NOW)
        first, refresh, in_view = asyncio.run(measure(services, args.lanes, args.repeat, other))
        store.dispose()
    first_p99, refresh_p99 = (
        pct([v * 1000 for v in first], 99),
        pct([v * 1000 for v in refresh], 99),
    )
    print(f"## Terminal UI: lanes board, {args.lanes} lanes / {args.units:,} staged units\n")
    print(f"Machine: {machine()}; {load()} at the end of the run\n")
    print("| what | n | time | budget |")
    print("|---|---|---|---|")
    print(
        f"| first paint (F3 to rows on screen) | {len(first)} | {summary_ms(first)} | "
        f"{FIRST_PAINT_MS:.0f} ms ({'within' if first_p99 <= FIRST_PAINT_MS else 'OVER'}) |"
    )
    print(
        f"| refresh (a move elsewhere seen to new rows on screen) | {len(refresh)} | {summary_ms(refresh)} | "
        f"{REFRESH_MS:.0f} ms ({'within' if refresh_p99 <= REFRESH_MS else 'OVER'}) |"
    )
    print(f"| of which the moved lane on screen | {len(in_view)} | {summary_ms(in_view)} | |")
    cpu = "CPU time p50 {:.1f} ms"
    print(
        f"| the lane query alone, `Site.queue` | {len(queue)} | {summary_ms(queue)}; "
        f"{cpu.format(statistics.median(queue_cpu) * 1000)} | |"
    )
    print(
        f"| of which the SQL and its rows, `queries.lane_rows` | {len(rows)} | {summary_ms(rows)}; "
        f"{cpu.format(statistics.median(rows_cpu) * 1000)} | |"
    )
    print(
        "\nSQLite file; headless app at 80x24; the query runs in a worker thread, rows are built "
        "and drawn on the UI thread (only the rows in view are rendered). A paint is the first "
        "frame written after the board was given its rows. Moves alternate between a lane not "
        "on screen (the legend's count changes) and one of the first ten on screen (its row "
        "too)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
