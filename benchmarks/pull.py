"""`stageterm pull` of 10k order lines from a loopback ERP feed (SPEC §10: ≤ 5 s), while a
terminal keeps scanning (its scans must keep their budget: p99 ≤ 5 ms).

    python benchmarks/pull.py [--lines 10000] [--per-order 5] [--page 500] [--pace 0]

The site is the demo; the feed is the test suite's loopback ERP (tests/integration/erp.py):
`--lines` order lines as new outbound orders of `--per-order` lines each, `--page` lines a
page. One `site.pull.once()` takes them all while another terminal's FloorSession moves
units between two storage places, as fast as it can (or `--pace` scans a second: as fast as
it can, the terminal itself keeps a core busy); twice, on fresh copies of the site:

- the terminal whose worker pulls (services/pull_beside.py: the terminal holds the lease
  and runs the pass as a `stageterm pull --once` child; the time includes its start);
- the terminal in a process of its own beside the pull (as beside the stageterm-pull
  service or another terminal's worker): its scans wait only for the write lock, and the CPU.

Until 2026-12-05 a terminal ran the pass in a thread of its own process: its scans then
shared the interpreter (GIL) with the pass, p99 11-21 ms.

The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sqlite3
import sys
import tempfile
import threading
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration"))

from erp import Erp

from stageterm.config.model import Settings
from stageterm.scanning import ScannerSettings
from stageterm.services.pull_beside import PullBeside
from stageterm.services.session import FloorSession
from stageterm.services.site import Site
from stageterm.services.station import Station
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


Scans = list[tuple[float, float]]  # (when it started, time.monotonic; seconds it took)


def scanning(site: Site, stop: Any, scans: Scans, pace: float = 0.0) -> float:
    """A terminal moving units S-01 <-> S-02 (storage: always allowed) until `stop`, `pace`
    unit scans a second (0: as fast as it can); returns the share of that time its thread
    waited for a CPU (Linux), to tell a busy machine."""
    floor = FloorSession(site, ScannerSettings(), just_moved_s=0.0)
    floor.begin("1001")
    units = [f"U{n:05d}" for n in range(160, 176)]
    target = 0
    waited, began = cpu_wait(), time.monotonic()
    due = began
    while not stop.is_set():
        floor.scan(("S-01", "S-02")[target])
        for code in units:
            if pace:
                due += 1 / pace
                time.sleep(max(0.0, due - time.monotonic()))
            t0 = time.monotonic()
            reply = floor.scan(code)
            scans.append((t0, time.monotonic() - t0))
            if reply.blocking is not None:
                floor.acknowledge()
        target ^= 1
    return (cpu_wait() - waited) / max(time.monotonic() - began, 1e-9)


def cpu_wait() -> float:
    """Seconds this thread has been ready to run but waiting for a CPU (0 where unknown)."""
    try:
        with open(f"/proc/self/task/{threading.get_native_id()}/schedstat") as stat:
            return int(stat.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


def cpu_pressure() -> str:
    """How much of the last 10 s some task waited for a CPU, machine-wide (Linux PSI)."""
    try:
        with open("/proc/pressure/cpu") as pressure:
            return pressure.readline().split()[1].replace("avg10=", "CPU pressure ") + " %"
    except (OSError, IndexError):
        return "CPU pressure unknown"


def terminal_process(db: str, pace: float, ready: Any, go: Any, stop: Any, out: Any) -> None:
    """Another terminal, in a process of its own: warm up, then scan from `go` to `stop`."""
    store = opened(db)
    site = Site(store)
    warm = threading.Event()
    threading.Timer(0.3, warm.set).start()
    scanning(site, warm, [])
    ready.set()
    go.wait()
    scans: Scans = []
    waited = scanning(site, stop, scans, pace)
    out.put((scans, waited))
    store.dispose()


def opened(db: Path | str) -> Store:
    """The site's file opened as the app opens it: with the background WAL checkpoints, so
    that no scan's commit copies the WAL back itself (see store/engine.py `Checkpointer`)."""
    store = open_store(f"sqlite:///{db}")
    store.start_background_checkpoints()
    return store


@dataclass
class Run:
    took: float  # seconds the pull took
    taken: dict[str, Any]  # its report
    scans: list[float]  # seconds each scan took while the pull ran
    waited: float  # share of its time the scanning terminal waited for a CPU


def pull_once(db: Path, erp: Erp) -> tuple[float, float, dict[str, Any], Store]:
    store = opened(db)
    settings = Settings(master_url=erp.url, master_token=erp.token, terminal="bench")
    site = Site(store, terminal="bench-pull", settings=settings)
    site.pull  # noqa: B018 - built (its imports loaded) before the clock starts
    t0 = time.monotonic()
    report = site.pull.once()
    return t0, time.monotonic(), report.as_json(), store


def meanwhile(scans: Scans, t0: float, t1: float) -> list[float]:
    return [took for started, took in scans if t0 <= started <= t1]


