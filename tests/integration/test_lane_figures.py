"""A lanes board's refresh reads again only the lanes touched since its last read
(`Views.lane_figures`, issue #17): after any mix of moves, loads, undos, holds and partial
moves by two terminals, the figures read in part are those of a full read; a change of
master data (an import, a pull) reads every lane again; on PostgreSQL every read is full."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import update

from integration.helpers import FIXED_NOW
from stageterm.services.site import Site
from stageterm.services.views import LaneFigures
from stageterm.store import queries
from stageterm.store.engine import Store
from stageterm.store.pull_tables import MASTER_DATA_CHANGED
from stageterm.store.tables import ORDERS

LANES = [f"L-{i:02d}" for i in range(1, 13)]
OPERATORS = ["1001", "1002", "2001"]


@pytest.fixture
def demo(seeded_store: Store) -> Store:
    """The demo site as `stageterm demo` seeds it (SQLite, then PostgreSQL)."""
    return seeded_store


def full(site: Site) -> LaneFigures:
    return site.views.lane_figures(None)


def shuffle_the_floor(sites: list[Site], draw: random.Random, steps: int) -> None:
    for _ in range(steps):
        site = draw.choice(sites)
        unit = f"U{draw.randint(1, 140):05d}"
        who = draw.choice(OPERATORS)
        what = draw.random()
        if what < 0.55:
            site.moves.move(unit, draw.choice([*LANES, "S-12", "KIT-A"]), who, approve="2001")
        elif what < 0.65:
            site.moves.move(unit, draw.choice(LANES), who, quantity=1, approve="2001")
        elif what < 0.75:
            site.moves.load(unit, f"D-{draw.randint(1, 3)}", who)
        elif what < 0.85:
            site.corrections.undo(unit, "2001")
        elif what < 0.93:
            site.quality.hold(unit, who, "suspect")
        else:
            site.quality.release(unit, "3001")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_figures_read_in_part_are_those_of_a_full_read(
    demo: Store, clock, seed: int, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    here, there = Site(demo, terminal="T-1", clock=clock), Site(demo, terminal="T-2", clock=clock)
    partial_reads = 0
    lane_rows = queries.lane_rows

    def counted(session, kinds=queries.STAGING_KINDS_TUPLE[:1], lanes=None):  # type: ignore[no-untyped-def]
        nonlocal partial_reads
        partial_reads += lanes is not None
        return lane_rows(session, kinds, lanes)

    monkeypatch.setattr(queries, "lane_rows", counted)
    draw = random.Random(seed)
    figures = here.views.lane_figures(None)
    for _ in range(25):
        shuffle_the_floor([here, there], draw, draw.randint(0, 6))
        figures = here.views.lane_figures(figures)
        assert figures.rows == full(here).rows
        assert here.views.queue("route", figures) == here.views.queue("route")
    if demo.is_sqlite:
        assert partial_reads > 0  # the refreshes did read in part
    else:
        assert partial_reads == 0  # PostgreSQL's seqs need not commit in order: always full


def test_nothing_new_is_the_same_figures(demo: Store, clock) -> None:  # type: ignore[no-untyped-def]
    site = Site(demo, terminal="T-1", clock=clock)
    figures = site.views.lane_figures(None)
    again = site.views.lane_figures(figures)
    assert again.rows == figures.rows
    assert (again is figures) == demo.is_sqlite


def test_master_data_changed_reads_every_lane_again(demo: Store, clock) -> None:  # type: ignore[no-untyped-def]
    site = Site(demo, terminal="T-1", clock=clock)
    figures = site.views.lane_figures(None)
    later = FIXED_NOW + timedelta(days=3)
    with demo.write() as session:  # what an import or a pull does: orders due later
        session.execute(update(ORDERS).values(due_at=later))
        session.execute(MASTER_DATA_CHANGED)
    figures = site.views.lane_figures(figures)
    assert figures.rows == full(site).rows
    assert any(row.earliest_due is not None for row in figures.rows)


def test_more_events_than_worth_reading_in_part_is_a_full_read(
    demo: Store, clock, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from stageterm.services import views

    monkeypatch.setattr(views, "TOUCHED_MOST", 2)
    site = Site(demo, terminal="T-1", clock=clock)
    figures = site.views.lane_figures(None)
    shuffle_the_floor([site], random.Random(9), 40)
    assert site.views.lane_figures(figures).rows == full(site).rows
