"""Eight terminals staging the same units into different lanes at the same moment.

Each terminal is its own process and does what `stageterm move` does: read the unit
(its version), then move it expecting that version. All eight read every unit first and
then start moving together, so every unit is contended by all of them. On one SQLite
file in WAL mode and on PostgreSQL:

- exactly one terminal wins each unit, and the unit ends in the winner's lane;
- each loser is told, in a sentence, who moved the unit, where, and when;
- the projection equals a replay of the log; nothing deadlocks; nobody ever sees
  "database is locked" or any other error.
"""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest

from integration import helpers
from integration.helpers import (
    FIXED_NOW,
    alembic,
    all_events,
    all_units,
    assert_projection_is_replay,
    build_open_site,
)
from stageterm.domain.model import EventType, UnitState
from stageterm.store.engine import open_store
from stageterm.store.migrate import current_revision, head_revision

TERMINALS = 8
UNITS = [f"P{i:04d}" for i in range(1, 41)]
LOSER = re.compile(
    r"^Unit (?P<unit>P\d{4}) was just moved to (?P<lane>L-\d\d) by (?P<name>Picker \d) "
    r"at \d\d:\d\d:\d\d; scan it again\.$"
)

pytestmark = pytest.mark.slow


def race(url: str, sync_dir: Path) -> dict[str, list[dict[str, object]]]:
    """Eight racing terminals, one process each; what each was answered, by badge."""
    rng = random.Random(6)
    jobs = []
    for n in range(1, TERMINALS + 1):
        units = UNITS[:]
        rng.shuffle(units)  # each terminal works the units in its own order
        jobs.append({"badge": f"50{n:02d}", "lane": f"L-{n:02d}", "units": units})
    launcher = subprocess.Popen(
        [sys.executable, helpers.__file__, "race", url, str(sync_dir), json.dumps(jobs)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while len(list(sync_dir.glob("ready-*"))) < TERMINALS:
            if launcher.poll() is not None or time.monotonic() > deadline:
                launcher.kill()
                pytest.fail(f"the terminals did not start: {launcher.communicate()[1]}")
            time.sleep(0.005)
        (sync_dir / "go").touch()
        _, err = launcher.communicate(timeout=120)  # a deadlock would end here
    except subprocess.TimeoutExpired:
        launcher.kill()
        pytest.fail("the terminals did not finish: deadlock or an endless wait")
    assert launcher.returncode == 0, err
    assert "locked" not in err.lower() and "Traceback" not in err, err
    return {
        str(job["badge"]): json.loads((sync_dir / f"answers-{job['badge']}.json").read_text())
        for job in jobs
    }


def test_eight_terminals_race_for_the_same_units(backend, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url = backend.url(
        "open-race",
        lambda s: build_open_site(
            s, FIXED_NOW, units=len(UNITS), lanes=TERMINALS, people=TERMINALS
        ),
    )
    sync_dir = tmp_path / "sync"
    sync_dir.mkdir()

    answers = race(url, sync_dir)

    store = backend.track(open_store(url))
    by_unit: dict[str, dict[str, dict[str, object]]] = defaultdict(dict)
    for badge, said in answers.items():
        assert sorted(a["unit"] for a in said) == UNITS
        for answer in said:
            text = json.dumps(answer).lower()
            assert "locked" not in text and answer["outcome"] != "exception", answer
            by_unit[str(answer["unit"])][badge] = answer

    units = all_units(store)
    events = all_events(store)
    for code in UNITS:
        said = by_unit[code]
        winners = [badge for badge, a in said.items() if a["outcome"] == "moved"]
        assert len(winners) == 1, f"{code}: won by {winners}"
        winner = winners[0]
        lane = f"L-{int(winner[2:]):02d}"
        # The unit is in exactly one place: the winner's lane.
        assert (units[code].location, units[code].state) == (lane, UnitState.STAGED)
        assert [e.type for e in events if e.unit == code] == [EventType.RECEIVE, EventType.STAGE]
        for badge, answer in said.items():
            if badge == winner:
                continue
            assert (answer["outcome"], answer["code"]) == ("refused", "moved-meanwhile"), answer
            told = LOSER.match(str(answer["message"]))
            assert told, answer["message"]
            assert (told["unit"], told["lane"], told["name"]) == (
                code,
                lane,
                f"Picker {int(winner[2:])}",
            )
    # Everyone got an answer quickly: waiting for a turn, never for a timeout.
    slowest = max(float(a["seconds"]) for said in answers.values() for a in said)  # type: ignore[arg-type]
    assert slowest < 10, f"a move waited {slowest:.1f} s"
    assert_projection_is_replay(store)


def start_together(args: list[str], sync_dir: Path, count: int) -> str:
    """Run a helpers.py command whose `count` processes wait for `go`; its stderr."""
    launcher = subprocess.Popen(
        [sys.executable, helpers.__file__, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while len(list(sync_dir.glob("ready-*"))) < count:
        if launcher.poll() is not None or time.monotonic() > deadline:
            launcher.kill()
            pytest.fail(f"the processes did not start: {launcher.communicate()[1]}")
        time.sleep(0.005)
    (sync_dir / "go").touch()
    try:
        return launcher.communicate(timeout=120)[1]
    except subprocess.TimeoutExpired:
        launcher.kill()
        pytest.fail("the processes did not finish: deadlock or an endless wait")


def upgrade_together(url: str, tmp_path: Path) -> tuple[list[str], str]:
    sync_dir = tmp_path / "sync"
    sync_dir.mkdir()
    err = start_together(["upgrade", url, str(sync_dir), str(TERMINALS)], sync_dir, TERMINALS)
    return sorted((sync_dir / f"upgrade-{n}.txt").read_text() for n in range(TERMINALS)), err


def test_terminals_starting_together_after_a_software_upgrade_all_open_the_site(
    backend, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    # Upgrade day: the site's database is at the first schema; every terminal starts the
    # new version at once, and each of them tries to bring the database up to date.
    url = backend.empty_url()
    store = backend.track(open_store(url))
    # The site is built with today's tables, then taken back to the first schema (the
    # migrations' downgrades keep the rows), as a site that never upgraded would be.
    alembic(store, "upgrade", "head")
    build_open_site(store, FIXED_NOW, units=5, lanes=2, people=1)
    alembic(store, "downgrade", "0001")
    store.dispose()
    got, err = upgrade_together(url, tmp_path)
    assert got == [f"ok {head_revision()}"] * TERMINALS, err
    assert current_revision(store) == head_revision()
    assert len(all_units(store)) == 5


def test_terminals_starting_together_on_a_new_database_all_open_it(backend, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    got, err = upgrade_together(backend.empty_url(), tmp_path)
    assert got == [f"ok {head_revision()}"] * TERMINALS, err
