"""Bodies made ahead (sync/ahead.py): a big backlog drained by `stageterm sync` with its
batches read and encoded in forked processes sends upstream exactly what one process
sends, in the same order, whatever upstream answers, and loses or repeats nothing when a
maker, or the sync itself, is killed.

The drains under test run as real processes (`stageterm sync` has no other thread, so it
forks); each reports how many batches came from a maker. The reference is the same
command run in this process, which has the receiver's threads and so never forks.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from receiver import Receiver, Reply
from sqlalchemy import select, update
from sync_site import Site, epcis_errors, open_sqlite
from test_sync_process import FAST_ENV as PROCESS_ENV

from stageterm.cli import main
from stageterm.domain.model import EventType, UnitState
from stageterm.store.engine import Store
from stageterm.sync import SyncWorker, outbox, read_status, retry_rejected
from stageterm.sync.ahead import Made
from stageterm.sync.facts import EVENTS, FactsCache, events_by_seq
from stageterm.sync.options import SyncOptions
from stageterm.sync.worker import DrainReport

FAST_ENV = {
    **PROCESS_ENV,  # short retries and timeouts, as for the other sync processes
    "STAGETERM_SYNC_BATCH": "20",  # 25 batches of the 500 events below: made ahead
    "STAGETERM_SITE": "Plant 1",
    "STAGETERM_STANDBY": "off",
}
BATCH = 20

# `stageterm sync` in a process of its own, saying at the end how many batches were made
# ahead (what the command prints is unchanged).
COUNTED = """
import os, sys
from stageterm.sync import ahead, worker
for knob in filter(None, os.environ.get("AHEAD_KNOBS", "").split(",")):
    name, value = knob.split("=")
    setattr(ahead, name, type(getattr(ahead, name))(value))
drain = worker.SyncWorker.drain_once
def counted(self, stop=None):
    report = drain(self, stop)
    print(f"made ahead: {report.made_ahead}", file=sys.stderr, flush=True)
    return report
worker.SyncWorker.drain_once = counted
from stageterm.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """The sync processes' home and working directory (never the user's settings)."""
    place = tmp_path / "home"
    place.mkdir()
    return place


@pytest.fixture
def receivers() -> Iterator[tuple[Receiver, Receiver]]:
    ahead, one = Receiver().start(), Receiver().start()
    yield ahead, one
    for server in (ahead, one):
        server.release()
        server.stop()


def backlog(store: Store, events: int = 500) -> Site:
    """Stage events of 60 units, with moves to the kitting area, holds and releases among them."""
    site = Site(store)
    site.stages(events - 40, units=60)
    for i in range(40):
        kind = (EventType.MOVE, EventType.HOLD, EventType.RELEASE, EventType.ISSUE)[i % 4]
        site.event(kind, f"U{i:06d}", from_location="LANE-1", to_location="KIT-1",
                   from_state=UnitState.STAGED, to_state=UnitState.STAGED)  # fmt: skip
    return site


def env_for(home: Path, url: str, receiver: Receiver) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STAGETERM_")}
    env.update(FAST_ENV, HOME=str(home), XDG_DATA_HOME=str(home / "data"),
               XDG_CONFIG_HOME=str(home / "config"), STAGETERM_DB=url,
               STAGETERM_TERMINAL="T-1", STAGETERM_UPSTREAM_URL=receiver.url)  # fmt: skip
    return env


