"""Property: whatever the floor does, the units table is a replay of the event log.

Random sequences of moves, partial kitting moves, loads, issues, holds, releases, undos
and unstages go through the real Site on a real SQLite file. Afterwards the
projection must equal `projection.replay` of every event in `seq` order, material is
never created or lost, and an answer other than "moved" never wrote anything.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from integration.helpers import (
    FIXED_NOW,
    Clock,
    build_site,
    diff_units,
    event_count,
    projection_and_replay,
)
from stageterm.services.results import Outcome
from stageterm.services.site import Site
from stageterm.store.engine import open_store

# A few units, so that operations meet: an undo after a move, a load after a stage.
UNIT_CODES = [
    "U-01",
    "U-03",
    "U-09",
    "U-04",
    "U-05",
    "C-01",
    "C-02",
    "C-03",
    "C-02-1",
    "C-02-2",
    "U-404",
]
TARGETS = [
    "S-01",
    "S-02",
    "L-ACME-N",
    "L-BOLT-S",
    "L-NORTH",
    "L-OPEN",
    "KIT-A",
    "KIT-FREE",
    "LINE-1",
]
DOCKS = ["D-N", "D-S", "D-ANY"]

unit = st.sampled_from(UNIT_CODES)
person = st.sampled_from(["1001", "1001", "1002", "2001", "3001"])
# Where each unit may well go (most random moves would only be refused).
LIKELY = {
    "U-01": ["L-ACME-N", "L-NORTH", "L-OPEN", "S-02"],
    "U-03": ["L-ACME-N", "L-NORTH", "L-OPEN", "S-01"],
    "U-09": ["L-BOLT-S", "L-OPEN", "S-01"],
    "U-04": ["L-ACME-N", "L-OPEN"],
    "U-05": ["L-ACME-N", "S-01"],
    "C-01": ["KIT-A", "KIT-FREE", "S-02"],
    "C-02": ["KIT-A", "KIT-FREE", "S-02"],
    "C-03": ["KIT-A", "KIT-FREE"],
    "C-02-1": ["KIT-FREE", "S-01", "KIT-A"],
}
mover = st.sampled_from(["1001", "1001", "2001"])
part = st.one_of(st.none(), st.none(), st.integers(1, 30))  # part of a unit, for kitting
approval = st.sampled_from([None, None, "2001", "1002"])  # a lead's approval, or not
likely_move = st.sampled_from(sorted(LIKELY)).flatmap(
    lambda code: st.tuples(
        st.just("move"), st.just(code), st.sampled_from(LIKELY[code]), mover, part, approval
    )
)
any_move = st.tuples(st.just("move"), unit, st.sampled_from(TARGETS), mover, part, approval)
operations = st.one_of(
    likely_move,
    likely_move,
    any_move,
    st.tuples(st.just("load"), unit, st.sampled_from(DOCKS), person),
    st.tuples(st.just("issue"), unit, person),
    st.tuples(st.just("hold"), unit, person),
    st.tuples(st.just("release"), unit, st.sampled_from(["3001", "3001", "1001"])),
    st.tuples(st.just("undo"), unit, person),
    st.tuples(st.just("unstage"), unit, person),
)


def run(services: Site, op: tuple[object, ...]):  # type: ignore[no-untyped-def]
    kind, code, *rest = op
    assert isinstance(code, str)
    if kind == "move":
        to, badge, qty, approve = rest
        return services.moves.move(code, to, badge, quantity=qty, approve=approve)  # type: ignore[arg-type]
    if kind == "load":
        return services.moves.load(code, rest[0], rest[1])  # type: ignore[arg-type]
    use_case = {
        "issue": services.moves,
        "unstage": services.moves,
        "hold": services.quality,
        "release": services.quality,
        "undo": services.corrections,
    }[kind]
    return getattr(use_case, kind)(code, rest[0])


def root_of(code: str) -> str:
    # Children are named PARENT-N; site codes have one dash of their own (U-01, C-02).
    return "-".join(code.split("-")[:2])


_names = itertools.count()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    ops=st.lists(operations, min_size=6, max_size=16),
    steps=st.lists(st.integers(0, 3600), min_size=16, max_size=16),
)
def test_projection_is_always_a_replay_of_the_log(
    sqlite_backend,
    tmp_path_factory: pytest.TempPathFactory,
    ops: list[tuple[object, ...]],
    steps: list[int],
) -> None:  # type: ignore[no-untyped-def]
    path: Path = tmp_path_factory.getbasetemp() / f"property-{next(_names)}.db"
    store = open_store(sqlite_backend.copy("site", path, lambda s: build_site(s, FIXED_NOW)))
    clock = Clock(FIXED_NOW)
    services = Site(store, terminal="prop", clock=clock)
    try:
        before_qty = _quantities(projection_and_replay(store)[0])
        for op, step in zip(ops, steps, strict=False):
            clock.advance(seconds=step)
            written = event_count(store)
            result = run(services, op)
            event(f"{op[0]}: {result.outcome.value} {result.code or ''}".strip())
            assert result.outcome in (
                Outcome.MOVED,
                Outcome.ALREADY_THERE,
                Outcome.REFUSED,
                Outcome.NEEDS_APPROVAL,
            )
            if result.outcome is not Outcome.MOVED:
                assert event_count(store) == written, (op, result)
            else:
                assert event_count(store) > written, (op, result)

        table, replayed = projection_and_replay(store)
        diff = diff_units(table, replayed)
        assert not diff, f"after {ops}: {diff}"
        assert _quantities(table) == before_qty, "material was created or lost"
    finally:
        store.dispose()
        path.unlink(missing_ok=True)


def _quantities(units) -> dict[str, int]:  # type: ignore[no-untyped-def]
    total: dict[str, int] = defaultdict(int)
    for code, u in units.items():
        total[root_of(code)] += u.quantity
    return dict(total)
