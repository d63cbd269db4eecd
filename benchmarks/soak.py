"""Soak: a floor under fire for N minutes, then every invariant of the log checked.

    python benchmarks/soak.py [--minutes 0.5] [--terminals 8] [--units 600] [--seed 1] [--json]

Eight terminal processes scan units into lanes through `FloorSession` (the Site under
it, as at a handheld); `stageterm sync` sends the log to a flaky upstream on 127.0.0.1
(500s, slow answers past the sync deadline, connections cut after the events were
captured); an import process brings in batches of new units meanwhile (the intake of
`stageterm import units`); and terminals, the sync and the importer are killed with
SIGKILL at random and started again. The clock starts once every process is at work
(starting nine Python processes on a loaded machine can take longer than a short run).
At the end the upstream turns healthy, `stageterm sync --once` sends what is left, and
the script checks:

- projection = replay: the units table is exactly the fold of the event log;
- each unit in one place: one row per unit, no two units share a code, every move's unit
  is known, and an import killed midway left all of its units or none;
- every scan a terminal was told was taken (an event id on screen) is in the log;
- every event sent upstream was captured there once or more under one eventID (its own
  id), always with the same body; no receive (local) event ever left; no eventID that is
  not ours;
- nothing pending or rejected that should not be: every event is synced, except receives
  (local).

Exit 0 when all hold, 1 otherwise (the failed checks are named). SQLite only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing as mp
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from itertools import pairwise
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "integration"))

from receiver import Received, Receiver, Reply  # the tests' real upstream

from stageterm.domain import projection
from stageterm.domain.model import EventType, SyncState
from stageterm.intake import import_rows
from stageterm.services.results import Outcome
from stageterm.services.session import FloorSession
from stageterm.services.site import Site
from stageterm.store.engine import open_store
from stageterm.store.migrate import upgrade
from stageterm.store.tables import EVENTS, UNITS, event_from, unit_from

STAGETERM = str(Path(sys.executable).parent / "stageterm")
IMPORT_BATCH = 50
SYNC_LIFE_S = 3.0
TERMINAL_LIFE_S = 4.0
SCAN_PAUSE_S = 0.1
# Short sync times, so a killed sync's lease runs out and a slow answer outlives the
# request's deadline within a short run (the lease floor is 2 x (deadline + job wait) + 1).
SYNC_ENV = {
    "STAGETERM_SYNC_BATCH": "10",
    "STAGETERM_SYNC_CONNECT_TIMEOUT": "1",
    "STAGETERM_SYNC_READ_TIMEOUT": "1",
    "STAGETERM_SYNC_DEADLINE": "1.5",
    "STAGETERM_SYNC_JOB_WAIT": "1",
    "STAGETERM_SYNC_LEASE": "6",
    "STAGETERM_SYNC_RETRY_ATTEMPTS": "3",
    "STAGETERM_SYNC_RETRY_INITIAL": "0.05",
    "STAGETERM_SYNC_RETRY_MAX": "0.3",
    "STAGETERM_SYNC_OUTAGE_MAX": "1",
    "STAGETERM_SYNC_POLL": "0.2",
}


class FlakyUpstream(Receiver):
    """The receiver, answering badly on purpose while `flaky`: a 500 before capturing, a
    slow answer (past the sync deadline: captured, but the client gave up), or a cut
    connection after capturing. It keeps one digest of each eventID's body and drops the
    bodies (a long run would hold them all)."""

    def start(self) -> FlakyUpstream:
        super().start()
        # A sync killed mid-request resets its connection: expected here, not worth a
        # traceback on stderr.
        if self._server is not None:
            self._server.handle_error = lambda request, client_address: None
        return self

    def __init__(self, seed: int) -> None:
        super().__init__()
        # Each kind of trouble at least once, first, so even a short run meets all three.
        self.opening = ["500", "slow", "drop"]
        self.rng = random.Random(seed)
        self.flaky = True
        self.bodies: dict[str, str] = {}  # eventID -> digest of the event as first received
        self.changed: list[str] = []  # eventIDs received again with another body
        self.answers: Counter[str] = Counter()
        self.deliveries: Counter[str] = Counter()  # eventID -> requests that carried it

    def _answer(self, request: Received) -> Reply:
        self._remember(request)
        roll = self.rng.random() if self.flaky else 1.0
        if self.flaky and self.opening:
            roll = {"500": 0.0, "slow": 0.2, "drop": 0.3}[self.opening.pop(0)]
        if roll < 0.15:
            with self._lock:
                self.requests.append(request)
            reply = Reply(500, {"title": "soak: upstream failing"})
        else:
            reply = super()._answer(request)
            if roll < 0.25:
                reply = replace(reply, delay=self.rng.uniform(1.6, 2.5))
            elif roll < 0.35:
                reply = replace(reply, drop=True)
        kind = "drop" if reply.drop else "slow" if reply.delay else str(reply.status)
        with self._lock:
            self.answers[kind] += 1
        request.body = b""  # what the checks need is kept above; a long run cannot keep bodies
        return reply

    def _remember(self, request: Received) -> None:
        document = request.json
        ids = [(e["eventID"], e) for e in document["epcisBody"]["eventList"]]
        with self._lock:
            for event_id, event in ids:
                digest = hashlib.sha256(json.dumps(event, sort_keys=True).encode()).hexdigest()
                self.deliveries[event_id] += 1
                first = self.bodies.setdefault(event_id, digest)
                if first != digest:
                    self.changed.append(event_id)


# -- the site --------------------------------------------------------------------------------


def build(url: str, terminals: int, units: int) -> None:
    store = open_store(url)
    upgrade(store)
    clock = Site(store).now

    def rows(items: list[dict[str, Any]]) -> list[tuple[int, dict[str, str]]]:
        return [(i, {k: str(v) for k, v in r.items()}) for i, r in enumerate(items, 1)]

    operators = [
        {"badge": f"70{i:02d}", "name": f"Soak {i}", "role": "operator"} for i in range(terminals)
    ]
    import_rows(store, "operators", "soak", rows(operators), clock=clock)
    places = [{"code": f"SL-{i:02d}", "kind": "lane"} for i in range(2 * terminals)]
    places += [{"code": "S-1", "kind": "storage"}, {"code": "S-2", "kind": "storage"}]
    import_rows(store, "locations", "soak", rows(places), clock=clock)
    stock = [
        {"code": f"K{i:05d}", "item": f"I{i % 40}", "quantity": 1 + i % 9, "location": "S-1"}
        for i in range(units)
    ]
    import_rows(store, "units", "soak", rows(stock), clock=clock)
    store.dispose()


# -- the processes ---------------------------------------------------------------------------


def terminal(
    url: str, index: int, seed: int, units: int, lanes: int, taken_path: str, pause: float
) -> None:
    """One handheld for ever (until killed): sign in, scan a place, scan units into it,
    `pause` seconds between scans (a fast operator; without it eight terminals would take
    every core and starve the sync and the imports). Every move the screen confirms is
    written to `taken_path` before the next scan."""
    store = open_store(url)
    store.start_background_checkpoints()
    session = FloorSession(Site(store, terminal=f"soak-{index}"), just_moved_s=0)
    session.sign_in(f"70{index:02d}")
    rng = random.Random(seed)
    places = [f"SL-{i:02d}" for i in range(lanes)] + ["S-1", "S-2"]
    taken = os.open(taken_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    while True:
        if rng.random() < 0.2:
            session.scan(rng.choice(places))
        reply = session.scan(f"K{rng.randrange(units):05d}")
        entry = reply.entry
        if entry is not None and entry.result.event_id and entry.result.outcome is Outcome.MOVED:
            os.write(taken, f"{entry.result.event_id}\n".encode())
        if reply.blocking is not None or session.blocking is not None:
            session.acknowledge()
        time.sleep(pause)


def start_terminal(
    ctx: Any, url: str, index: int, seed: int, units: int, lanes: int, folder: Path
) -> Any:
    process = ctx.Process(
        target=terminal,
        args=(url, index, seed, units, lanes, str(folder / f"taken-{index}.txt"), SCAN_PAUSE_S),
        daemon=True,
    )
    process.start()
    return process


def start_sync(env: dict[str, str], log: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen([STAGETERM, "sync"], env=env, stdout=log, stderr=log)


def importer(url: str, life: int, seed: int, started_path: str) -> None:
    """Imports of IMPORT_BATCH new units each, one after another (until killed), through
    the same intake as `stageterm import units`. Each batch is noted as started before it
    is written, so the check knows every batch that may have reached the database."""
    store = open_store(url)
    store.start_background_checkpoints()
    site = Site(store, terminal=f"import-{life}")
    rng = random.Random(seed)
    started = os.open(started_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    for batch in range(10_000):
        prefix = f"N{life:03d}{batch:04d}"
        os.write(started, f"{prefix}\n".encode())
        rows = [
            (
                i,
                {
                    "code": f"{prefix}{i:03d}",
                    "item": f"I{i % 40}",
                    "quantity": "2",
                    "location": "S-2",
                },
            )
            for i in range(1, IMPORT_BATCH + 1)
        ]
        import_rows(store, "units", f"soak-{prefix}.csv", rows, clock=site.now)
        time.sleep(rng.uniform(0.2, 1.0))


def start_importer(ctx: Any, url: str, life: int, seed: int, folder: Path) -> Any:
    process = ctx.Process(
        target=importer, args=(url, life, seed, str(folder / "imports.txt")), daemon=True
    )
    process.start()
    return process


# -- the run ---------------------------------------------------------------------------------


def say(text: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {text}", file=sys.stderr, flush=True)


def soak(minutes: float, terminals: int, units: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    upstream = FlakyUpstream(seed).start()
    counts: Counter[str] = Counter()
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        folder = Path(tmp)
        db = folder / "site.db"
        url = f"sqlite:///{db}"
        build(url, terminals, units)
        say(f"site built: {units} units; {terminals} terminals, sync and imports start")
        env = {
            **os.environ,
            **SYNC_ENV,
            "STAGETERM_DB": str(db),
            "STAGETERM_UPSTREAM_URL": upstream.url,
            "HOME": str(folder),
            "XDG_CONFIG_HOME": str(folder / "config"),
        }
        env.pop("STAGETERM_UPSTREAM_TOKEN", None)
        sync_log = (folder / "sync.log").open("ab")
        ctx = mp.get_context("spawn")
        lanes = 2 * terminals
        procs = {
            i: start_terminal(ctx, url, i, rng.randrange(1 << 30), units, lanes, folder)
            for i in range(terminals)
        }
        sync = start_sync(env, sync_log)
        imports = start_importer(ctx, url, 0, rng.randrange(1 << 30), folder)
        notes: dict[int | str, Path] = {i: folder / f"taken-{i}.txt" for i in procs}
        notes["import"] = folder / "imports.txt"

        def work(name: int | str) -> int:
            """How much `name` has done: the size of what it notes (the sync: requests)."""
            if name == "sync":
                return len(upstream.requests)
            note = notes[name]
            return note.stat().st_size if note.exists() else -1

        # The clock starts when every process has done some work: on a loaded machine
        # starting eight Python processes alone can take longer than a short run.
        ready_by = time.monotonic() + 300
        while time.monotonic() < ready_by and min(work(n) for n in [*notes, "sync"]) <= 0:
            time.sleep(0.5)
        say("every process at work: the soak starts")
        started = time.monotonic()
        end = started + minutes * 60
        born: dict[int | str, float] = dict.fromkeys([*procs, "sync", "import"], started)
        done_at_birth = {name: work(name) for name in born}

        def killable(name: int | str, now: float, life: float) -> bool:
            """Only what has lived a while and done work since it started is killed: one
            killed while still importing Python tests nothing."""
            return now - born[name] > life and work(name) > done_at_birth[name]

        def reborn(name: int | str, now: float) -> None:
            born[name] = now
            done_at_birth[name] = work(name)

        while time.monotonic() < end:
            time.sleep(rng.uniform(1.0, 3.0))
            now = time.monotonic()
            # The first sync is killed as soon as it may be, so a short run kills one too.
            first = not counts["syncs killed"]
            if (first or rng.random() < 0.25) and killable("sync", now, SYNC_LIFE_S):
                sync.send_signal(signal.SIGKILL)
                sync.wait()
                counts["syncs killed"] += 1
                sync = start_sync(env, sync_log)
                reborn("sync", now)
                continue
            if rng.random() < 0.15 and killable("import", now, TERMINAL_LIFE_S):
                imports.kill()
                imports.join()
                counts["imports killed"] += 1
                imports = start_importer(
                    ctx, url, counts["imports killed"], rng.randrange(1 << 30), folder
                )
                reborn("import", now)
                continue
            i = rng.randrange(terminals)
            if killable(i, now, TERMINAL_LIFE_S):
                procs[i].kill()
                procs[i].join()
                procs[i] = start_terminal(ctx, url, i, rng.randrange(1 << 30), units, lanes, folder)
                counts["terminals killed"] += 1
                reborn(i, now)
        ran = time.monotonic() - started
        say("stopping: terminals, imports and sync are killed")
        imports.kill()
        imports.join()
        for process in procs.values():
            process.kill()
            process.join()
        sync.send_signal(signal.SIGKILL)
        sync.wait()

        # The upstream heals; what is left goes in one last drain (killed syncs' leases
        # run out on the way, so it may take a few rounds).
        upstream.flaky = False
        say("upstream healthy: the last drain")
        drained_in = time.monotonic()
        for _ in range(60):
            last = subprocess.run([STAGETERM, "sync", "--once"], env=env, capture_output=True)
            if last.returncode == 0 and pending(url) == 0:
                break
            time.sleep(1)
        drained_in = time.monotonic() - drained_in
        upstream.stop()
        sync_log.close()
        say("checking the log")
        result = check(url, folder, upstream)
        result["counts"] = dict(counts)
        result["upstream answers"] = dict(upstream.answers)
        result["final drain s"] = round(drained_in, 1)
        result["moves/s"] = round(result["confirmed scans"] / ran, 1)
        result["minutes"] = minutes
    return result


def pending(url: str) -> int:
    store = open_store(url)
    with store.read() as session:
        conn = session.connection()
        count = conn.execute(
            EVENTS.select().where(EVENTS.c.sync_state == SyncState.PENDING.value)
        ).all()
    store.dispose()
    return len(count)


def check(url: str, folder: Path, upstream: FlakyUpstream) -> dict[str, Any]:
    store = open_store(url)
    with store.read() as session:
        conn = session.connection()
        events = [event_from(r) for r in conn.execute(EVENTS.select().order_by(EVENTS.c.seq))]
        stored = {u.code: u for u in (unit_from(r) for r in conn.execute(UNITS.select()))}
        unit_rows = conn.execute(UNITS.select()).all()
    store.dispose()
    ours = {f"urn:uuid:{e.id}" for e in events}
    local = {f"urn:uuid:{e.id}" for e in events if e.type is EventType.RECEIVE}
    sent = {f"urn:uuid:{e.id}" for e in events if e.type is not EventType.RECEIVE}
    captured = set(upstream.accepted)
    received = set(upstream.bodies)
    taken = {
        line.strip()
        for path in folder.glob("taken-*.txt")
        for line in path.read_text().splitlines()
        if line.strip()
    }
    logged = {e.id for e in events}
    batches = (
        (folder / "imports.txt").read_text().split() if (folder / "imports.txt").exists() else []
    )
    per_batch = Counter(code[:-3] for code in stored if code.startswith("N"))
    states = Counter(e.sync_state.value for e in events)
    checks = {
        "projection = replay": projection.replay(events) == stored,
        "one row per unit": len(unit_rows) == len(stored),
        "every event names a known unit": all(e.unit in stored for e in events),
        "event ids unique, seq strictly rising": len(logged) == len(events)
        and all(a.seq < b.seq for a, b in pairwise(events)),  # type: ignore[operator]
        "an import is all or nothing": set(per_batch) <= set(batches)
        and all(n == IMPORT_BATCH for n in per_batch.values()),
        "every confirmed scan is in the log": taken <= logged,
        "every sent event captured upstream": sent <= captured,
        "only our eventIDs upstream": received <= ours,
        "no receive event sent": not (received & local),
        "one body per eventID": not upstream.changed,
        "nothing pending or rejected": all(
            (e.sync_state is SyncState.LOCAL) == (e.type is EventType.RECEIVE)
            and e.sync_state in (SyncState.SYNCED, SyncState.LOCAL)
            for e in events
        ),
    }
    deliveries = upstream.deliveries
    return {
        "ok": all(checks.values()),
        "checks": checks,
        "events": len(events),
        "moves": sum(1 for e in events if e.type is not EventType.RECEIVE),
        "confirmed scans": len(taken),
        "units": len(stored),
        "import batches": len(batches),
        "import batches kept": len(per_batch),
        "sync states": dict(states),
        "events sent more than once": sum(1 for i in sent if deliveries[i] > 1),
        "requests": len(upstream.requests),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--minutes", type=float, default=0.5)
    parser.add_argument("--terminals", type=int, default=8)
    parser.add_argument("--units", type=int, default=600)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="the result as one JSON object")
    args = parser.parse_args()
    result = soak(args.minutes, args.terminals, args.units, args.seed)
    if args.json:
        print(json.dumps(result))
    else:
        for name, held in result["checks"].items():
            print(f"{'ok  ' if held else 'FAIL'} {name}")
        for key, value in result.items():
            if key not in ("checks", "ok"):
                print(f"{key}: {value}")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