def sync_process(
    home: Path, url: str, receiver: Receiver, *args: str, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    """`stageterm sync ARGS`; `env` may set AHEAD_KNOBS="NAME=VALUE,..." (sync/ahead.py's
    constants: a shorter wait for a stuck maker, say)."""
    return subprocess.Popen(
        [sys.executable, "-c", COUNTED, "sync", *args],
        cwd=home,
        env={**env_for(home, url, receiver), **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )


def sync_held(
    store: Store, home: Path, receiver: Receiver, held: int, *args: str
) -> tuple[Site, subprocess.Popen[str]]:
    """A backlog, and `stageterm sync ARGS` on it, its request after the first `held` held
    by the receiver (and arrived there)."""
    site = backlog(store)
    receiver.hold(skip=held)
    process = sync_process(home, store.url, receiver, *args)
    assert receiver.arrived.wait(60), process.communicate()
    return site, process


def made_ahead(stderr: str) -> int:
    return sum(int(line.split(":")[1]) for line in stderr.splitlines() if "made ahead:" in line)


def sync_here(monkeypatch: pytest.MonkeyPatch, home: Path, url: str, receiver: Receiver) -> int:
    """The same command in this process (threads here: it never forks)."""
    with monkeypatch.context() as m:
        for key, value in env_for(home, url, receiver).items():
            m.setenv(key, value)
        for key in [k for k in os.environ if k.startswith("STAGETERM_") and k not in FAST_ENV]:
            if key not in ("STAGETERM_DB", "STAGETERM_TERMINAL", "STAGETERM_UPSTREAM_URL"):
                m.delenv(key)
        m.chdir(home)
        return main(["sync", "--once"])


def documents(receiver: Receiver) -> list[Any]:
    """What upstream got, request by request, without the moment each document was made."""
    out = []
    for request in receiver.requests:
        document = request.json
        document.pop("creationDate", None)
        out.append((request.path, request.headers.get("content-type"), document))
    return out


def states(store: Store, receiver: Receiver) -> dict[str, tuple[Any, ...]]:
    """Each event's state, error (upstream's address made the same) and attempts."""
    columns = (EVENTS.c.sync_state, EVENTS.c.sync_error, EVENTS.c.sync_attempts)
    with store.read() as s:
        rows = s.execute(select(EVENTS.c.id, *columns, EVENTS.c.lease_owner))
        return {
            ident: (state, (error or "").replace(receiver.url, "UPSTREAM"), tries, owner is None)
            for ident, state, error, tries, owner in rows
        }


def first_id_of_batch(site: Site, batch: int) -> str:
    return f"urn:uuid:{site.events_in_seq_order()[batch * BATCH + 3].id}"


PLANS: dict[str, Any] = {
    "all taken": lambda site, r: None,
    "a 503, then taken": lambda site, r: r.plan(*[Reply(200)] * 4, Reply(503, {"x": 1})),
    "an event rejected": lambda site, r: r.reject.update(
        {first_id_of_batch(site, 6): "unknown GTIN"}
    ),
    "a batch too large": lambda site, r: r.plan(*[Reply(200)] * 7, Reply(413)),
    "upstream down": lambda site, r: r.plan(*[Reply(200)] * 9, *[Reply(503)] * 2),
    "refused": lambda site, r: r.plan(*[Reply(200)] * 3, Reply(401)),
    "duplicates named": lambda site, r: r.plan(
        *[Reply(200)] * 5, Reply(409, {"duplicates": [first_id_of_batch(site, 5)]})
    ),
}


@pytest.mark.parametrize("plan", PLANS)
def test_made_ahead_or_not_upstream_gets_the_same_requests_and_the_log_ends_the_same(
    plan: str,
    tmp_path: Path,
    home: Path,
    receivers: tuple[Receiver, Receiver],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ahead, one = receivers
    store = open_sqlite(tmp_path / "ahead.db")
    site = backlog(store)
    store.dispose()
    shutil.copy(tmp_path / "ahead.db", tmp_path / "one.db")
    for receiver in receivers:
        PLANS[plan](site, receiver)

    forked = sync_process(home, f"sqlite:///{tmp_path / 'ahead.db'}", ahead, "--once")
    _out, err = forked.communicate(timeout=120)
    here = sync_here(monkeypatch, home, f"sqlite:///{tmp_path / 'one.db'}", one)

    assert forked.returncode == here, err
    assert made_ahead(err) >= 3, err  # the makers did make the bodies sent before the plan
    assert documents(ahead) == documents(one)
    assert states(open_sqlite(tmp_path / "ahead.db"), ahead) == states(
        open_sqlite(tmp_path / "one.db"), one
    )


def test_a_big_backlog_made_ahead_arrives_once_in_order_as_valid_epcis(
    store: Store, home: Path, receivers: tuple[Receiver, Receiver]
) -> None:
    """On SQLite and PostgreSQL: every event once, in seq order, every document valid."""
    receiver = receivers[0]
    site = backlog(store, 700)
    forked = sync_process(home, store.url, receiver, "--once")
    _out, err = forked.communicate(timeout=120)
    assert forked.returncode == 0, err
    assert made_ahead(err) == 700 // BATCH, err
    assert receiver.received_ids() == [f"urn:uuid:{e.id}" for e in site.events_in_seq_order()]
    assert all(epcis_errors(r.json) == [] for r in receiver.requests)
    assert set(site.states().values()) == {"synced"}
    assert_no_leases(store)


def assert_no_leases(store: Store) -> None:
    with store.read() as s:
        held = s.execute(select(EVENTS.c.seq).where(EVENTS.c.lease_owner.is_not(None))).all()
    assert held == []


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found.extend(int(c) for c in text)
    return found


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def wait_for(what: Any, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not what():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_maker_killed_mid_drain_the_drain_makes_the_rest_itself_and_sends_each_event_once(
    sqlite_store: Store, home: Path, receivers: tuple[Receiver, Receiver]
) -> None:
    receiver = receivers[0]
    # The fourth request waits while a maker is killed.
    site, forked = sync_held(sqlite_store, home, receiver, 3, "--once")
    makers = children(forked.pid)
    assert len(makers) == 2
    os.kill(makers[0], signal.SIGKILL)
    receiver.release()
    _out, err = forked.communicate(timeout=120)
    assert forked.returncode == 0, err
    assert 3 <= made_ahead(err) < 500 // BATCH, err  # the rest made in the drain's process
    seen = receiver.received_ids()
    assert seen == [f"urn:uuid:{e.id}" for e in site.events_in_seq_order()]  # once, in order
    assert set(site.states().values()) == {"synced"}
    assert_no_leases(sqlite_store)


def test_the_sync_killed_its_makers_end_and_a_restart_sends_the_rest_in_order(
    sqlite_store: Store, home: Path, receivers: tuple[Receiver, Receiver]
) -> None:
    receiver = receivers[0]
    site, forked = sync_held(sqlite_store, home, receiver, 4, "--once")
    makers = children(forked.pid)
    assert len(makers) == 2
    os.kill(forked.pid, signal.SIGKILL)
    forked.communicate(timeout=30)
    wait_for(lambda: not any(alive(pid) for pid in makers))
    receiver.release()
    again = sync_process(home, sqlite_store.url, receiver, "--once")
    _out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    everything = [f"urn:uuid:{e.id}" for e in site.events_in_seq_order()]
    seen = receiver.received_ids()
    assert list(dict.fromkeys(seen)) == everything
    repeated = {i for i, n in Counter(seen).items() if n > 1}
    assert repeated == set(receiver.requests[4].event_ids)  # only the batch in flight
    assert set(site.states().values()) == {"synced"}


def test_stopped_while_sending_ahead_the_batches_leased_ahead_go_back_and_the_makers_end(
    sqlite_store: Store, home: Path, receivers: tuple[Receiver, Receiver]
) -> None:
    receiver = receivers[0]
    _site, forked = sync_held(sqlite_store, home, receiver, 2)  # the service's loop
    makers = children(forked.pid)
    assert len(makers) == 2
    os.kill(forked.pid, signal.SIGTERM)
    receiver.release()
    _out, err = forked.communicate(timeout=60)
    assert forked.returncode == 0, err
    assert not any(alive(pid) for pid in makers)
    assert_no_leases(sqlite_store)
    assert read_status(sqlite_store).pending == 500 - 3 * BATCH  # the third was in flight


def test_a_drain_in_a_process_with_other_threads_makes_its_bodies_itself(
    sqlite_store: Store, receivers: tuple[Receiver, Receiver]
) -> None:
    """The terminal UI drains in a thread: a fork would copy only that thread."""
    site = backlog(sqlite_store)
    receiver = receivers[0]  # its server runs in a thread of this process
    worker = SyncWorker(sqlite_store, url=receiver.url, options=SyncOptions(batch=BATCH))
    report = worker.drain_once()
    worker.close()
    assert (report.sent, report.made_ahead) == (500, 0)
    assert receiver.received_ids() == [f"urn:uuid:{e.id}" for e in site.events_in_seq_order()]


def test_forking_pauses_the_wal_checkpoint_thread_and_starts_it_again(tmp_path: Path) -> None:
    store = open_sqlite(tmp_path / "site.db")
    store.start_background_checkpoints()

    def checkpointing() -> bool:
        return any(t.name == "wal-checkpoint" for t in threading.enumerate())

    assert checkpointing()
    with store.forking():
        assert not checkpointing()
    assert checkpointing()
    store.dispose()
    assert not checkpointing()


# -- what a first review found (each failed before its fix) ------------------------------


def test_a_slow_upstream_never_lets_a_batch_leased_ahead_run_out_for_another_sync(
    sqlite_store: Store, home: Path, receivers: tuple[Receiver, Receiver]
) -> None:
    """Four requests of 0.9 s each outlast a 3.2 s lease: batches leased ahead are renewed
    before they are posted, so a second `stageterm sync` waits instead of sending them too."""
    receiver = receivers[0]
    site = backlog(sqlite_store, 200)
    receiver.delay = 0.9
    slow = {"STAGETERM_SYNC_DEADLINE": "1", "STAGETERM_SYNC_JOB_WAIT": "0.1",
            "STAGETERM_SYNC_LEASE": "0.1"}  # fmt: skip
    first = sync_process(home, sqlite_store.url, receiver, "--once", env=slow)
    wait_for(lambda: receiver.requests, 60)
    second = sync_process(home, sqlite_store.url, receiver, "--once",
                          env={**slow, "STAGETERM_TERMINAL": "T-2"})  # fmt: skip
    for process in (first, second):
        _out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    seen = receiver.received_ids()
    assert [i for i, n in Counter(seen).items() if n > 1] == []
    assert seen == [f"urn:uuid:{e.id}" for e in site.events_in_seq_order()]


def test_a_rejected_event_retried_while_a_backlog_goes_ahead_still_goes_before_its_unit(
    sqlite_store: Store, home: Path, receivers: tuple[Receiver, Receiver]
) -> None:
    receiver = receivers[0]
    site = backlog(sqlite_store)
    first = site.events_in_seq_order()[0]  # U000000's first event; its later ones wait
    assert first.seq is not None
    outbox.mark_rejected(sqlite_store, {first.seq: "unknown GTIN"})
    receiver.hold(skip=2)
    forked = sync_process(home, sqlite_store.url, receiver, "--once")
    assert receiver.arrived.wait(60), forked.communicate()
    assert retry_rejected(sqlite_store) == 1  # a lead: `stageterm sync --retry-rejected`
    receiver.release()
    _out, err = forked.communicate(timeout=120)
    assert forked.returncode == 0, err
    unit = [f"urn:uuid:{e.id}" for e in site.events_in_seq_order() if e.unit == first.unit]
    assert [i for i in receiver.received_ids() if i in unit] == unit
    assert set(site.states().values()) == {"synced"}


def test_a_stuck_maker_is_given_up_and_a_stop_is_heard_while_waiting_for_it(
    sqlite_store: Store, home: Path, receivers: tuple[Receiver, Receiver]
) -> None:
    receiver = receivers[0]
    site = backlog(sqlite_store)
    knobs = {"AHEAD_KNOBS": "ANSWER_WITHIN_S=1"}
    receiver.hold(skip=1)
    forked = sync_process(home, sqlite_store.url, receiver, "--once", env=knobs)
    assert receiver.arrived.wait(60), forked.communicate()
    makers = children(forked.pid)
    os.kill(makers[1], signal.SIGSTOP)  # stuck, not dead
    receiver.release()
    _out, err = forked.communicate(timeout=60)
    assert forked.returncode == 0, err
    assert 1 <= made_ahead(err) < 500 // BATCH, err
    assert receiver.received_ids() == [f"urn:uuid:{e.id}" for e in site.events_in_seq_order()]
    assert not any(alive(pid) for pid in makers)

    with sqlite_store.write() as s:  # everything pending again, for the service's loop
        s.execute(update(EVENTS).values(sync_state="pending", synced_at=None))
    fresh = receivers[1]  # one that has not seen these events yet
    fresh.hold(skip=1)
    looping = sync_process(home, sqlite_store.url, fresh)  # waits for the maker: 30 s
    assert fresh.arrived.wait(60), looping.communicate()
    makers = children(looping.pid)
    os.kill(makers[1], signal.SIGSTOP)
    fresh.release()
    time.sleep(0.5)
    os.kill(looping.pid, signal.SIGTERM)
    _out, err = looping.communicate(timeout=10)
    assert looping.returncode == 0, err
    assert not any(alive(pid) for pid in makers)
    assert_no_leases(sqlite_store)


def test_batches_too_big_for_the_makers_pipes_are_sent_from_one_process(
    sqlite_store: Store, home: Path, receivers: tuple[Receiver, Receiver]
) -> None:
    receiver = receivers[0]
    site = backlog(sqlite_store, 2 * 5001 + 10)
    env = {"STAGETERM_SYNC_BATCH": "5001", "AHEAD_KNOBS": "AHEAD_FROM_BATCHES=2"}
    forked = sync_process(home, sqlite_store.url, receiver, "--once", env=env)
    _out, err = forked.communicate(timeout=120)
    assert forked.returncode == 0, err
    assert made_ahead(err) == 0
    assert receiver.received_ids() == [f"urn:uuid:{e.id}" for e in site.events_in_seq_order()]


def test_a_second_ctrl_c_while_sending_ahead_leaves_no_attempt_counted_for_untried_batches(
    sqlite_store: Store, home: Path, receivers: tuple[Receiver, Receiver]
) -> None:
    receiver = receivers[0]
    _site, looping = sync_held(sqlite_store, home, receiver, 2)
    os.kill(looping.pid, signal.SIGINT)  # the first: finish the request in flight
    time.sleep(0.3)
    os.kill(looping.pid, signal.SIGINT)  # the second: at once
    looping.communicate(timeout=30)
    receiver.release()
    with sqlite_store.read() as s:
        rows = s.execute(
            select(EVENTS.c.seq, EVENTS.c.sync_attempts).where(EVENTS.c.sync_state == "pending")
        ).all()
    in_flight = set(range(2 * BATCH + 1, 3 * BATCH + 1))
    assert {seq for seq, tries in rows if tries} == in_flight
    assert_no_leases(sqlite_store)


# -- what a second review found -----------------------------------------------------------


# PostgreSQL alone: on SQLite writers take turns, and the lead's retry would wait for the claim.
@pytest.mark.parametrize(
    "backend", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_a_retry_committed_while_a_batch_is_leased_ahead_is_seen_in_the_same_claim(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL reads what committed before each statement: a lead's retry that commits
    after a check for earlier events but before the lease would let the retried event's
    unit go ahead of it. The check now follows the lease, in its transaction."""
    events = Site(store).stages(100, units=10)
    first_of_unit = events[0]
    assert first_of_unit.seq is not None
    outbox.mark_rejected(store, {first_of_unit.seq: "unknown GTIN"})
    later = {e.seq for e in events if e.unit == first_of_unit.unit} - {first_of_unit.seq}
    lease = timedelta(seconds=120)
    ahead_of = outbox.claim(store, "host:1:a", limit=20, lease=lease, read=False)
    lease_head = outbox._lease_head

    def lead_retries_first(*args: Any) -> Any:
        retry_rejected(store)  # another connection commits, just before the lease
        return lease_head(*args)

    monkeypatch.setattr(outbox, "_lease_head", lead_retries_first)
    claim = outbox.claim(
        store, "host:1:a", limit=20, lease=lease, holding=ahead_of.seqs, read=False
    )
    assert claim.behind and claim.seqs == []
    with store.read() as s:
        leased = s.execute(select(EVENTS.c.seq).where(EVENTS.c.lease_owner.is_not(None))).all()
    assert {seq for (seq,) in leased} == set(ahead_of.seqs)  # the rolled-back lease left none
    assert not later & {seq for (seq,) in leased}


def test_a_batch_whose_lease_ran_out_while_its_body_was_made_is_given_back_uncounted(
    sqlite_store: Store, receivers: tuple[Receiver, Receiver]
) -> None:
    """A body slower than a quarter of the lease (well within a maker's 30 s): another
    terminal takes the batch meanwhile; it is never posted, and keeps only that one's
    attempt."""
    site = Site(sqlite_store)
    site.stages(200, units=20)
    receiver = receivers[0]
    options = SyncOptions(batch=20, deadline=0.2, job_wait=0.1, lease=0.1)  # a 1.6 s lease
    worker = SyncWorker(sqlite_store, url=receiver.url, options=options)
    taken: list[int] = []

    class SlowSecondBody:  # the makers' part, in this process: the second body is slow
        room = 4
        asked = 0

        def ask(self, seqs: list[int]) -> int:
            return 0

        def answer(self, maker: int, seqs: list[int], stop: threading.Event) -> Made:
            self.asked += 1
            if self.asked == 2:
                time.sleep(2.0)
                other = outbox.claim(sqlite_store, "host:2:b", limit=20,
                                     lease=options.lease_time, read=False)  # fmt: skip
                taken.extend(other.seqs)
            with sqlite_store.read() as s:
                events = events_by_seq(s, list(seqs))
                facts = FactsCache().facts(s, events)
            return Made(worker.encoder.body(events, facts), {e.id: e.seq for e in events})

    worker._send_ahead(SlowSecondBody(), 200, threading.Event(), DrainReport())  # type: ignore[arg-type]
    worker.close()
    assert taken
    with sqlite_store.read() as s:
        tries = dict(
            s.execute(
                select(EVENTS.c.seq, EVENTS.c.sync_attempts).where(EVENTS.c.seq.in_(taken))
            ).all()
        )
    assert set(tries.values()) == {1}  # the other terminal's lease alone
    by_seq = {e.seq: e.id for e in site.events_in_seq_order()}
    assert not {f"urn:uuid:{by_seq[seq]}" for seq in taken} & set(receiver.received_ids())
