"""A small, explicit site for the integration tests, and checks over a whole database.

`build_site` imports (through the real import path) a site whose every unit exists to
exercise one rule; the table in its docstring says which. `projection_and_replay` reads
the units table and a replay of the event log, which must always agree.

Run as a script it is the worker of the crash and concurrency tests (a separate
process, so it can be killed or raced):

    python helpers.py burst URL UNIT... LANE...       move units between lanes until killed
    python helpers.py race URL DIR JOBS               terminals (one process each) racing
    python helpers.py upgrade URL DIR N               N processes upgrading at once
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
import traceback
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from stageterm.domain import projection
from stageterm.domain.model import Event, Unit
from stageterm.intake import import_rows
from stageterm.store.engine import Store
from stageterm.store.tables import EventRow, UnitRow

# Monday morning, in a site one hour east of UTC: events keep the offset.
FIXED_NOW = datetime(2026, 3, 2, 9, 30, 0, tzinfo=timezone(timedelta(hours=1)))


class Clock:
    """A clock for Site that stands still until a test moves it."""

    def __init__(self, now: datetime) -> None:
        self.current = now

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current


# Who works the site (2002 and 9001 have PINs: approvals with them need the PIN).
OPERATORS = [
    ("1001", "Ana Ortiz", "operator", None),
    ("1002", "Ben Kowalski", "operator", None),
    ("2001", "Lee Chen", "lead", None),
    ("2002", "Mia Novak", "lead", "2468"),
    ("3001", "Quinn Abara", "quality", None),
    ("9001", "Ida Admin", "admin", "9999"),
]
NAMES = {badge: name for badge, name, _, _ in OPERATORS}

LOCATIONS = [
    # code, kind, customer, route, capacity, work_order
    ("S-01", "storage", None, None, None, None),
    ("S-02", "storage", None, None, None, None),
    ("Q-01", "quarantine", None, None, None, None),
    ("L-ACME-N", "lane", "ACME", "NORTH", 2, None),
    ("L-BOLT-S", "lane", "BOLT", "SOUTH", 5, None),
    ("L-NORTH", "lane", None, "NORTH", None, None),
    ("L-OPEN", "lane", None, None, None, None),
    ("D-N", "dock", None, "NORTH", None, None),
    ("D-S", "dock", None, "SOUTH", None, None),
    ("D-ANY", "dock", None, None, None, None),
    ("KIT-A", "kitting", None, None, None, "WO-1"),
    ("KIT-FREE", "kitting", None, None, None, None),
    ("LINE-1", "line", None, None, None, None),
]

ORDERS = [
    # ref, kind, customer, route, due (hours from now), item, quantity
    ("SO-1", "outbound", "ACME", "NORTH", 2, "FG-1", 200),
    ("SO-2", "outbound", "BOLT", "SOUTH", 4, "FG-5", 10),
    ("SO-3", "outbound", "ACME", "SOUTH", 6, "FG-6", 10),
    ("WO-1", "production", None, None, 8, "C-1", 50),
    ("WO-1", "production", None, None, 8, "C-2", 10),
]

# code, item, quantity, location, order, expiry (days from today), quality
UNITS = [
    ("U-01", "FG-1", 40, "S-01", "SO-1", 60, "released"),  # the plain good unit
    ("U-02", "FG-1", 40, "S-01", "SO-1", 90, "released"),  # FEFO: U-01 expires first
    ("U-03", "FG-1", 40, "S-02", "SO-1", 60, "released"),  # same expiry as U-01: no FEFO
    ("U-04", "FG-2", 10, "Q-01", "SO-1", None, "quarantine"),
    ("U-05", "FG-2", 10, "S-02", "SO-1", None, "hold"),
    ("U-06", "FG-2", 10, "S-02", "SO-1", None, "rejected"),
    ("U-07", "FG-3", 10, "S-02", "SO-1", -1, "released"),  # expired yesterday
    ("U-08", "FG-4", 10, "S-02", None, None, "released"),  # no order
    ("U-09", "FG-5", 10, "S-02", "SO-2", None, "released"),  # BOLT SOUTH
    ("U-10", "FG-6", 10, "S-02", "SO-3", None, "released"),  # ACME, but route SOUTH
    ("U-11", "FG-7", 10, "S-02", "SO-1", None, "released"),  # capacity of L-ACME-N (2)
    ("U-12", "FG-7", 10, "S-02", "SO-1", None, "released"),
    ("U-13", "FG-7", 10, "S-02", "SO-1", None, "released"),
    ("F-01", "FG-8", 10, "S-02", None, 90, "released"),  # FEFO blockers that do not count:
    ("F-02", "FG-8", 10, "S-02", None, 30, "hold"),  # not released
    ("F-03", "FG-9", 10, "S-02", None, 90, "released"),
    ("F-04", "FG-9", 10, "S-02", None, -2, "released"),  # expired
    ("F-05", "FG-10", 10, "S-02", None, 90, "released"),
    ("F-06", "FG-10", 10, "L-OPEN", None, 30, "released"),  # staged already
    ("C-01", "C-1", 30, "S-01", None, 100, "released"),  # WO-1 needs 50 of C-1
    ("C-02", "C-1", 30, "S-01", None, 100, "released"),
    ("C-03", "C-2", 8, "S-01", None, None, "released"),  # WO-1 needs 10 of C-2
    ("C-04", "C-9", 5, "S-01", None, None, "released"),  # not on WO-1
    ("C-05", "C-1", 30, "S-01", None, 200, "released"),  # FEFO into kitting: C-01 first
]
SSCC_OF_U01 = "009501101500000013"
GTIN_OF_U01 = "09501101530010"
LOT_OF_U01 = "LOT-A1"


def _cells(row: dict[str, object]) -> dict[str, str | None]:
    return {k: None if v is None else str(v) for k, v in row.items()}


def _numbered(rows: Iterable[dict[str, object]]) -> list[tuple[int, dict[str, str | None]]]:
    return [(i, _cells(row)) for i, row in enumerate(rows, start=2)]


def build_site(store: Store, now: datetime) -> None:
    """Import the site above through the same path `stageterm import` takes."""

    def clock() -> datetime:
        return now - timedelta(hours=12)  # master data arrived before the shift

    operators = [{"badge": b, "name": n, "role": r, "pin": p} for b, n, r, p in OPERATORS]
    locations = [
        {
            "code": c,
            "kind": k,
            "name": c,
            "customer": cu,
            "route": r,
            "capacity": cap,
            "work_order": wo,
        }
        for c, k, cu, r, cap, wo in LOCATIONS
    ]
    orders = [
        {
            "ref": ref,
            "kind": kind,
            "customer": cu,
            "route": r,
            "due_at": (now + timedelta(hours=h)).isoformat(),
            "item": item,
            "quantity": qty,
        }
        for ref, kind, cu, r, h, item, qty in ORDERS
    ]
    today = now.date()
    units = [
        {
            "code": code,
            "item": item,
            "quantity": qty,
            "location": loc,
            "order": order,
            "expiry": (today + timedelta(days=days)).isoformat() if days is not None else None,
            "quality": quality,
            "uom": "EA",
        }
        for code, item, qty, loc, order, days, quality in UNITS
    ]
    units[0].update(sscc=SSCC_OF_U01, gtin=GTIN_OF_U01, lot=LOT_OF_U01)
    import_rows(store, "operators", "operators.csv", _numbered(operators), clock=clock)
    import_rows(store, "locations", "locations.csv", _numbered(locations), clock=clock)
    import_rows(store, "orders", "orders.csv", _numbered(orders), clock=clock)
    import_rows(store, "units", "units.csv", _numbered(units), clock=clock)


def build_open_site(store: Store, now: datetime, units: int, lanes: int, people: int) -> None:
    """A site where every move is allowed: open lanes, units with no order or expiry.

    For the crash and concurrency tests, where only the racing should decide outcomes.
    """

    def clock() -> datetime:
        return now - timedelta(hours=1)

    import_rows(
        store,
        "operators",
        "operators.csv",
        _numbered(
            {"badge": f"50{i:02d}", "name": f"Picker {i}", "role": "operator"}
            for i in range(1, people + 1)
        ),
        clock=clock,
    )
    rows = [{"code": "S-01", "kind": "storage"}, {"code": "K-01", "kind": "kitting"}] + [
        {"code": f"L-{i:02d}", "kind": "lane"} for i in range(1, lanes + 1)
    ]
    import_rows(store, "locations", "locations.csv", _numbered(rows), clock=clock)
    import_rows(
        store,
        "units",
        "units.csv",
        _numbered(
            {"code": f"P{i:04d}", "item": f"FG-{i % 7}", "quantity": 10, "location": "S-01"}
            for i in range(1, units + 1)
        ),
        clock=clock,
    )


def alembic(store: Store, verb: str, revision: str) -> None:
    """`alembic upgrade|downgrade REVISION` on `store`, as an older or newer install would run it."""
    from alembic import command
    from alembic.config import Config

    from stageterm.store.migrate import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with store.writer.begin() as conn:
        config.attributes["connection"] = conn
        getattr(command, verb)(config, revision)


# -- whole-database checks -------------------------------------------------------------------


def all_events(store: Store) -> list[Event]:
    with store.read() as session:
        rows = session.execute(select(EventRow).order_by(EventRow.seq)).scalars()  # type: ignore[arg-type]
        return [row.to_domain() for row in rows]


def all_units(store: Store) -> dict[str, Unit]:
    with store.read() as session:
        return {row.code: row.to_domain() for row in session.execute(select(UnitRow)).scalars()}


def projection_and_replay(store: Store) -> tuple[dict[str, Unit], dict[str, Unit]]:
    """(the units table, the units a replay of the whole event log gives): always equal."""
    return all_units(store), projection.replay(all_events(store))


def event_count(store: Store) -> int:
    with store.read() as session:
        return int(session.execute(select(func.count()).select_from(EventRow)).scalar_one())


def table_dump(store: Store, table: str, order_by: str) -> list[tuple[object, ...]]:
    with store.read() as session:
        return [
            tuple(row)
            for row in session.execute(text(f"SELECT * FROM {table} ORDER BY {order_by}"))
        ]


@dataclass(frozen=True)
class Diff:
    """Where two unit maps differ, field by field (readable in an assertion message)."""

    missing: list[str]
    extra: list[str]
    changed: dict[str, dict[str, tuple[object, object]]]

    def __bool__(self) -> bool:
        return bool(self.missing or self.extra or self.changed)


def diff_units(table: dict[str, Unit], replayed: dict[str, Unit]) -> Diff:
    changed: dict[str, dict[str, tuple[object, object]]] = {}
    for code in table.keys() & replayed.keys():
        a, b = table[code], replayed[code]
        fields = {
            name: (getattr(a, name), getattr(b, name))
            for name in Unit.__dataclass_fields__
            if getattr(a, name) != getattr(b, name)
        }
        if fields:
            changed[code] = fields
    return Diff(
        sorted(replayed.keys() - table.keys()), sorted(table.keys() - replayed.keys()), changed
    )


def assert_projection_is_replay(store: Store) -> None:
    table, replayed = projection_and_replay(store)
    diff = diff_units(table, replayed)
    assert not diff, f"units table differs from a replay of the events: {diff}"


# -- worker processes ------------------------------------------------------------------------


def _services(url: str, terminal: str):  # type: ignore[no-untyped-def]
    from stageterm.services.site import Site
    from stageterm.store.engine import open_store

    return Site(open_store(url), terminal=terminal)


def burst(url: str, units: list[str], lanes: list[str]) -> None:
    """Move units round the lanes forever, every third move splitting one off into K-01.

    Prints each answer as soon as its transaction has committed.
    """
    services = _services(url, "burst")
    out = sys.stdout
    step = 0
    while True:
        unit = units[step % len(units)]
        if step % 3 == 2:
            result = services.moves.move(unit, "K-01", "5001", quantity=1)
        else:
            where = services.views.unit(unit).location  # type: ignore[union-attr]
            lane = lanes[(lanes.index(where) + 1) % len(lanes)] if where in lanes else lanes[0]
            result = services.moves.move(unit, lane, "5001")
        out.write(json.dumps({"outcome": result.outcome.value, "event_id": result.event_id}) + "\n")
        out.flush()
        step += 1


def race(
    url: str, badge: str, lane: str, sync_dir: str, units: list[str]
) -> list[dict[str, object]]:
    """Stage `units` into `lane` as a terminal would, racing other processes.

    Like `stageterm move`: read each unit (its version), then move it expecting that
    version. All reads happen first, then every process starts moving at the same
    moment (when `go` appears in `sync_dir`), so each unit is contended by everyone.
    """
    services = _services(url, f"race-{badge}")
    seen = {}
    for code in units:
        unit = services.views.unit(code)
        seen[code] = unit.version if unit else None
    here = Path(sync_dir)
    (here / f"ready-{badge}").touch()
    deadline = time.monotonic() + 90
    while not (here / "go").exists():
        if time.monotonic() > deadline:
            raise SystemExit("never told to go")
        time.sleep(0.002)
    answers: list[dict[str, object]] = []
    for code in units:
        started = time.monotonic()
        try:
            result = services.moves.move(code, lane, badge, expected_version=seen[code])
            answer: dict[str, object] = {
                "unit": code,
                "outcome": result.outcome.value,
                "code": result.code,
                "message": result.message,
                "to": result.to,
                "event_id": result.event_id,
            }
        except Exception as exc:  # the test fails on these: an operator must never see one
            answer = {
                "unit": code,
                "outcome": "exception",
                "message": f"{type(exc).__name__}: {exc}",
            }
        answer["seconds"] = time.monotonic() - started
        answers.append(answer)
    services.store.dispose()
    return answers


def race_many(url: str, sync_dir: str, jobs: list[dict[str, object]]) -> int:
    """One process per job (forked after the imports, so eight terminals start in no time).

    Each child writes its answers to `answers-BADGE.json` in `sync_dir`.
    """
    children = {}
    for job in jobs:
        badge, lane, units = str(job["badge"]), str(job["lane"]), list(job["units"])  # type: ignore[call-overload]
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                answers = race(url, badge, lane, sync_dir, units)
                (Path(sync_dir) / f"answers-{badge}.json").write_text(json.dumps(answers))
                code = 0
            except BaseException:
                traceback.print_exc()
            finally:
                sys.stderr.flush()
                os._exit(code)
        children[pid] = badge
    failed = []
    for pid, badge in children.items():
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            failed.append(badge)
    if failed:
        print(f"terminals {failed} failed", file=sys.stderr)
    return 1 if failed else 0


def upgrade_many(url: str, sync_dir: str, count: int) -> int:
    """`count` processes (forked after the imports) upgrading one database at the same moment,
    as terminals starting together would; each writes what it got to `upgrade-N.txt`."""
    from stageterm.store.engine import open_store
    from stageterm.store.migrate import upgrade

    here = Path(sync_dir)
    children = []
    for n in range(count):
        pid = os.fork()
        if pid == 0:
            try:
                store = open_store(url)
                (here / f"ready-{n}").touch()
                while not (here / "go").exists():
                    time.sleep(0.001)
                try:
                    got = f"ok {upgrade(store)}"
                except Exception as exc:
                    got = f"{type(exc).__name__}: {exc}"
                (here / f"upgrade-{n}.txt").write_text(got)
            finally:
                os._exit(0)
        children.append(pid)
    for pid in children:
        os.waitpid(pid, 0)
    return 0


def main(argv: list[str]) -> None:
    command, url, *rest = argv
    if command == "burst":
        units = [a for a in rest if a.startswith("P")]
        burst(url, units, [a for a in rest if a.startswith("L-")])
    elif command == "race":
        sync_dir, spec = rest
        import stageterm.services  # noqa: F401 - imported once, before the terminals fork

        sys.exit(race_many(url, sync_dir, json.loads(spec)))
    elif command == "upgrade":
        sync_dir, count = rest
        sys.exit(upgrade_many(url, sync_dir, int(count)))
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv[1:])


def seed_now(store: Store) -> None:
    """The demo site at the wall clock: the command line runs on it."""
    from stageterm.demo import seed

    seed(store, now=datetime.now().astimezone())


class Terminal:
    """A FloorSession as an operator at a terminal uses it: each scan's answer, and a bare
    Enter after every refusal (so the next scan is taken, as a careful operator does)."""

    def __init__(self, site: Any, **kw: Any) -> None:
        from stageterm.services.session import FloorSession

        self.floor = FloorSession(site, **kw)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.floor, name)

    def scan(self, raw: str) -> Any:
        from stageterm.services.results import Outcome, Result

        reply = self.floor.scan(raw)
        if reply.ask_pin is not None:
            return Result(Outcome.INFO, f"PIN asked of {reply.ask_pin.name}", code="pin-asked")
        assert reply.entry is not None, reply
        if reply.blocking is not None:
            self.floor.acknowledge(reply.blocking)
        return reply.entry.result

    def set_quantity(self, quantity: int | None) -> Any:
        reply = self.floor.set_quantity(quantity)
        assert reply.entry is not None
        return reply.entry.result


def held_write_lock(db: str | Path) -> bool:
    """True while another connection holds the SQLite write lock (tried without waiting)."""
    with closing(sqlite3.connect(db, isolation_level=None, timeout=0)) as probe:
        try:
            probe.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            assert "locked" in str(exc) or "busy" in str(exc), exc
            return True
        probe.execute("ROLLBACK")
        return False


def start_cli(
    run_cli, db: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:  # type: ignore[no-untyped-def]
    """The installed `stageterm ARGS` started in the background as `run_cli` runs it (its
    home, its environment, `db`), its output captured."""
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "stageterm"), *args],
        cwd=run_cli.home,
        env=run_cli.env(db, env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
