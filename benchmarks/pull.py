"""`stageterm pull` of 10k order lines from a loopback ERP feed (SPEC §10: ≤ 5 s), while a
terminal keeps scanning (its scans must keep their budget).

    python benchmarks/pull.py [--lines 10000] [--per-order 5] [--page 500]

The site is the demo; the feed is the test suite's loopback ERP (tests/integration/erp.py):
`--lines` order lines as new outbound orders of `--per-order` lines each, `--page` lines a
page. One `site.pull.once()` takes them all; meanwhile another terminal's FloorSession
moves units between two storage places as fast as it can. The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration"))

from erp import Erp

from stageterm.config.model import Settings
from stageterm.scanning import ScannerSettings
from stageterm.services.session import FloorSession
from stageterm.services.site import Site
from tui_site import demo_site, load, machine, pct, summary_ms


def order_pages(lines: int, per_order: int, page: int) -> list[list[dict[str, object]]]:
    """New outbound orders, whole orders to a page (a page never splits an order)."""
    rows = [
        {
            "ref": f"PO-{n // per_order:05d}",
            "kind": "outbound",
            "customer": "ACME",
            "route": ("NORTH", "SOUTH", "EAST", "WEST")[(n // per_order) % 4],
            "carrier": "DHL",
            "due_at": None,
            "item": f"FG-{100 + n % per_order}",
            "quantity": 10,
        }
        for n in range(lines)
    ]
    per_page = max(per_order, page - page % per_order)
    return [rows[i : i + per_page] for i in range(0, len(rows), per_page)]


def scanning(site: Site, stop: threading.Event, timings: list[float]) -> None:
    """A terminal moving units S-01 <-> S-02 (storage: always allowed) until `stop`."""
    floor = FloorSession(site, ScannerSettings(), just_moved_s=0.0)
    floor.begin("1001")
    units = [f"U{n:05d}" for n in range(160, 176)]
    target = 0
    while not stop.is_set():
        floor.scan(("S-01", "S-02")[target])
        for code in units:
            t0 = time.perf_counter()
            reply = floor.scan(code)
            timings.append(time.perf_counter() - t0)  # seconds, as summary_ms takes them
            if reply.blocking is not None:
                floor.acknowledge()
        target ^= 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--per-order", type=int, default=5)
    parser.add_argument("--page", type=int, default=500)
    args = parser.parse_args()
    erp = Erp(pages={"orders": order_pages(args.lines, args.per_order, args.page)}).start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            store = demo_site(Path(tmp) / "site.db")
            settings = Settings(master_url=erp.url, master_token=erp.token, terminal="bench")
            site = Site(store, terminal="bench-pull", settings=settings)
            scans: list[float] = []
            quiet: list[float] = []
            stop = threading.Event()
            # The scans' own pace first, with nothing else running, for comparison.
            alone = threading.Thread(target=scanning, args=(Site(store), stop, quiet))
            alone.start()
            time.sleep(2.0)
            stop.set()
            alone.join()
            stop.clear()
            terminal = threading.Thread(target=scanning, args=(Site(store), stop, scans))
            terminal.start()
            t0 = time.perf_counter()
            report = site.pull.once()
            took = time.perf_counter() - t0
            stop.set()
            terminal.join()
            taken = report.as_json()
            store.dispose()
    finally:
        erp.stop()
    created = taken["kinds"].get("orders", {}).get("created", 0)
    print(f"## pull: {args.lines:,} order lines in {created:,} orders, {len(erp.seen)} requests\n")
    print("| what | n | time | budget |")
    print("|---|---|---|---|")
    print(
        f"| `pull --once` of the orders | 1 | {took:.2f} s | 5 s ({'within' if took <= 5 else 'OVER'}) |"
    )
    print(f"| a scan meanwhile | {len(scans)} | {summary_ms(scans)} | 5 ms p99 |")
    print(f"| a scan with nothing else running | {len(quiet)} | {summary_ms(quiet)} | |")
    print(f"\n{machine()}; {load()}")
    print(
        json.dumps(
            {
                "lines": args.lines,
                "orders": created,
                "pull_s": round(took, 3),
                "scan_p50_ms": round(pct(scans, 50) * 1000, 3) if scans else None,
                "scan_p99_ms": round(pct(scans, 99) * 1000, 3) if scans else None,
                "quiet_scan_p99_ms": round(pct(quiet, 99) * 1000, 3) if quiet else None,
                "problems": taken.get("problems"),
            }
        )
    )


if __name__ == "__main__":
    main()
