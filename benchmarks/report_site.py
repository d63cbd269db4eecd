"""A synthetic site with a month of staging history, for benchmarks/report.py.

100k units and 1M events over 30 days ending at `end`: each unit is received into storage,
staged into a lane (or a kitting area or a buffer), sometimes held and released, moved to
another lane (now and then undone), unstaged and staged again, and finally loaded onto a
dock or issued; units whose history runs past `end` stay where they got to. The units
table is the projection of those events. The events are written in time order, as a
site's log is (seq follows occurred_at; one unit's events lie scattered over the file).
Filled with bulk sqlite3 inserts after the Alembic migration, as the other benchmarks do.
"""

from __future__ import annotations

import random
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from stageterm.store.engine import open_store
from stageterm.store.migrate import upgrade

CUSTOMERS = [f"C{i:02d}" for i in range(40)]
ROUTES = [f"R{i:02d}" for i in range(25)]
LANES = 500
KITTING = 40
BUFFERS = 20

_EVENT_COLUMNS = (
    "id, type, unit, occurred_at, utc_offset_min, operator, terminal, from_location, "
    "to_location, from_state, to_state, quantity, sync_state, sync_attempts, "
    "order_ref, customer, route, work_order"
)


def db_time(value: datetime) -> str:
    """How SQLAlchemy stores a UTC datetime in SQLite."""
    return value.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


def build(path: Path, end: datetime, units: int = 100_000, events: int = 1_000_000) -> int:
    """Fill a new SQLite file at `path`; returns the number of events written."""
    store = open_store(f"sqlite:///{path}")
    upgrade(store)
    store.dispose()
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")  # set-up only
    db.executemany(
        "INSERT INTO locations (code, kind, customer, route, capacity, work_order, operation) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (f"L-{i:03d}", "lane", CUSTOMERS[i % 40], ROUTES[i % 25], 60, None, None)
            for i in range(LANES)
        ]
        + [(f"K-{i:02d}", "kitting", None, None, None, f"WO-{i:03d}", None) for i in range(KITTING)]
        + [(f"B-{i:02d}", "buffer", None, None, 40, None, f"OP-{i}") for i in range(BUFFERS)]
        + [(f"D-{i:02d}", "dock", None, ROUTES[i], None, None, None) for i in range(25)]
        + [(f"S-{i:03d}", "storage", None, None, None, None, None) for i in range(200)],
    )
    db.execute(
        "INSERT INTO operators (badge, name, role, failed_pins) VALUES ('1001', 'Bench', 'operator', 0)"
    )
    rng = random.Random(14)
    per_unit = events / units
    start = end - timedelta(days=30)
    unit_rows: list[tuple[object, ...]] = []
    log: list[tuple[object, ...]] = []
    for n in range(units):
        code = f"U{n:06d}"
        born = start + timedelta(seconds=rng.uniform(0, 30 * 86400 * 0.97))
        history = list(_history(rng, code, n, born, end, per_unit))
        log.extend(row for row, _ in history)
        unit_rows.append(_unit_row(code, n, history[-1][1]))
    # In time order, as a site writes its log: which query plans are cheap depends on it.
    log.sort(key=lambda row: row[3])  # type: ignore[arg-type, return-value]
    written = sum(_insert(db, log[i : i + 50_000]) for i in range(0, len(log), 50_000))
    db.executemany(
        "INSERT INTO units (code, item, quantity, quality, state, location, staged_at, version) "
        "VALUES (?, ?, 10, 'released', ?, ?, ?, 1)",
        unit_rows,
    )
    db.commit()
    db.close()
    return written


def _insert(db: sqlite3.Connection, rows: list[tuple[object, ...]]) -> int:
    db.executemany(
        f"INSERT INTO events ({_EVENT_COLUMNS}) VALUES ({', '.join('?' * 18)})",
        rows,
    )
    return len(rows)


def _unit_row(code: str, n: int, last: tuple[str, str, str | None]) -> tuple[object, ...]:
    state, location, staged_at = last
    return (code, f"FG-{n % 300}", state, location, staged_at)


# What a unit does next, by where it is: (event type, kind of target, weight).
def _history(
    rng: random.Random, code: str, n: int, born: datetime, end: datetime, per_unit: float
) -> Iterator[tuple[tuple[object, ...], tuple[str, str, str | None]]]:
    """Events of one unit in time order, each with the unit's (state, location, staged_at)
    after it. About `per_unit` events on average; stops at `end`."""
    at = born
    place = f"S-{n % 200:03d}"
    state = "stored"
    staged_at: str | None = None
    customer, route = CUSTOMERS[n % 40], ROUTES[n % 25]
    flavour = n % 10  # 0-6 outbound lanes, 7-8 kitting, 9 buffer
    budget = max(2, round(rng.gauss(per_unit, 2)))
    row = _event("receive", code, at, None, place, None, state, None, None, None)
    yield row, (state, place, staged_at)
    previous = (place, state)
    for i in range(budget - 1):
        at += timedelta(seconds=rng.expovariate(1 / 5400))
        if at >= end:
            return
        last = i == budget - 2
        if state == "stored":
            kind = "stage"
            if flavour <= 6:
                target = f"L-{(n + rng.randrange(3)) % LANES:03d}"
            elif flavour <= 8:
                target = f"K-{n % KITTING:02d}"
            else:
                target = f"B-{n % BUFFERS:02d}"
            new_state = "staged"
        elif last and flavour <= 6:
            kind, target, new_state = "load", f"D-{n % 25:02d}", "loaded"
        elif last:
            kind, target, new_state = "issue", place, "issued"
        else:
            roll = rng.random()
            if roll < 0.25:
                kind, target, new_state = "hold", place, state
            elif roll < 0.45:
                kind, target, new_state = "release", place, state
            elif roll < 0.55:
                kind, target, new_state = "undo", previous[0], previous[1]
            elif roll < 0.8 and place.startswith("L-"):
                kind, target, new_state = "move", f"L-{rng.randrange(LANES):03d}", "staged"
            else:
                kind, target, new_state = "unstage", f"S-{n % 200:03d}", "stored"
        facts = (None, None, None)
        if target.startswith("L-") and rng.random() < 0.5:
            facts = (customer, route, None)
        elif target.startswith("K-"):
            facts = (None, None, f"WO-{n % KITTING:03d}")
        # A hold or release leaves the state as it is: such events carry no to_state.
        to_state = None if kind in ("hold", "release") else new_state
        row = _event(kind, code, at, place, target, state, to_state, *facts)
        if (target, new_state) != (place, state):
            previous = (place, state)
            staged_at = db_time(at) if new_state == "staged" else None
        place, state = target, new_state
        yield row, (state, place, staged_at)
        if state in ("loaded", "issued"):
            return


def _event(
    kind: str,
    code: str,
    at: datetime,
    from_location: str | None,
    to_location: str,
    from_state: str | None,
    to_state: str | None,
    customer: str | None,
    route: str | None,
    work_order: str | None,
) -> tuple[object, ...]:
    return (
        str(uuid.uuid4()),
        kind,
        code,
        db_time(at),
        60,
        "1001",
        "bench",
        from_location,
        to_location,
        from_state,
        to_state,
        10,
        "synced",
        0,
        None,
        customer,
        route,
        work_order,
    )
