"""The sync's own fast reading of events gives exactly what the store's `to_domain` gives,
and a batch named by seq ranges is exactly the batch named."""

from __future__ import annotations

from datetime import timedelta, timezone

from sqlalchemy import select
from sync_site import Site

from stageterm.domain.model import EventType, Quality, UnitState
from stageterm.store.engine import Store
from stageterm.store.tables import EventRow
from stageterm.sync.facts import EVENTS, events_by_seq, seq_in


def test_events_read_for_the_sync_equal_the_stores_own_reading(store: Store) -> None:
    site = Site(store)
    site.unit("U1")
    site.event(EventType.STAGE, "U1")
    site.event(
        EventType.HOLD,
        "U1",
        from_quality=Quality.RELEASED,
        to_quality=Quality.HOLD,
        reason="dented",
        approved_by="L-1",
        overrides=("fefo-skip", "capacity"),
        order="SO-1",
        customer="ACME",
        route="R1",
        carrier="DHL",
        work_order="WO-1",
        quantity=None,
    )
    site.event(EventType.SPLIT, "U1", payload={"child": "U1-1", "note": "ü"}, from_state=None)
    site.event(EventType.UNSTAGE, "U1", to_state=UnitState.STORED, to_location="STORE-1")
    with store.read() as session:
        rows = session.execute(select(EventRow).order_by(EventRow.seq)).scalars().all()
        expected = [row.to_domain() for row in rows]
        seqs = [e.seq for e in expected if e.seq is not None]
        assert events_by_seq(session, seqs) == expected
        assert events_by_seq(session, seqs[1:2]) == expected[1:2]
    assert expected[0].occurred_at.utcoffset() == timezone(timedelta(hours=1)).utcoffset(None)


def test_a_batch_with_gaps_is_exactly_its_seqs(store: Store) -> None:
    events = Site(store).stages(60)
    seqs = [e.seq for e in events if e.seq is not None]
    for chosen in (
        seqs[:10],  # one run
        seqs[:5] + seqs[7:12] + [seqs[20]],  # runs and a single
        seqs[::2],  # no two together: an IN list
        [],
    ):
        with store.read() as session:
            found = session.execute(select(EVENTS.c.seq).where(seq_in(chosen))).scalars().all()
        assert sorted(found) == sorted(chosen)
