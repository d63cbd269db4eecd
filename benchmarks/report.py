"""`stageterm report` over 1M events and 30 days (SPEC §10: ≤ 2 s), two ways.

    python benchmarks/report.py [--db FILE] [--units 100000] [--events 1000000] [--runs 2]

A: from the event log, as the report does it: one ordered SELECT of the needed columns
   over the window, streamed, stays traced in Python (services/report.py); also the whole
   `stageterm report --json` process.
B: from a table of stays kept on every write (what a migration 0005 would add): the same
   figures from one SELECT of the stays that overlap the window. The table is filled here
   from the events, as the writes would have kept it, and the extra cost per move of
   keeping it (one UPDATE + one INSERT beside the event) is timed with bare sqlite3.

Wall and CPU time are both printed: on a shared machine the wall time of a run is mostly
what the other processes leave of the CPU. `--db FILE` keeps the synthetic site (it takes
a minute or two to build) and reuses it when it is there.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import report_site
from stageterm.domain.metrics import GroupBy, Stay, group_figures, hour_ends
from stageterm.services.report import StagingReport
from stageterm.store import stays as stay_reads
from stageterm.store.engine import open_store
from stageterm.store.migrate import upgrade
from tui_site import load, machine

END = datetime(2026, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=1)))


def timed(runs: int, work: Callable[[], object]) -> list[tuple[float, float]]:
    """(wall, cpu) seconds of each run."""
    times = []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        work()
        times.append((time.perf_counter() - wall, time.process_time() - cpu))
    return times


def show(name: str, times: list[tuple[float, float]]) -> dict[str, Any]:
    walls = ", ".join(f"{w:.2f}" for w, _ in times)
    cpus = ", ".join(f"{c:.2f}" for _, c in times)
    print(f"{name}: wall {walls} s; cpu {cpus} s", flush=True)
    return {"wall_s": [round(w, 3) for w, _ in times], "cpu_s": [round(c, 3) for _, c in times]}


def stay_table(path: Path) -> int:
    """B's table, filled from the events as the writes would have kept it."""
    db = sqlite3.connect(path)
    db.execute("DROP TABLE IF EXISTS bench_stays")
    db.execute(
        "CREATE TABLE bench_stays (id INTEGER PRIMARY KEY, unit VARCHAR(64) NOT NULL, "
        "place VARCHAR(64) NOT NULL, started_at DATETIME NOT NULL, ended_at DATETIME, "
        "customer VARCHAR(64), route VARCHAR(64), work_order VARCHAR(64))"
    )
    before = "CASE WHEN from_state = 'staged' THEN from_location END"
    after = "CASE WHEN coalesce(to_state, from_state) = 'staged' THEN to_location END"
    rows = db.execute(
        f"SELECT unit, occurred_at, {before}, {after}, customer, route, work_order FROM events "
        f"WHERE ({before}) IS NOT ({after}) ORDER BY seq"
    )
    where: dict[str, tuple[Any, ...]] = {}
    stays: list[tuple[Any, ...]] = []
    for unit, at, _, place, *facts in rows:
        current = where.pop(unit, None)
        if current is not None:
            stays.append((unit, current[0], current[1], at, *current[2:]))
        if place is not None:
            where[unit] = (place, at, *facts)
    stays += [(unit, p, at, None, *facts) for unit, (p, at, *facts) in where.items()]
    db.executemany(
        "INSERT INTO bench_stays (unit, place, started_at, ended_at, customer, route, "
        "work_order) VALUES (?, ?, ?, ?, ?, ?, ?)",
        stays,
    )
    db.execute("CREATE INDEX ix_bench_stays_open ON bench_stays (unit, ended_at)")
    db.execute("CREATE INDEX ix_bench_stays_started ON bench_stays (started_at)")
    db.commit()
    db.close()
    return len(stays)


def report_from_stay_table(path: Path, since: datetime, until: datetime) -> int:
    store = open_store(f"sqlite:///{path}")
    try:
        with store.read() as session:
            places = stay_reads.staging_places(session)
            rows = session.connection().exec_driver_sql(
                "SELECT unit, place, CAST(STRFTIME('%s', started_at) AS INTEGER), "
                "CAST(STRFTIME('%s', ended_at) AS INTEGER), NULL FROM bench_stays "
                "WHERE started_at < ? AND (ended_at IS NULL OR ended_at >= ?)",
                (report_site.db_time(until), report_site.db_time(since)),
            )
            stays = [Stay(*row) for row in rows]
        start, end = int(since.timestamp()), int(until.timestamp())
        groups = group_figures(
            stays,
            since=start,
            until=end,
            by=GroupBy.LANE,
            places=places,
            hours=hour_ends(start, end, 3600),
        )
        return len(groups)
    finally:
        store.dispose()


