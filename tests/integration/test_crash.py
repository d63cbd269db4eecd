"""A terminal killed in the middle of a burst of moves loses nothing it confirmed and breaks nothing.

A separate process moves units round the lanes of a SQLite file (every third move
splits a part off into a kitting area: two events in one transaction) and prints each
answer once its transaction committed. We SIGKILL it mid-burst, then check the file.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from integration import helpers
from integration.helpers import (
    FIXED_NOW,
    all_events,
    all_units,
    assert_projection_is_replay,
    build_open_site,
    table_dump,
)
from stageterm.domain.model import EventType
from stageterm.services.results import Outcome
from stageterm.services.site import Site
from stageterm.store.engine import Store, open_store

UNITS = [f"P{i:04d}" for i in range(1, 21)]
LANES = [f"L-{i:02d}" for i in range(1, 5)]
MASTER_DATA = (
    ("locations", "code"),
    ("operators", "badge"),
    ("orders", "ref"),
    ("order_lines", "id"),
)

pytestmark = pytest.mark.slow


def run_burst_until_killed(url: str, confirmed_wanted: int) -> list[str]:
    """Start a burst, SIGKILL it after `confirmed_wanted` confirmed moves; their event ids."""
    worker = subprocess.Popen(
        [sys.executable, helpers.__file__, "burst", url, *UNITS, *LANES],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(60, worker.kill)  # a hung worker fails the test, not the suite
    watchdog.start()
    confirmed: list[str] = []
    try:
        assert worker.stdout is not None
        while len(confirmed) < confirmed_wanted:
            line = worker.stdout.readline()
            if not line:
                break
            answer = json.loads(line)
            assert answer["outcome"] == "moved", answer
            confirmed.append(answer["event_id"])
        # Killed between one confirmation and the next: mid-way through a transaction, or close.
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        watchdog.cancel()
        if worker.poll() is None:
            worker.kill()
    stderr = worker.stderr.read() if worker.stderr else ""
    assert len(confirmed) == confirmed_wanted, f"the burst stopped early: {stderr}"
    assert worker.returncode == -signal.SIGKILL
    return confirmed


def integrity(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [row[0] for row in conn.execute("PRAGMA integrity_check")] + [
            f"fk: {row}" for row in conn.execute("PRAGMA foreign_key_check")
        ]
    finally:
        conn.close()


@pytest.fixture
def burst_site(sqlite_factory) -> Store:  # type: ignore[no-untyped-def]
    return sqlite_factory.store(
        "open-burst", lambda s: build_open_site(s, FIXED_NOW, units=20, lanes=4, people=1)
    )


@pytest.mark.parametrize("rounds", [(7, 40)])
def test_sigkill_mid_burst_keeps_every_confirmed_move_and_nothing_else(
    burst_site: Store, rounds: tuple[int, ...]
) -> None:
    path = Path(burst_site.url.removeprefix("sqlite:///"))
    for wanted in rounds:
        master = [table_dump(burst_site, table, key) for table, key in MASTER_DATA]
        old_events = all_events(burst_site)
        old_units = all_units(burst_site)
        burst_site.dispose()

        confirmed = run_burst_until_killed(burst_site.url, wanted)

        assert integrity(path) == ["ok"]
        events = all_events(burst_site)
        # The log before the burst is untouched, and only grew after it.
        assert events[: len(old_events)] == old_events
        new = events[len(old_events) :]
        ids = [e.id for e in new]
        # Every move the terminal confirmed is there ...
        assert set(confirmed) <= set(ids)
        # ... and at most the one transaction in flight when it died committed unconfirmed.
        unconfirmed = [e for e in new if e.id not in confirmed and e.type is not EventType.SPLIT]
        assert len(unconfirmed) <= 1
        # A split and the stage of its part commit together or not at all.
        for i, event in enumerate(new):
            if event.type is EventType.SPLIT:
                assert i + 1 < len(new), "a split committed without the move of its part"
                follower = new[i + 1]
                assert (follower.unit, follower.to_location) == (event.payload["child"], "K-01")
        # Every committed event has its projection, and nothing else changed.
        assert_projection_is_replay(burst_site)
        assert [table_dump(burst_site, table, key) for table, key in MASTER_DATA] == master
        touched = {e.unit for e in new} | {
            str(e.payload["child"]) for e in new if e.type is EventType.SPLIT
        }
        units = all_units(burst_site)
        assert {c: u for c, u in units.items() if c not in touched} == {
            c: u for c, u in old_units.items() if c not in touched
        }
        totals: dict[str, int] = {}
        for code, unit in units.items():
            totals[code.split("-")[0]] = totals.get(code.split("-")[0], 0) + unit.quantity
        assert totals == {code: 10 for code in UNITS}, "material was created or lost"


def test_the_file_is_usable_at_once_after_a_kill(burst_site: Store) -> None:
    burst_site.dispose()
    run_burst_until_killed(burst_site.url, 5)
    store = open_store(burst_site.url)
    try:
        # No lock left behind: a new terminal moves straight away (the busy timeout is 15 s).
        services = Site(store, terminal="after-crash")
        unit = next(u for u in services.views.queue() if u.units)  # any lane with a unit
        found = services.views.lane(unit.lane.code)
        assert found is not None
        code = found[1][0].unit.code
        target = next(lane for lane in LANES if lane != unit.lane.code)
        result = services.moves.move(code, target, "5001")
        assert result.outcome is Outcome.MOVED, result
        assert_projection_is_replay(store)
    finally:
        store.dispose()
