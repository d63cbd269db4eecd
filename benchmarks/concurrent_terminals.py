"""Eight terminals at once: moves/s and latency on one SQLite WAL file and on PostgreSQL.

    python benchmarks/concurrent_terminals.py [--terminals 8] [--seconds 10] [--units 2000]

Each terminal is its own process doing what a handheld does: look the unit up (a read),
then move it to its own lane with the version it saw (optimistic concurrency). Units
overlap between terminals, so some moves lose to another terminal and must be told so.
At the end the projection must equal a replay of the event log, and no terminal may have
seen an error (no "database is locked"). PostgreSQL runs with fsync and synchronous_commit
on, like SQLite's synchronous=FULL, so the two are compared fairly.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from stageterm.domain import projection
from stageterm.intake import import_rows
from stageterm.services.site import Site
from stageterm.store import queries
from stageterm.store.engine import open_store
from stageterm.store.migrate import upgrade
from stageterm.store.tables import EVENTS, UNITS, event_from, unit_from

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "integration"))


def build(url: str, terminals: int, units: int) -> None:
    store = open_store(url)
    upgrade(store)
    clock = Site(store).now
    rows = lambda items: [(i, {k: str(v) for k, v in r.items()}) for i, r in enumerate(items, 1)]  # noqa: E731
    import_rows(
        store,
        "operators",
        "ops",
        rows(
            [
                {"badge": f"T{i}", "name": f"Terminal {i}", "role": "operator"}
                for i in range(terminals)
            ]
        ),
        clock=clock,
    )
    lanes = [{"code": f"BL-{i}", "kind": "lane"} for i in range(terminals)]
    import_rows(
        store, "locations", "locs", rows([*lanes, {"code": "S-1", "kind": "storage"}]), clock=clock
    )
    import_rows(
        store,
        "units",
        "units",
        rows(
            [
                {"code": f"C{i:05d}", "item": f"I{i % 50}", "quantity": 1, "location": "S-1"}
                for i in range(units)
            ]
        ),
        clock=clock,
    )
    store.dispose()


def terminal(url: str, index: int, seconds: float, units: int, out: mp.Queue) -> None:  # type: ignore[type-arg]
    store = open_store(url)
    store.start_background_checkpoints()  # as the app opens it (SQLite; nothing on PostgreSQL)
    services = Site(store, terminal=f"bench-{index}")
    rng = random.Random(index)
    latencies: list[float] = []
    outcomes: dict[str, int] = {}
    errors: list[str] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        code = f"C{rng.randrange(units):05d}"
        t0 = time.perf_counter()
        try:
            seen = services.views.unit(code)
            result = services.moves.move(
                code, f"BL-{index}", f"T{index}", expected_version=seen.version if seen else None
            )
        except Exception as exc:  # counted and reported: the point is that there are none
            errors.append(f"{type(exc).__name__}: {exc}"[:200])
            continue
        latencies.append((time.perf_counter() - t0) * 1000)
        key = result.code or result.outcome.value
        outcomes[key] = outcomes.get(key, 0) + 1
    store.dispose()
    out.put((latencies, outcomes, errors))


def run(url: str, terminals: int, seconds: float, units: int) -> dict[str, object]:
    build(url, terminals, units)
    ctx = mp.get_context("spawn")
    out: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    procs = [
        ctx.Process(target=terminal, args=(url, i, seconds, units, out)) for i in range(terminals)
    ]
    for p in procs:
        p.start()
    results = [out.get(timeout=seconds + 120) for _ in procs]
    for p in procs:
        p.join()
    latencies = [x for r in results for x in r[0]]
    outcomes: dict[str, int] = {}
    for r in results:
        for k, v in r[1].items():
            outcomes[k] = outcomes.get(k, 0) + v
    errors = [e for r in results for e in r[2]]
    store = open_store(url)
    with store.read() as session:
        conn = session.connection()
        events = [event_from(r) for r in conn.execute(EVENTS.select().order_by(EVENTS.c.seq))]
        stored = {u.code: u for u in (unit_from(r) for r in conn.execute(UNITS.select()))}
        moved_meanwhile = queries.change_counter(session)
    store.dispose()
    replayed = projection.replay(events)
    ordered = sorted(latencies)
    return {
        "moves": outcomes.get("moved", 0),
        "moves_per_s": round(outcomes.get("moved", 0) / seconds),
        "p50_ms": round(statistics.median(ordered), 2),
        "p99_ms": round(ordered[int(0.99 * (len(ordered) - 1))], 2),
        "lost_to_another_terminal": outcomes.get("moved-meanwhile", 0),
        "outcomes": outcomes,
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
        "projection_equals_replay": replayed == stored,
        "events": moved_meanwhile,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terminals", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--units", type=int, default=2000)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows.append(
            (
                "SQLite WAL",
                run(f"sqlite:///{Path(tmp) / 'site.db'}", args.terminals, args.seconds, args.units),
            )
        )
    try:
        from pg import NoPostgres, PostgresServer  # the tests' throwaway server

        server = PostgresServer.start()
    except (ImportError, NoPostgres, RuntimeError) as exc:
        print(f"PostgreSQL skipped: {exc}")
    else:
        try:
            with server.connect() as conn:
                for setting in ("fsync", "synchronous_commit", "full_page_writes"):
                    conn.execute(text(f"ALTER SYSTEM SET {setting} = on").text)
                conn.execute("SELECT pg_reload_conf()")
            rows.append(
                (
                    "PostgreSQL",
                    run(server.url(server.database()), args.terminals, args.seconds, args.units),
                )
            )
        finally:
            server.stop()
    print(
        f"{args.terminals} terminals, {args.seconds:.0f} s, {args.units} units shared between them\n"
    )
    print(
        "| database | moves/s | p50 ms | p99 ms | lost to another terminal | errors | projection = replay |"
    )
    print("|---|---:|---:|---:|---:|---:|---|")
    ok = True
    for name, r in rows:
        print(
            f"| {name} | {r['moves_per_s']} | {r['p50_ms']} | {r['p99_ms']} | {r['lost_to_another_terminal']} | {r['errors']} | {r['projection_equals_replay']} |"
        )
        ok = ok and r["errors"] == 0 and bool(r["projection_equals_replay"])
        if r["first_error"]:
            print(f"  first error: {r['first_error']}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