def keeping_cost(folder: Path, moves: int = 2000) -> dict[str, float]:
    """Per move, ms: an event insert alone vs. with the stay table's UPDATE + INSERT, each
    in its own transaction with synchronous=FULL, as the app commits. On a fresh migrated
    file with 100k open stays (the site's file is left as it is)."""
    path = folder / "keeping.db"
    store = open_store(f"sqlite:///{path}")
    upgrade(store)
    store.dispose()
    stay_table(path)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    now = report_site.db_time(datetime.now(UTC))
    db.executemany(
        "INSERT INTO bench_stays (unit, place, started_at) VALUES (?, 'L-001', ?)",
        ((f"U{n:06d}", now) for n in range(100_000)),
    )
    db.execute("PRAGMA synchronous=FULL")
    units = [f"U{n:06d}" for n in range(moves)]
    result = {}
    for name, with_stays in (("event_only_ms", False), ("event_and_stay_ms", True)):
        started = time.perf_counter()
        for i, unit in enumerate(units):
            db.execute("BEGIN IMMEDIATE")
            db.execute(
                "INSERT INTO events (id, type, unit, occurred_at, utc_offset_min, from_location, "
                "to_location, from_state, to_state, sync_state, sync_attempts) "
                "VALUES (?, 'move', ?, ?, 0, 'L-001', 'L-002', 'staged', 'staged', 'pending', 0)",
                (f"bench-{name}-{i}", unit, now),
            )
            if with_stays:
                db.execute(
                    "UPDATE bench_stays SET ended_at = ? WHERE unit = ? AND ended_at IS NULL",
                    (now, unit),
                )
                db.execute(
                    "INSERT INTO bench_stays (unit, place, started_at) VALUES (?, 'L-002', ?)",
                    (unit, now),
                )
            db.execute("COMMIT")
        result[name] = round((time.perf_counter() - started) / moves * 1000, 3)
    db.close()
    return result


def whole_process(path: Path, since: datetime, until: datetime) -> float:
    exe = Path(sys.executable).parent / "stageterm"
    window = ("--since", since.isoformat(), "--until", until.isoformat())
    started = time.perf_counter()
    subprocess.run(
        [str(exe), "report", "--db", str(path), "--json", *window],
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "STAGETERM_TERMINAL": "bench"},
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="keep (and reuse) the synthetic site here")
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    folder = tempfile.TemporaryDirectory() if args.db is None else None
    path = args.db or Path(folder.name) / "report.db"  # type: ignore[union-attr]
    print(machine(), "|", load(), flush=True)
    if not path.exists():
        started = time.perf_counter()
        written = report_site.build(path, END, args.units, args.events)
        print(f"site: {written} events, built in {time.perf_counter() - started:.0f} s")
    since, until = END - timedelta(days=30), END
    store = open_store(f"sqlite:///{path}")
    report = StagingReport(store, clock=lambda: until)
    figures: dict[str, Any] = {"machine": machine()}
    built = report.build(since, until, GroupBy.LANE)
    print(f"A: {sum(g.stays for g in built.groups)} stays in {len(built.groups)} groups")
    figures["A_events_by_lane"] = show(
        "A from events, by lane", timed(args.runs, lambda: report.build(since, until, "lane"))
    )
    figures["A_events_by_route"] = show(
        "A from events, by route", timed(args.runs, lambda: report.build(since, until, "route"))
    )
    store.dispose()
    figures["A_whole_process_s"] = [
        round(whole_process(path, since, until), 3) for _ in range(args.runs)
    ]
    print(f"A whole `stageterm report --json`: {figures['A_whole_process_s']} s", flush=True)
    print(f"B: {stay_table(path)} stays in the table")
    figures["B_stay_table_by_lane"] = show(
        "B from a stay table, by lane",
        timed(args.runs, lambda: report_from_stay_table(path, since, until)),
    )
    with tempfile.TemporaryDirectory() as scratch:
        figures["B_keeping_cost"] = keeping_cost(Path(scratch))
    print(f"B cost per move of keeping the table: {figures['B_keeping_cost']}")
    figures["load_after"] = load()
    print(json.dumps(figures))
    if folder is not None:
        folder.cleanup()


if __name__ == "__main__":
    main()
