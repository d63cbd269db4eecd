"""Shared by the terminal UI benchmarks: sites to measure on, percentiles, the machine.

`demo_site` is the demo (stageterm.demo.seed) at a fixed clock; `big_site` is a synthetic
site of many lanes and staged units, filled with bulk inserts after the Alembic migration.
"""

from __future__ import annotations

import os
import platform
import sqlite3
import statistics
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from stageterm.demo import seed
from stageterm.store.engine import Store, open_store
from stageterm.store.migrate import upgrade

FIXED_NOW = datetime(2026, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=1)))


def demo_site(path: Path) -> Store:
    store = open_store(f"sqlite:///{path}")
    upgrade(store)
    seed(store, now=FIXED_NOW)
    return store


def _db_time(value: datetime) -> str:
    """How SQLAlchemy stores a UTC datetime in SQLite."""
    return value.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


def big_site(path: Path, lanes: int = 500, units: int = 20_000) -> Store:
    """`lanes` lanes over 40 customers and 25 routes, `units` units staged in them with orders."""
    store = open_store(f"sqlite:///{path}")
    upgrade(store)
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous=OFF")  # set-up only
    customers = [f"C{i:02d}" for i in range(40)]
    routes = [f"R{i:02d}" for i in range(25)]
    db.executemany(
        "INSERT INTO locations (code, kind, name, customer, route, carrier, capacity) VALUES (?,?,?,?,?,?,?)",
        [
            (f"L-{i:03d}", "lane", None, customers[i % 40], routes[i % 25], "DHL", 60)
            for i in range(lanes)
        ]
        + [(f"S-{i:02d}", "storage", None, None, None, None, None) for i in range(20)],
    )
    db.executemany(
        "INSERT INTO orders (ref, kind, customer, route, carrier, due_at) VALUES (?,?,?,?,?,?)",
        [
            (
                f"SO-{i:04d}",
                "outbound",
                customers[i % 40],
                routes[i % 25],
                "DHL",
                _db_time(FIXED_NOW + timedelta(minutes=7 * i)),
            )
            for i in range(lanes)
        ],
    )
    db.execute(
        "INSERT INTO operators (badge, name, role, failed_pins) VALUES ('1001', 'Bench', 'operator', 0)"
    )
    db.executemany(
        "INSERT INTO units (code, item, quantity, quality, state, location, order_ref, staged_at, version) "
        "VALUES (?, ?, 10, 'released', 'staged', ?, ?, ?, 1)",
        (
            (
                f"U{n:06d}",
                f"FG-{n % 300}",
                f"L-{n % lanes:03d}",
                f"SO-{n % lanes:04d}",
                _db_time(FIXED_NOW - timedelta(seconds=37 * n % 40_000)),
            )
            for n in range(units)
        ),
    )
    db.executemany(
        "INSERT INTO units (code, item, quantity, quality, state, location, version) "
        "VALUES (?, ?, 10, 'released', 'stored', ?, 1)",
        ((f"S{n:06d}", f"FG-{n % 300}", f"S-{n % 20:02d}") for n in range(200)),
    )
    db.commit()
    db.close()
    return store


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def summary_ms(values: list[float]) -> str:
    """p50 / p99 / max in milliseconds."""
    ms = [v * 1000 for v in values]
    return f"p50 {statistics.median(ms):.1f} ms, p99 {pct(ms, 99):.1f} ms, max {max(ms):.1f} ms"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, {cpu}, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    )


def load() -> str:
    """The load average (1, 5, 15 min): on a shared machine it says how far to trust a run."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "load average unknown"
    return f"load average {one:.1f}, {five:.1f}, {fifteen:.1f}"
