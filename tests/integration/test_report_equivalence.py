"""Property: the staging report gives exactly what the step-by-step reading of the log
gives (tests/report_reference.py), whatever the log holds, on SQLite and PostgreSQL.

Random sites: units received into storage or straight into a lane, staged, moved, held
and released, undone, split for kitting (the child leaves from where its parent stands),
unstaged, loaded and issued; terminals whose clocks run behind (a unit's events out of
time order); now and then an event whose "from" is not where the unit was (a log the
projection would not have written, which the report must still read the same way); units
staged with no event in the log at all. Events of different units interleave in `seq`.
Windows start before, inside or after the history, mid-stay or not, end before or after
it (open stays clipped to --until) in several UTC offsets, and every --by grouping is asked.
"""

from __future__ import annotations

import itertools
import json
import random
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert

import report_reference
from stageterm.domain.metrics import GroupBy
from stageterm.services.report import StagingReport
from stageterm.store.engine import Store
from stageterm.store.tables import EVENTS, LOCATIONS, UNITS

T0 = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
# code -> (kind, customer, route, work_order)
PLACES = {
    "L-1": ("lane", "ACME", "NORTH", None),
    "L-2": ("lane", "BOLT", "NORTH", None),
    "L-3": ("lane", None, None, None),  # a lane for nobody: grouped by the event's facts
    "K-1": ("kitting", None, None, "WO-1"),
    "B-1": ("buffer", None, None, None),
    "S-1": ("storage", None, None, None),
    "D-1": ("dock", None, "NORTH", None),
}
STAGING = ["L-1", "L-2", "L-3", "K-1", "B-1"]
# Where a unit may be said to be by an event whose "from" is wrong (D-1 staged: no place
# the report counts by its master data).
ANYWHERE = [(None, None), ("S-1", "stored"), ("D-1", "staged"), ("D-1", "loaded")]
ANYWHERE += [(p, "staged") for p in STAGING]
FACTS = [(None, None, None), ("ACME", "NORTH", None), ("BOLT", "SOUTH", None), (None, None, "WO-1")]
EVENT_IDS = itertools.count()
OFFSETS = [UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-5, minutes=-30))]


@dataclass
class Log:
    """Events as (commit order, row), and the units table the projection would hold."""

    events: list[tuple[float, dict[str, object]]] = field(default_factory=list)
    units: list[dict[str, object]] = field(default_factory=list)


def history(rng: random.Random, log: Log, code: str, at: datetime, where: tuple[str, str]) -> None:
    """One unit's events from `where` (place, state) at `at`; appends its children's too."""
    place: str | None
    state: str | None
    place, state = where
    previous: tuple[str | None, str | None] = where
    staged_at = at if state == "staged" else None
    order = at.timestamp()
    for n in range(rng.randint(0, 9)):
        action = rng.choice(
            [
                "stage",
                "move",
                "move",
                "unstage",
                "hold",
                "release",
                "undo",
                "split",
                "load",
                "issue",
            ]
        )
        # A terminal clock running behind now and then: the log's order is not the time's.
        gap = rng.choice([rng.randint(0, 20_000), rng.randint(0, 3_000), -rng.randint(1, 900)])
        at += timedelta(seconds=gap, microseconds=rng.randint(0, 999_999))
        order += abs(gap) + 1
        to_place, to_state = place, None
        if action in ("stage", "move"):
            to_place, to_state = rng.choice(STAGING), "staged"
        elif action == "unstage":
            to_place, to_state = "S-1", "stored"
        elif action == "undo":
            to_place, to_state = previous
        elif action == "load":
            to_place, to_state = "D-1", "loaded"
        elif action == "issue":
            to_state = "issued"
        from_place, from_state = place, state
        if rng.random() < 0.08:  # a "from" the unit was not at
            from_place, from_state = rng.choice(ANYWHERE)
        customer, route, work_order = rng.choice(FACTS) if to_state == "staged" else FACTS[0]
        log.events.append(
            (
                order,
                event_row(code, action, at, from_place, to_place, from_state, to_state)
                | {"customer": customer, "route": route, "work_order": work_order},
            )
        )
        if action == "split" and place is not None:
            # The child's first event moves it away from where its parent stands.
            child_at = at + timedelta(seconds=rng.randint(0, 60))
            child, goes_to = f"{code}-{n + 1}", rng.choice(STAGING)
            log.events.append(
                (order + 0.5, event_row(child, "move", child_at, place, goes_to, state, "staged"))
            )
            unit_row(log, child, goes_to, "staged", child_at)
        if to_state is not None and (to_place, to_state) != (place, state):
            previous = (place, state)
            place, state = to_place, to_state
            staged_at = at if state == "staged" else None
    unit_row(log, code, place, state or "stored", staged_at)


def event_row(
    unit: str,
    kind: str,
    at: datetime,
    from_place: str | None,
    to_place: str | None,
    from_state: str | None,
    to_state: str | None,
) -> dict[str, object]:
    return {
        "id": f"E-{next(EVENT_IDS)}",
        "type": kind,
        "unit": unit,
        "occurred_at": at,
        "utc_offset_min": 60,
        "from_location": from_place,
        "to_location": to_place,
        "from_state": from_state,
        "to_state": to_state,
        "sync_state": "synced",
        "sync_attempts": 0,
        "customer": None,
        "route": None,
        "work_order": None,
    }


