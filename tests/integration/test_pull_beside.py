"""A terminal's pull worker runs each pass as a child process (`stageterm pull --once`) that
takes the lease over from the terminal, so the pass never shares the terminal's interpreter
with its scans (SPEC §6a, §10). Real parts: the installed stageterm as the child, a real
inbox folder, a loopback ERP feed, the site on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text

from integration.erp import Erp
from stageterm.services.pull_beside import UNREACHABLE, PullBeside
from stageterm.services.station import Station
from stageterm.store import pull_state
from stageterm.store.engine import Store
from stageterm.store.pull_tables import PULL_LEASE
from stageterm.sync.outbox import owner_is_dead

ORDERS = "ref,kind,customer,route,item,quantity\nSO-77,outbound,ACME,NORTH,FG-1,10\n"


@pytest.fixture
def erp() -> Iterator[Erp]:
    server = Erp().start()
    yield server
    server.stop()


@pytest.fixture
def inbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The inbox folder, named to the child as a terminal's environment would name it."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    monkeypatch.setenv("STAGETERM_INBOX", str(folder))
    monkeypatch.delenv("STAGETERM_MASTER_URL", raising=False)
    return folder


def lease_holder(store: Store) -> str | None:
    with store.read() as session:
        row = session.execute(select(PULL_LEASE.c.owner)).first()
    return None if row is None else row.owner


def order_refs(store: Store) -> set[str]:
    with store.read() as session:
        return set(session.execute(text("SELECT ref FROM orders")).scalars())


def test_a_pass_runs_in_a_child_that_takes_the_terminal_lease_over(
    site_store: Store, inbox: Path
) -> None:
    (inbox / "orders-1.csv").write_text(ORDERS)
    beside = PullBeside(Station(site_store, "T-7"))
    lines: list[str] = []

    assert beside.once(lines.append) == 0

    assert (inbox / "done" / "orders-1.csv").exists()
    assert "SO-77" in order_refs(site_store)
    assert any("orders-1.csv: pulled 1 new" in line for line in lines), lines
    assert lease_holder(site_store) is None  # the child dropped what it took over


def test_the_pass_is_another_process_holding_the_lease(
    site_store: Store, erp: Erp, inbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STAGETERM_MASTER_URL", erp.url)
    monkeypatch.setenv("STAGETERM_MASTER_TOKEN", erp.token)
    erp.delay = 0.5  # each page: time to look at who holds the lease meanwhile
    beside = PullBeside(Station(site_store, "T-7"))
    holders: list[str | None] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            holders.append(lease_holder(site_store))
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        assert beside.once() == 0
    finally:
        done.set()
        watcher.join()
    during = {h for h in holders if h is not None and h != beside.owner}
    assert during, holders
    pids = {int(owner.rsplit(":", 2)[1]) for owner in during}
    assert os.getpid() not in pids  # not this process: the child
    assert {kind for kind, _after, _auth in erp.seen} == {"locations", "orders", "units"}


def test_no_pass_while_another_worker_holds_the_lease(site_store: Store, inbox: Path) -> None:
    (inbox / "orders-1.csv").write_text(ORDERS)
    service = f"{socket.gethostname()[:64]}:{os.getpid()}:service"  # a live holder
    assert pull_state.take_lease(site_store, service, pull_state.LEASE, lambda _o: False) is None

    assert PullBeside(Station(site_store, "T-7")).once() is None

    assert (inbox / "orders-1.csv").exists()  # left for the worker that holds the lease
    assert lease_holder(site_store) == service


def test_a_feed_that_is_down_is_reported_for_backing_off(
    site_store: Store, inbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("STAGETERM_MASTER_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("STAGETERM_MASTER_TOKEN", "t")
    lines: list[str] = []

    assert PullBeside(Station(site_store, "T-7")).once(lines.append) == UNREACHABLE
    assert any("feed down" in line for line in lines), lines


def test_stopping_the_terminal_ends_a_pass_in_flight(
    site_store: Store, erp: Erp, inbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STAGETERM_MASTER_URL", erp.url)
    monkeypatch.setenv("STAGETERM_MASTER_TOKEN", erp.token)
    erp.delay = 30.0  # the feed hangs on the first page
    stop = threading.Event()
    worker = threading.Thread(
        target=PullBeside(Station(site_store, "T-7")).run, args=(stop,), kwargs={"first_after": 0}
    )
    worker.start()
    deadline = time.monotonic() + 20
    while not erp.seen and time.monotonic() < deadline:
        time.sleep(0.05)
    assert erp.seen, "the child never asked the feed"

    stop.set()
    worker.join(timeout=5)

    assert not worker.is_alive()
    # The ended child's lease is free for the next worker on this host at once.
    assert pull_state.take_lease(site_store, "next", pull_state.LEASE, owner_is_dead) is None
