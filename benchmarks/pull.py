"""`stageterm pull` of 10k order lines from a loopback ERP feed (SPEC §10: ≤ 5 s), while a
terminal keeps scanning (its scans must keep their budget: p99 ≤ 5 ms).

    python benchmarks/pull.py [--lines 10000] [--per-order 5] [--page 500]

The site is the demo; the feed is the test suite's loopback ERP (tests/integration/erp.py):
`--lines` order lines as new outbound orders of `--per-order` lines each, `--page` lines a
page. One `site.pull.once()` takes them all while another terminal's FloorSession moves
units between two storage places as fast as it can; twice, on fresh copies of the site:

- the terminal in the pulling process (a thread, as in a terminal whose process runs the
  pull worker): its scans wait for the write lock and share the interpreter (the GIL);
- the terminal in a process of its own (as beside `stageterm pull` or another terminal's
  worker): its scans wait only for the write lock, and the CPU.

The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sqlite3
import sys
import tempfile
import threading
import time
from contextlib import closing
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration"))

from erp import Erp

from stageterm.config.model import Settings
from stageterm.scanning import ScannerSettings
from stageterm.services.session import FloorSession
from stageterm.services.site import Site
from stageterm.store.engine import Store, open_store
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


def terminal_process(db: str, ready: Any, go: Any, stop: Any, out: Any) -> None:
    """Another terminal, in a process of its own: warm up, then scan from `go` to `stop`."""
    store = open_store(f"sqlite:///{db}")
    site = Site(store)
    warm = threading.Event()
    threading.Timer(0.3, warm.set).start()
    scanning(site, warm, [])
    ready.set()
    go.wait()
    timings: list[float] = []
    scanning(site, stop, timings)
    out.put(timings)
    store.dispose()


def pull_once(db: Path, erp: Erp) -> tuple[float, dict[str, Any], Store]:
    store = open_store(f"sqlite:///{db}")
    settings = Settings(master_url=erp.url, master_token=erp.token, terminal="bench")
    site = Site(store, terminal="bench-pull", settings=settings)
    site.pull  # noqa: B018 - built (its imports loaded) before the clock starts
    t0 = time.perf_counter()
    report = site.pull.once()
    return time.perf_counter() - t0, report.as_json(), store


def with_a_thread(db: Path, erp: Erp) -> tuple[float, dict[str, Any], list[float]]:
    """The pull, and a terminal scanning in a thread of the same process."""
    scans: list[float] = []
    stop = threading.Event()
    terminal = threading.Thread(
        target=scanning, args=(Site(open_store(f"sqlite:///{db}")), stop, scans)
    )
    terminal.start()
    took, taken, store = pull_once(db, erp)
    stop.set()
    terminal.join()
    store.dispose()
    return took, taken, scans


def with_a_process(db: Path, erp: Erp) -> tuple[float, dict[str, Any], list[float]]:
    """The pull, and a terminal scanning in a process of its own."""
    spawn = multiprocessing.get_context("spawn")
    ready, go, stop, out = spawn.Event(), spawn.Event(), spawn.Event(), spawn.Queue()
    terminal = spawn.Process(target=terminal_process, args=(str(db), ready, go, stop, out))
    terminal.start()
    ready.wait(timeout=60)
    go.set()
    took, taken, store = pull_once(db, erp)
    stop.set()
    scans: list[float] = out.get(timeout=60)
    terminal.join()
    store.dispose()
    return took, taken, scans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--per-order", type=int, default=5)
    parser.add_argument("--page", type=int, default=500)
    args = parser.parse_args()
    erp = Erp(pages={"orders": order_pages(args.lines, args.per_order, args.page)}).start()
    runs: dict[str, tuple[float, dict[str, Any], list[float]]] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            template = Path(tmp) / "site.db"
            store = demo_site(template)
            # The scans' own pace first, with nothing else running, for comparison.
            quiet: list[float] = []
            stop = threading.Event()
            alone = threading.Thread(target=scanning, args=(Site(store), stop, quiet))
            alone.start()
            time.sleep(2.0)
            stop.set()
            alone.join()
            store.dispose()
            for name, run in (("thread", with_a_thread), ("process", with_a_process)):
                db = Path(tmp) / f"{name}.db"
                with (
                    closing(sqlite3.connect(template)) as site,
                    closing(sqlite3.connect(db)) as copy,
                ):
                    site.backup(copy)
                runs[name] = run(db, erp)
    finally:
        erp.stop()
    report(args, runs, quiet, len(erp.seen))


def report(
    args: argparse.Namespace,
    runs: dict[str, tuple[float, dict[str, Any], list[float]]],
    quiet: list[float],
    requests: int,
) -> None:
    took, taken, scans = runs["thread"]
    created = taken["kinds"].get("orders", {}).get("created", 0)
    print(f"## pull: {args.lines:,} order lines in {created:,} orders, {requests} requests\n")
    print("| what | n | time | budget |")
    print("|---|---|---|---|")
    for name, where in (
        ("thread", "in the pulling process"),
        ("process", "in a process of its own"),
    ):
        took, _taken, scans = runs[name]
        verdict = "within" if took <= 5 else "OVER"
        print(
            f"| `pull --once` of the orders, a terminal {where} | 1 | {took:.2f} s | 5 s ({verdict}) |"
        )
        print(f"| a scan meanwhile, {where} | {len(scans)} | {summary_ms(scans)} | 5 ms p99 |")
    print(f"| a scan with nothing else running | {len(quiet)} | {summary_ms(quiet)} | |")
    print(f"\n{machine()}; {load()}")

    def ms(values: list[float], p: float) -> float | None:
        return round(pct(values, p) * 1000, 3) if values else None

    took, taken, scans = runs["thread"]
    other_took, other_taken, other_scans = runs["process"]
    print(
        json.dumps(
            {
                "lines": args.lines,
                "orders": created,
                "pull_s": round(took, 3),
                "scan_p50_ms": ms(scans, 50),
                "scan_p99_ms": ms(scans, 99),
                "other_process_pull_s": round(other_took, 3),
                "other_process_scan_p50_ms": ms(other_scans, 50),
                "other_process_scan_p99_ms": ms(other_scans, 99),
                "quiet_scan_p99_ms": ms(quiet, 99),
                "problems": taken.get("problems", []) + other_taken.get("problems", []),
            }
        )
    )


if __name__ == "__main__":
    main()