def with_the_terminals_worker(db: Path, erp: Erp, pace: float) -> Run:
    """A terminal scanning while its own pull worker runs a pass (a child process)."""
    scans: Scans = []
    stop = threading.Event()
    waited: list[float] = []
    own = opened(db)
    terminal = threading.Thread(
        target=lambda: waited.append(scanning(Site(own), stop, scans, pace))
    )
    terminal.start()
    os.environ.update(STAGETERM_MASTER_URL=erp.url, STAGETERM_MASTER_TOKEN=erp.token)
    lines: list[str] = []
    t0 = time.monotonic()
    code = PullBeside(Station(own, "bench")).once(lines.append)
    t1 = time.monotonic()
    stop.set()
    terminal.join()
    own.dispose()
    problems = [] if code == 0 else [f"the pass ended with exit {code}", *lines[-3:]]
    return Run(t1 - t0, {"kinds": {}, "problems": problems}, meanwhile(scans, t0, t1), waited[0])


def with_a_process(db: Path, erp: Erp, pace: float) -> Run:
    """The pull, and a terminal scanning in a process of its own."""
    spawn = multiprocessing.get_context("spawn")
    ready, go, stop, out = spawn.Event(), spawn.Event(), spawn.Event(), spawn.Queue()
    terminal = spawn.Process(target=terminal_process, args=(str(db), pace, ready, go, stop, out))
    terminal.start()
    ready.wait(timeout=60)
    go.set()
    t0, t1, taken, store = pull_once(db, erp)
    stop.set()
    scans, waited = out.get(timeout=60)
    terminal.join()
    store.dispose()
    return Run(t1 - t0, taken, meanwhile(scans, t0, t1), waited)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--per-order", type=int, default=5)
    parser.add_argument("--page", type=int, default=500)
    parser.add_argument(
        "--pace", type=float, default=0.0, help="unit scans a second (default: as fast as it can)"
    )
    args = parser.parse_args()
    erp = Erp(pages={"orders": order_pages(args.lines, args.per_order, args.page)}).start()
    runs: dict[str, Run] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            template = Path(tmp) / "site.db"
            store = demo_site(template)
            store.start_background_checkpoints()
            # The scans' own pace first, with nothing else running, for comparison.
            quiet: Scans = []
            stop = threading.Event()
            threading.Timer(2.0, stop.set).start()
            alone = scanning(Site(store), stop, quiet, args.pace)
            store.dispose()
            for name, run in (("terminal", with_the_terminals_worker), ("process", with_a_process)):
                db = Path(tmp) / f"{name}.db"
                with (
                    closing(sqlite3.connect(template)) as site,
                    closing(sqlite3.connect(db)) as copy,
                ):
                    site.backup(copy)
                runs[name] = run(db, erp, args.pace)
    finally:
        erp.stop()
    report(args, runs, Run(0.0, {}, [took for _, took in quiet], alone), len(erp.seen))


def report(args: argparse.Namespace, runs: dict[str, Run], quiet: Run, requests: int) -> None:
    created = runs["process"].taken["kinds"].get("orders", {}).get("created", 0)
    pace = f"{args.pace:g} scans/s" if args.pace else "as fast as it can"
    print(f"## pull: {args.lines:,} order lines in {created:,} orders, {requests} requests")
    print(f"\nThe terminal scans {pace}.\n")
    print("| what | n | time | budget | the terminal waited for a CPU |")
    print("|---|---|---|---|---|")
    for name, pulling, scanning_at in (
        ("terminal", "by the terminal's own worker (a child of it)", "at that terminal"),
        ("process", "by another process", "at a terminal in a process of its own"),
    ):
        run = runs[name]
        verdict = "within" if run.took <= 5 else "OVER"
        print(
            f"| `pull --once` of the orders, {pulling} | 1 | {run.took:.2f} s | 5 s ({verdict}) | |"
        )
        print(
            f"| a scan meanwhile, {scanning_at} | {len(run.scans)} | {summary_ms(run.scans)} "
            f"| 5 ms p99 | {run.waited:.0%} of the time |"
        )
    print(
        f"| a scan with nothing else running | {len(quiet.scans)} | {summary_ms(quiet.scans)} | | {quiet.waited:.0%} |"
    )
    print(f"\n{machine()}; {load()}; {cpu_pressure()}")

    def ms(values: list[float], p: float) -> float | None:
        return round(pct(values, p) * 1000, 3) if values else None

    thread, process = runs["terminal"], runs["process"]
    print(
        json.dumps(
            {
                "lines": args.lines,
                "orders": created,
                "pace": args.pace,
                "pull_s": round(thread.took, 3),
                "scan_p50_ms": ms(thread.scans, 50),
                "scan_p99_ms": ms(thread.scans, 99),
                "scan_max_ms": ms(thread.scans, 100),
                "scan_cpu_wait": round(thread.waited, 3),
                "other_process_pull_s": round(process.took, 3),
                "other_process_scan_p50_ms": ms(process.scans, 50),
                "other_process_scan_p99_ms": ms(process.scans, 99),
                "other_process_scan_max_ms": ms(process.scans, 100),
                "other_process_scan_cpu_wait": round(process.waited, 3),
                "quiet_scan_p99_ms": ms(quiet.scans, 99),
                "quiet_scan_cpu_wait": round(quiet.waited, 3),
                "problems": thread.taken.get("problems", []) + process.taken.get("problems", []),
            }
        )
    )


if __name__ == "__main__":
    main()
