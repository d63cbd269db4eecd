"""The outbox on SQLite and PostgreSQL: leases, the head of the queue, held and rejected events."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

from sync_site import Site

from stageterm.domain.model import EventType
from stageterm.store.engine import Store, open_store
from stageterm.sync import outbox, read_status, retry_rejected
from stageterm.sync.facts import EVENTS

LEASE = timedelta(seconds=60)


def test_a_claim_leases_the_head_of_the_queue_and_others_wait_for_it(store: Store) -> None:
    site = Site(store)
    events = site.stages(12, units=4)
    first = outbox.claim(store, "host-a:1:aa", limit=5, lease=LEASE)
    assert first.seqs == [e.seq for e in events[:5]]
    assert first.facts.units[events[0].unit].gtin == "4012345000009"
    second = outbox.claim(store, "host-b:2:bb", limit=5, lease=LEASE)
    # Taking 6..10 would let them overtake 1..5 should those fail: B gets nothing.
    assert second.events == [] and second.busy_with == "host-a:1:aa"
    outbox.mark_synced(store, first.seqs)
    third = outbox.claim(store, "host-b:2:bb", limit=5, lease=LEASE)
    assert third.seqs == [e.seq for e in events[5:10]]


def test_an_expired_lease_is_taken_over(store: Store) -> None:
    Site(store).stages(3)
    outbox.claim(store, "host-a:1:aa", limit=3, lease=LEASE)
    later = datetime.now(UTC) + LEASE + timedelta(seconds=1)
    taken = outbox.claim(store, "host-b:2:bb", limit=3, lease=LEASE, now=later)
    assert len(taken.events) == 3
    assert not outbox.renew(store, "host-a:1:aa", taken.seqs, LEASE)  # A learns it lost them


def test_a_dead_process_on_this_host_loses_its_lease_at_once(store: Store) -> None:
    Site(store).stages(3)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    owner = outbox.new_owner().rsplit(":", 2)[0] + f":{dead.stdout.strip()}:deadbeef"
    assert outbox.owner_is_dead(owner)
    outbox.claim(store, owner, limit=3, lease=LEASE)
    assert len(outbox.claim(store, outbox.new_owner(), limit=3, lease=LEASE).events) == 3
    assert not outbox.owner_is_dead(outbox.new_owner())  # this very process is alive


def test_receive_events_are_never_claimed_or_counted_even_if_marked_pending(store: Store) -> None:
    site = Site(store)
    site.unit("R1")
    received = site.event(EventType.RECEIVE, "R1", payload={"item": "I", "quantity": 1})
    stray = site.event(EventType.RECEIVE, "R1", payload={"item": "I", "quantity": 1})
    with store.write() as s:
        s.execute(EVENTS.update().where(EVENTS.c.id == stray.id).values(sync_state="pending"))
    staged = site.event(EventType.STAGE, "R1")
    claim = outbox.claim(store, "host-a:1:aa", limit=10, lease=LEASE)
    assert [e.id for e in claim.events] == [staged.id]
    assert read_status(store).pending == 1
    assert site.states()[received.id] == "local"


def test_a_rejected_event_holds_back_its_unit_only_until_a_lead_retries_it(store: Store) -> None:
    site = Site(store)
    for code in ("A", "B"):
        site.unit(code)
    a1 = site.event(EventType.STAGE, "A")
    b1 = site.event(EventType.STAGE, "B")
    a2 = site.event(EventType.LOAD, "A", from_location="LANE-1", to_location="DOCK-1")
    claim = outbox.claim(store, "w:1:a", limit=1, lease=LEASE)
    outbox.mark_rejected(store, {claim.seqs[0]: "unknown GTIN"})
    outbox.release(store, "w:1:a")
    rest = outbox.claim(store, "w:1:a", limit=10, lease=LEASE)
    assert [e.id for e in rest.events] == [b1.id]  # a2 waits behind a1
    outbox.mark_synced(store, rest.seqs)
    state = read_status(store, list_rejected=10)
    assert (state.pending, state.held, state.rejected) == (1, 1, 1)
    assert [(r.id, r.unit, r.type, r.reason) for r in state.rejected_events] == [
        (a1.id, "A", "stage", "unknown GTIN")
    ]
    assert retry_rejected(store, [f"urn:uuid:{a1.id}"]) == 1
    again = outbox.claim(store, "w:1:a", limit=10, lease=LEASE)
    assert [e.id for e in again.events] == [a1.id, a2.id]  # original order
    assert retry_rejected(store) == 0


def test_concurrent_workers_never_hold_the_same_event_and_take_turns_in_order(store: Store) -> None:
    Site(store).stages(120, units=30)
    claims: list[tuple[float, str, list[int]]] = []
    busy: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(3)

    def work(name: str) -> None:
        # Its own engine, as another terminal would have.
        mine = open_store(store.url)
        try:
            start.wait()
            idle_since = time.monotonic()
            while time.monotonic() - idle_since < 1.0:
                claim = outbox.claim(mine, name, limit=7, lease=LEASE)
                if claim.busy_with:
                    busy.append(name)
                if not claim.events:
                    time.sleep(0.002)
                    continue
                idle_since = time.monotonic()
                with lock:
                    claims.append((time.monotonic(), name, claim.seqs))
                time.sleep(0.003)  # "sending"
                outbox.mark_synced(mine, claim.seqs)
        finally:
            mine.dispose()

    threads = [threading.Thread(target=work, args=(f"host:{9000 + i}:t{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sent = [seq for _, _, seqs in sorted(claims) for seq in seqs]
    assert sent == sorted(sent) and len(sent) == len(set(sent)) == 120
    assert busy  # they did contend: the others waited while one held the head
    assert read_status(store).pending == 0
