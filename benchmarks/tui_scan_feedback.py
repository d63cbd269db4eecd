"""Scan to screen feedback in the terminal UI: from the first key of a scan to the frame
that shows its answer (keys posted as a scanner sends them, the move committed to a
SQLite file by the scan desk, the frame composed and handed to the driver).

    python benchmarks/tui_scan_feedback.py [--scans 300]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "tui"))
from tui_kit import post_keys

from stageterm.domain.model import Quality, UnitState
from stageterm.services.site import Site
from stageterm.tui.app import StagetermApp
from stageterm.tui.screens.stage import StageScreen
from stageterm.tui.widgets.feedback import FeedbackPanel
from tui_site import FIXED_NOW, demo_site, machine, pct, summary_ms

BUDGET_MS = 33.0


def movable(services: Site) -> list[str]:
    codes = []
    for n in range(1, 141):
        unit = services.views.unit(f"U{n:05d}")
        if (
            unit is None
            or unit.quality is not Quality.RELEASED
            or unit.state in (UnitState.ISSUED, UnitState.LOADED)
        ):
            continue
        if unit.expiry is not None and unit.expiry < FIXED_NOW.date():
            continue
        codes.append(unit.code)
    return codes[:50]


async def measure(services: Site, scans: int) -> list[float]:
    """Seconds from posting each scan's keys to the frame that holds its answer: the
    compositor has rendered the update and hands it to the driver (`App._display`; the
    headless driver then writes nothing). The feedback panel's `render` is no proof of a
    frame: a panel measures its new height by rendering before any frame is painted."""
    painted: dict[int, float] = {}
    display = StagetermApp._display

    def timed_display(app: StagetermApp, screen, renderable):  # type: ignore[no-untyped-def]
        display(app, screen, renderable)
        if renderable is None or app._batch_count or not isinstance(screen, StageScreen):
            return
        panel = screen.query_one(FeedbackPanel)
        if panel.entry is not None:
            painted.setdefault(panel.entry.seq, time.perf_counter())

    StagetermApp._display = timed_display  # type: ignore[method-assign]
    units = movable(services)
    latencies: list[float] = []
    app = StagetermApp(site=services)
    async with app.run_test(size=(80, 24)) as pilot:
        post_keys(app, "1001\r")
        while not isinstance(app.screen, StageScreen):
            await pilot.pause(0.01)
        seq = 1  # the sign-in was answer 1
        round_ = 0
        while len(latencies) < scans:
            stream = ["S-19" if round_ % 2 else "S-20", *units]
            round_ += 1
            for raw in stream:
                seq += 1
                start = time.perf_counter()
                post_keys(app, raw + "\r")
                while seq not in painted:
                    await asyncio.sleep(0.0005)
                latencies.append(painted[seq] - start)
                if len(latencies) >= scans:
                    break
    StagetermApp._display = display  # type: ignore[method-assign]
    return latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = demo_site(Path(tmp) / "demo.db")
        services = Site(store, terminal="bench", clock=lambda: FIXED_NOW)
        latencies = asyncio.run(measure(services, args.scans))
        store.dispose()
    p99 = pct([v * 1000 for v in latencies], 99)
    verdict = "within" if p99 <= BUDGET_MS else "OVER"
    print("## Terminal UI: scan to screen feedback\n")
    print(f"Machine: {machine()}\n")
    print("| scans | latency | budget |")
    print("|---|---|---|")
    print(f"| {len(latencies)} | {summary_ms(latencies)} | p99 {BUDGET_MS:.0f} ms ({verdict}) |")
    print(
        "\nEach scan: about 6 characters and Enter posted as key events, the scan desk moves the unit "
        "(SQLite file, synchronous=FULL), the frame holding the answer is composed; headless app at 80x24."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
