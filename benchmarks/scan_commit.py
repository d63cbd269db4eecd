"""Scan to committed event: p50/p99 of a move (parse, rules, transaction) on a large site,
against a bare sqlite3 transaction doing the same writes, measured in the same run.

    python benchmarks/scan_commit.py [--units 100000] [--events 1000000] [--moves 2000]

Builds a synthetic site in a temporary SQLite file (migrated by Alembic, then filled with
bulk inserts), then times FloorSession.scan() of unit labels with a lane as target: each scan
parses the label, resolves the unit, judges the move and commits event + projection.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event

from stageterm.domain.model import new_event_id
from stageterm.scanning import ScannerSettings
from stageterm.services.session import FloorSession
from stageterm.services.site import Site
from stageterm.store.engine import WRITER_CHECKPOINT_FALLBACK_PAGES, Checkpointer, open_store
from stageterm.store.migrate import upgrade


def build_site(path: Path, units: int, events: int) -> None:
    store = open_store(f"sqlite:///{path}")
    upgrade(store)
    store.dispose()
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")  # set-up only; the measured part runs with FULL
    now = datetime.now(UTC)
    db.executemany(
        "INSERT INTO locations (code, kind, name, capacity) VALUES (?, ?, ?, ?)",
        [(f"S-{i:03d}", "storage", None, None) for i in range(200)]
        + [(f"BL-{i}", "lane", f"bench lane {i}", None) for i in range(2)]
        + [(f"L-{i:03d}", "lane", None, 40) for i in range(100)],
    )
    db.execute(
        "INSERT INTO operators (badge, name, role, failed_pins) VALUES ('1', 'Bench', 'operator', 0)"
    )
    db.executemany(
        "INSERT INTO units (code, item, quantity, quality, state, location, version, gtin, lot) "
        "VALUES (?, ?, 10, 'released', 'stored', ?, 1, NULL, NULL)",
        ((f"U{i:07d}", f"ITEM-{i % 5000}", f"S-{i % 200:03d}") for i in range(units)),
    )
    start = now - timedelta(days=30)
    batch = []
    for n in range(events):
        batch.append(
            (
                str(uuid.UUID(int=n + 1)),
                "receive" if n < units else "move",
                f"U{n % units:07d}",
                start + timedelta(seconds=n),
                0,
                "1",
                "bench",
                None,
                f"S-{n % 200:03d}",
                "synced" if n < events - 1000 else "pending",
                0,
            )
        )
        if len(batch) == 50_000:
            _insert_events(db, batch)
            batch = []
    _insert_events(db, batch)
    db.commit()
    db.close()


def _insert_events(db: sqlite3.Connection, rows: list[tuple[object, ...]]) -> None:
    db.executemany(
        "INSERT INTO events (id, type, unit, occurred_at, utc_offset_min, operator, terminal, "
        "from_location, to_location, sync_state, sync_attempts) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )


class StatementCount:
    """Every SQL statement SQLite runs on the store's connections (sqlite3 trace), counted
    while `on`; `last` keeps the statements of the latest scan to show what one costs."""

    def __init__(self) -> None:
        self.on = False
        self.count = 0
        self.last: list[str] = []

    def attach(self, engine: Any) -> None:
        def traced(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.set_trace_callback(self._seen)

        event.listen(engine, "connect", traced)

    def _seen(self, sql: str) -> None:
        if self.on:
            self.count += 1
            self.last.append(" ".join(sql.split())[:160])


def time_moves(
    path: Path,
    moves: int,
    units: int,
    background: bool = True,
    traced: StatementCount | None = None,
) -> list[float]:
    """`background`: checkpoints in a thread, as the app and commands open the store.
    `traced`: counts the statements the scans run."""
    store = open_store(f"sqlite:///{path}")
    if traced is not None:
        traced.attach(store.writer)
        traced.attach(store.reader)
    if background:
        store.start_background_checkpoints()
    services = Site(store, terminal="bench")
    workflow = FloorSession(services, ScannerSettings())
    assert workflow.sign_in("1").ok
    workflow.scan("BL-0")
    timings = []
    for n in range(moves):
        if n % 200 == 0:  # alternate target lanes so every scan moves the unit
            workflow.scan(f"BL-{(n // 200) % 2}")
        code = f"U{(n * 7919) % units:07d}"
        if traced is not None:
            traced.last = []
            traced.on = True
        t0 = time.perf_counter()
        reply = workflow.scan(code)
        timings.append((time.perf_counter() - t0) * 1000)
        if traced is not None:
            traced.on = False
        assert reply.entry is not None, reply
        result = reply.entry.result
        assert result.outcome.value in ("moved", "already_there"), result
    store.dispose()
    return timings


def time_bare(path: Path, moves: int, units: int, background: bool = True) -> list[float]:
    """The same writes with the sqlite3 module alone: insert the event, update the unit.
    `background`: with the same background checkpointer as stageterm, like for like."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("PRAGMA foreign_keys=ON")
    checkpointer = None
    if background:
        db.execute(f"PRAGMA wal_autocheckpoint = {WRITER_CHECKPOINT_FALLBACK_PAGES}")
        checkpointer = Checkpointer(str(path))
    timings = []
    for n in range(moves):
        code = f"U{(n * 104_729 + 13) % units:07d}"
        lane = f"BL-{n % 2}"
        t0 = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        db.execute(
            "INSERT INTO events (id, type, unit, occurred_at, utc_offset_min, operator, terminal, "
            "from_location, to_location, from_state, to_state, quantity, sync_state, sync_attempts) "
            "VALUES (?, 'move', ?, ?, 0, '1', 'bench', NULL, ?, 'stored', 'staged', 10, 'pending', 0)",
            (new_event_id(), code, datetime.now(UTC).isoformat(), lane),
        )
        db.execute(
            "UPDATE units SET location = ?, state = 'staged', version = version + 1 WHERE code = ?",
            (lane, code),
        )
        db.execute("COMMIT")
        timings.append((time.perf_counter() - t0) * 1000)
    if checkpointer is not None:
        checkpointer.close()
    db.close()
    return timings