def unit_row(
    log: Log, code: str, place: str | None, state: str, staged_at: datetime | None
) -> None:
    log.units.append(
        {
            "code": code,
            "item": "FG-1",
            "quantity": 1,
            "quality": "released",
            "state": state,
            "location": place,
            "staged_at": staged_at if state == "staged" else None,
            "version": 1,
        }
    )


def site(rng: random.Random) -> Log:
    log = Log()
    for i in range(rng.randint(1, 7)):
        start = T0 + timedelta(
            seconds=rng.randint(0, 2 * 86400), microseconds=rng.randint(0, 10**6)
        )
        place, state = rng.choice(
            [("S-1", "stored"), ("S-1", "stored"), ("L-3", "staged"), ("K-1", "staged")]
        )
        receipt = event_row(f"U-{i}", "receive", start, None, place, None, state)
        log.events.append((start.timestamp(), receipt))
        history(rng, log, f"U-{i}", start, (place, state))
    for i in range(rng.randint(0, 2)):  # staged before the log began: only the unit says when
        unit_row(
            log,
            f"OLD-{i}",
            rng.choice(STAGING),
            "staged",
            T0 - timedelta(hours=rng.randint(1, 200)),
        )
    return log


def write(store: Store, log: Log) -> None:
    with store.write() as session:
        connection = session.connection()
        connection.execute(
            insert(LOCATIONS),
            [
                {"code": code, "kind": kind, "customer": c, "route": r, "work_order": w}
                for code, (kind, c, r, w) in PLACES.items()
            ],
        )
        for _, row in sorted(log.events, key=lambda e: e[0]):  # seq in commit order
            connection.execute(insert(EVENTS), [row])
        connection.execute(insert(UNITS), log.units)


def window(rng: random.Random, times: list[datetime]) -> tuple[datetime, datetime]:
    """A window anywhere around the history; its edges now and then exactly at an event
    (a stay that ends at --since or at --until)."""

    def edge(around: datetime) -> datetime:
        if times and rng.random() < 0.4:
            return rng.choice(times) + timedelta(seconds=rng.choice([0, 0, -1, 1]))
        return around

    since = edge(
        T0 + timedelta(seconds=rng.randint(-86400, 4 * 86400), microseconds=rng.randint(0, 10**6))
    )
    length = rng.choice([1, 59, 3600, rng.randint(1, 5 * 86400)])
    until = edge(since + timedelta(seconds=length, microseconds=rng.randint(0, 10**6)))
    if until <= since:
        since, until = until, since + timedelta(seconds=1)
    return since.astimezone(rng.choice(OFFSETS)), until.astimezone(rng.choice(OFFSETS))


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(rng=st.randoms(use_true_random=False))
def test_the_report_reads_the_log_as_the_step_by_step_reference_does(
    backend, rng: random.Random
) -> None:  # type: ignore[no-untyped-def]
    store = backend.store()
    try:
        log = site(rng)
        write(store, log)
        times = [t for _, row in log.events if isinstance(t := row["occurred_at"], datetime)]
        for _ in range(3):
            since, until = window(rng, times)
            report = StagingReport(store)
            for by in GroupBy:
                expected = report_reference.build(store, since, until, by)
                assert report.build(since, until, by) == expected, (since, until, by)
    finally:
        backend.close()


# Run in a process of its own, single-threaded as the command line is (a fork copies one
# thread; the test runner's worker has several, where the report reads in one go).
IN_PARTS = """
import json, sys
from datetime import datetime
from stageterm.services import step_parts
from stageterm.services.report import StagingReport
from stageterm.store.engine import open_store

step_parts.PARALLEL_FROM = 0  # these logs are small: split them anyway
started = []
real_start = step_parts._start_part
step_parts._start_part = lambda *args: started.append(args) or real_start(*args)
differ = []
for job in json.loads(sys.stdin.read()):
    report = StagingReport(open_store(job["url"]))
    since, until = datetime.fromisoformat(job["since"]), datetime.fromisoformat(job["until"])
    whole = report.build(since, until, job["by"])
    for parts in (2, 3, 4):
        if report.build(since, until, job["by"], parts=parts) != whole:
            differ.append([job, parts])
print(json.dumps({"differ": differ, "forked": len(started)}))
"""


def test_the_log_read_in_parts_on_several_cores_gives_the_same_report(sqlite_factory) -> None:  # type: ignore[no-untyped-def]
    """services/step_parts.py: the report of a log read in 2, 3 or 4 parts at once (forked
    processes) is the report of one read, for random logs, windows and groupings."""
    jobs = []
    for seed in range(8):
        rng = random.Random(seed)
        store = sqlite_factory.store()
        log = site(rng)
        write(store, log)
        times = [t for _, row in log.events if isinstance(t := row["occurred_at"], datetime)]
        for _ in range(2):
            since, until = window(rng, times)
            for by in GroupBy:
                jobs.append(
                    {
                        "url": store.url,
                        "since": since.isoformat(),
                        "until": until.isoformat(),
                        "by": by.value,
                    }
                )
    done = subprocess.run(
        [sys.executable, "-c", IN_PARTS],
        input=json.dumps(jobs),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["differ"] == []
    # Read apart wherever the window holds events (a window after the log has none).
    assert result["forked"] >= len(jobs) * (1 + 2 + 3) // 2
