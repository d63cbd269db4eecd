"""The lanes board in a browser: first paint (SPEC §10, budget 2 s). `stageterm serve` on
the demo site, headless Chromium (Debian's) under Playwright; each run opens a fresh page
and times from the request until the board shows its lanes (read from the websocket frames
the page receives, as tests/e2e/board_browser.py does). Each page starts its own board
process, so this is the whole path an office browser waits for.

    python benchmarks/serve_first_paint.py [--runs 5] [--screenshot screenshots/board-browser.png]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "e2e"))
from board_browser import BoardPage, chromium, missing, served

from stageterm.demo import seed
from stageterm.store.engine import open_store
from stageterm.store.migrate import upgrade
from tui_site import machine

BUDGET_S = 2.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--screenshot", type=Path, help="save the board as the browser shows it")
    args = parser.parse_args()
    if (why := missing()) is not None:
        print(f"skipped: {why}")
        return 0
    stageterm = Path(sys.executable).parent / "stageterm"
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "demo.db"
        store = open_store(f"sqlite:///{db}")
        upgrade(store)
        seed(store)  # the demo morning, ending now: the screenshot reads as the demo does
        store.dispose()
        times = []
        with served(stageterm, str(db)) as url, chromium() as browser:
            for _ in range(args.runs):
                page = browser.new_page(viewport={"width": 1000, "height": 560})
                board = BoardPage(page)
                start = time.monotonic()
                page.goto(url)
                board.wait_for("L-02", "UNITS", timeout=60)
                times.append(time.monotonic() - start)
                if args.screenshot:
                    page.wait_for_timeout(500)
                    page.screenshot(path=str(args.screenshot))
                    args.screenshot = None
                page.close()
    print(f"machine: {machine()}")
    print(
        f"first paint over {len(times)} pages: median {statistics.median(times):.2f} s, "
        f"best {min(times):.2f} s, worst {max(times):.2f} s (budget {BUDGET_S:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