RSS_PROBE = """
import sys
from stageterm.services.site import Site
from stageterm.store.engine import open_store
services = Site(open_store(sys.argv[1]), terminal="bench")
services.views.queue("route"); services.views.queue("customer"); services.views.health(); services.views.kitting()
services.views.unit_detail("U0000001"); services.views.find_units(code="U0000002")
import textual.app  # the terminal UI's library is loaded in the app too
for line in open("/proc/self/status"):
    if line.startswith("VmRSS"):
        print(int(line.split()[1]) // 1024)
"""


def rss_mb(path: Path) -> int:
    """Resident memory of a process holding the services over this site, after the views ran."""
    import subprocess

    out = subprocess.run(
        [sys.executable, "-c", RSS_PROBE, f"sqlite:///{path}"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.strip().splitlines()[-1])


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * len(ordered)) - 1)]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--moves", type=int, default=2_000)
    parser.add_argument("--dir", type=Path, default=None, help="where the temporary database goes")
    parser.add_argument(
        "--in-commit-checkpoints",
        action="store_true",
        help="leave WAL checkpoints to SQLite's automatic one inside a commit (for comparison)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        path = Path(tmp) / "bench.db"
        t0 = time.perf_counter()
        build_site(path, args.units, args.events)
        built = time.perf_counter() - t0
        traced = StatementCount()
        moves = time_moves(path, args.moves, args.units, not args.in_commit_checkpoints, traced)
        bare = time_bare(path, args.moves, args.units, not args.in_commit_checkpoints)
        rss = rss_mb(path)
    result = {
        "units": args.units,
        "events": args.events,
        "moves": args.moves,
        "build_s": round(built, 1),
        "move_p50_ms": round(statistics.median(moves), 3),
        "move_p99_ms": round(pct(moves, 99), 3),
        "bare_p50_ms": round(statistics.median(bare), 3),
        "bare_p99_ms": round(pct(bare, 99), 3),
    }
    result["statements_per_scan"] = round(traced.count / args.moves, 2)
    result["rss_mb"] = rss
    result["ratio_p99"] = round(result["move_p99_ms"] / result["bare_p99_ms"], 1)
    result["ratio_p50"] = round(result["move_p50_ms"] / result["bare_p50_ms"], 1)
    print(f"Machine: {machine()}")
    print(
        f"Site: {args.units:,} units, {args.events:,} events (built in {built:.0f} s); {args.moves} scans each\n"
    )
    print("| what | p50 ms | p99 ms |")
    print("|---|---|---|")
    print(
        f"| scan -> committed event (stageterm) | {result['move_p50_ms']} | {result['move_p99_ms']} |"
    )
    print(
        f"| bare sqlite3 transaction, same writes | {result['bare_p50_ms']} | {result['bare_p99_ms']} |"
    )
    print(f"| ratio | {result['ratio_p50']}x | {result['ratio_p99']}x |")
    print(
        f"| memory (RSS) of services + Textual after the lane, health and kitting views | {rss} MB | |"
    )
    print(f"\nStatements a scan: {result['statements_per_scan']}; the last scan's:")
    for sql in traced.last:
        print(f"    {sql}")
    print("\n" + json.dumps(result))
    ok = result["move_p99_ms"] <= 5 and result["ratio_p99"] <= 10 and rss <= 150
    print("budget (p99 <= 5 ms, <= 10x bare, RSS <= 150 MB):", "MET" if ok else "NOT MET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
