"""How long an import of 100k units holds the write lock (SPEC §10: ≤ 2 s), and the phases.

    python benchmarks/import_lock.py [--units 100000] [--site-units 0] [--gtin]

Writes a units CSV like an ERP export (GTIN, lot, expiry on every unit when --gtin), imports
it into a fresh SQLite site (optionally one that already holds --site-units units) through
the intake, and times each phase: reading the file, validating the rows, planning
(reads of known codes, building events and units: no lock held), and the write
transaction from BEGIN IMMEDIATE to COMMIT. For scale on a loaded machine, the same
inserts are then timed as a bare sqlite3 transaction on a copy of the site taken just
before the import (WAL, synchronous=FULL, executemany). The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
import time
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path

from biip.checksums import gs1_standard_check_digit

from stageterm.intake import import_rows, validate
from stageterm.intake.plans import PLANNERS
from stageterm.intake.reading import read_rows
from stageterm.intake.writing import DriverInsert, render, write_plan
from stageterm.store.engine import open_store
from stageterm.store.migrate import upgrade

HEADER = "code,item,gtin,lot,serial,sscc,quantity,uom,expiry,quality,location,order\n"


def units_csv(path: Path, count: int, *, prefix: str, gtin: bool) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for n in range(count):
            body = f"0950110153{n % 500:03d}"
            key = f"{body}{gs1_standard_check_digit(body)}" if gtin else ""
            lot = f"L{n % 97:04d}" if gtin else ""
            expiry = "2027-06-30" if gtin else ""
            out.write(f"{prefix}{n:07d},FG-{n % 500},{key},{lot},,,10,EA,{expiry},,S-{n % 20},\n")


def bare_transaction(path: Path, inserts: list[object]) -> float:
    """Seconds for the same INSERTs in one bare sqlite3 transaction, BEGIN to COMMIT."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = FULL")
    db.execute("PRAGMA foreign_keys = ON")
    started = time.perf_counter()
    db.execute("BEGIN IMMEDIATE")
    for insert in inserts:
        assert isinstance(insert, DriverInsert)
        db.executemany(insert.sql, insert.rows)
    db.execute("COMMIT")
    took = time.perf_counter() - started
    db.close()
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--site-units", type=int, default=0, help="units already on the site")
    parser.add_argument("--gtin", action="store_true", help="every unit has a GTIN, lot, expiry")
    args = parser.parse_args()
    now = datetime.now().astimezone()
    clock = lambda: now - timedelta(hours=1)  # noqa: E731

    with tempfile.TemporaryDirectory() as folder:
        store = open_store(f"sqlite:///{folder}/site.db")
        upgrade(store)
        store.start_background_checkpoints()
        locations = [(i + 2, {"code": f"S-{i}", "kind": "storage"}) for i in range(20)]
        import_rows(store, "locations", "locations.csv", locations, clock=clock)
        if args.site_units:
            existing = Path(folder) / "existing.csv"
            units_csv(existing, args.site_units, prefix="E", gtin=args.gtin)
            import_rows(store, "units", existing.name, read_rows(existing, "units"), clock=clock)

        # The site as it is now (WAL included), for the bare transaction below.
        with (
            closing(sqlite3.connect(Path(folder) / "site.db")) as site,
            closing(sqlite3.connect(Path(folder) / "bare.db")) as bare,
        ):
            site.backup(bare)

        path = Path(folder) / "units.csv"
        units_csv(path, args.units, prefix="N", gtin=args.gtin)
        started = time.perf_counter()
        rows = read_rows(path, "units")
        read = time.perf_counter()
        checked = validate("units", path.name, rows)
        assert not checked.problems, checked.problems[:3]
        validated = time.perf_counter()
        with store.read() as session:
            plan = PLANNERS["units"](session, checked, clock=clock, terminal="bench", operator=None)
        assert not plan.problems, plan.problems[:3]
        planned = time.perf_counter()
        written = write_plan(store, plan)
        done = time.perf_counter()
        inserts = [render(step, store.writer.dialect) for step in plan.steps]
        store.dispose()
        bare_s = bare_transaction(Path(folder) / "bare.db", inserts)

    result = {
        "units": args.units,
        "site_units": args.site_units,
        "gtin": args.gtin,
        "read_s": round(read - started, 3),
        "validate_s": round(validated - read, 3),
        "plan_s": round(planned - validated, 3),
        "write_s": round(done - planned, 3),
        "lock_held_s": round(written.lock_held_s, 3),
        "total_s": round(done - started, 3),
        "bare_sqlite3_s": round(bare_s, 3),
        "lock_vs_bare": round(written.lock_held_s / bare_s, 2),
        "budget_lock_s": 2.0,
    }
    for key, value in result.items():
        print(f"{key:>14}: {value}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
