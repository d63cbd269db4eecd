"""Benchmark: drain a backlog of pending events to a loopback HTTP receiver.

    python benchmarks/sync_drain.py [--events 100000] [--batch 500] [--format epcis|json]

Builds a SQLite file with a site (4 locations, 20k units) and N pending stage and move
events (bulk inserted: setup is not what is measured), starts a receiver on 127.0.0.1 in
a separate process (it reads each body, counts its events and answers 200), then times
`SyncWorker.drain_once()` from the first claim to the last event marked synced. It drains
the same backlog `--runs` times (marking it pending again in between) and judges the
median, since a shared machine's load moves single runs a lot.

This process has no other thread, as `stageterm sync` has none, so a big backlog's bodies
are made ahead in forked processes (sync/ahead.py); `--one-process` drains as the
terminal UI does, in this process alone (for comparing the two in one sitting).

Budget (SPEC §10): at least 5,000 events/s, and a 100k backlog drained in under 30 s.
Prints a markdown table with the machine it ran on.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import insert, update

from stageterm.domain.model import (
    Event,
    EventType,
    Location,
    LocationKind,
    Unit,
    UnitState,
    new_event_id,
)
from stageterm.store.engine import Store, open_store
from stageterm.store.migrate import upgrade
from stageterm.store.tables import EventRow, LocationRow, UnitRow
from stageterm.sync import SyncWorker, ahead, read_status
from stageterm.sync.epcis import Format
from stageterm.sync.facts import EVENTS
from stageterm.sync.options import SyncOptions

BUDGET_RATE = 5000.0
BUDGET_100K_S = 30.0
UNITS = 20_000


def serve(port_queue: Any, counter: Any) -> None:
    """The receiver: reads the body, counts eventIDs (or ids), answers 200. Keep-alive."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body leave in separate writes; with Nagle on, the second waits for
        # the client's delayed ACK (tens of ms per request on loopback).
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            found = body.count(b'"eventID"') or body.count(b'"id"')
            with counter.get_lock():
                counter.value += found
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port_queue.put(server.server_address[1])
    server.serve_forever()


def build_site(store: Store, events: int) -> None:
    start = datetime(2025, 3, 3, 6, 0, tzinfo=UTC)
    locations = [
        Location("LANE-1", LocationKind.LANE, customer="ACME", route="R1", carrier="DHL"),
        Location("LANE-2", LocationKind.LANE, customer="BETA", route="R2", carrier="UPS"),
        Location("KIT-1", LocationKind.KITTING, work_order="WO-1"),
        Location("STORE-1", LocationKind.STORAGE),
    ]
    with store.write() as s:
        for loc in locations:
            s.add(LocationRow(code=loc.code, kind=loc.kind.value, customer=loc.customer, route=loc.route,
                              carrier=loc.carrier, work_order=loc.work_order))  # fmt: skip
        s.execute(
            insert(UnitRow),
            [
                UnitRow.values_from(
                    Unit(f"U{i:06d}", "ITEM-1", 24, gtin="4012345000009", lot=f"L{i % 97}")
                )
                for i in range(UNITS)
            ],
        )
    targets = ["LANE-1", "LANE-2", "KIT-1"]
    rows = []
    for i in range(events):
        unit = f"U{i % UNITS:06d}"
        first = i < UNITS
        event = Event(
            id=new_event_id(),
            type=EventType.STAGE if first else EventType.MOVE,
            unit=unit,
            occurred_at=start + timedelta(milliseconds=i),
            operator="OP-1",
            terminal="bench:tty1",
            from_location="STORE-1" if first else targets[(i // UNITS - 1) % 3],
            to_location=targets[(i // UNITS) % 3],
            from_state=UnitState.STORED if first else UnitState.STAGED,
            to_state=UnitState.STAGED,
            quantity=24,
        )
        rows.append(EventRow.values_from(event))
    with store.write() as s:
        for at in range(0, len(rows), 10_000):
            s.execute(insert(EventRow), rows[at : at + 10_000])


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


@dataclass
class Run:
    sent: int
    requests: int
    seconds: float
    left: int
    batches: int = 0
    made_ahead: int = 0

    @property
    def rate(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0


def drain(store: Store, url: str, options: SyncOptions) -> Run:
    worker = SyncWorker(store, url=url, site="bench", options=options)
    try:
        t0 = time.perf_counter()
        report = worker.drain_once()
        seconds = time.perf_counter() - t0
    finally:
        worker.close()
    left = read_status(store).pending
    return Run(report.sent, report.requests, seconds, left, report.batches, report.made_ahead)


def requeue(store: Store) -> None:
    """Everything pending again, for the next run on the same file."""
    with store.write() as s:
        s.execute(
            update(EVENTS).values(
                sync_state="pending",
                synced_at=None,
                sync_attempts=0,
                lease_owner=None,
                lease_until=None,
            )
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--format", choices=[f.value for f in Format], default=Format.EPCIS.value)
    parser.add_argument(
        "--runs", type=int, default=3, help="drains of the same backlog; the median counts"
    )
    parser.add_argument(
        "--one-process", action="store_true", help="no bodies made ahead in forked processes"
    )
    args = parser.parse_args(argv)
    if args.one_process:
        ahead.MAKERS = 0

    ports: Any = multiprocessing.Queue()
    counter: Any = multiprocessing.Value("q", 0)
    receiver = multiprocessing.Process(target=serve, args=(ports, counter), daemon=True)
    receiver.start()
    url = f"http://127.0.0.1:{ports.get(timeout=10)}/capture"
    load = os.getloadavg()[0]
    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'bench.db'}")
        upgrade(store)
        t0 = time.perf_counter()
        build_site(store, args.events)
        setup_s = time.perf_counter() - t0
        options = SyncOptions(batch=args.batch, format=Format(args.format))
        for number in range(max(1, args.runs)):
            if number:
                requeue(store)
            runs.append(drain(store, url, options))
        store.dispose()
    receiver.terminate()
    median = sorted(runs, key=lambda r: r.rate)[len(runs) // 2]
    per_100k = 100_000 / median.rate if median.rate else float("inf")
    complete = all(r.left == 0 and r.sent == args.events for r in runs)
    ok = complete and median.rate >= BUDGET_RATE and per_100k < BUDGET_100K_S
    print(f"## Sync drain to a loopback receiver ({args.format}, batch {args.batch})\n")
    print("| what | measured (median of runs) | budget |")
    print("|---|---|---|")
    print(
        f"| events drained per run | {median.sent:,} in {median.requests} requests, {median.left} left pending | all |"
    )
    print(f"| time to drain | {median.seconds:.2f} s | 100k < {BUDGET_100K_S:.0f} s |")
    print(f"| throughput | {median.rate:,.0f} events/s | ≥ {BUDGET_RATE:,.0f} events/s |")
    print(f"| 100k backlog at this rate | {per_100k:.1f} s | < {BUDGET_100K_S:.0f} s |")
    print(
        f"| bodies made ahead (sync/ahead.py) | {median.made_ahead} of {median.batches} batches | |"
    )
    print(f"| verdict | {'within budget' if ok else 'OVER BUDGET'} | |\n")
    print("Runs: " + ", ".join(f"{r.rate:,.0f} events/s ({r.seconds:.1f} s)" for r in runs) + ".  ")
    print(
        f"Receiver counted {counter.value:,} events in all. Setup (bulk insert of {args.events:,} events, not timed): {setup_s:.1f} s.  "
    )
    print(f"Machine: {os.cpu_count()} CPUs (nproc), {cpu_model()}; load average {load:.2f} at start; "
          f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {platform.system()} {platform.release()}.")  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
