"""`stageterm sync` as real processes: killed mid-batch, two at once, the loop and Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from receiver import Receiver
from sync_site import Site

from stageterm.domain.model import EventType
from stageterm.store.engine import Store
from stageterm.sync import read_status

TOKEN = "tok-SECRET-0xC0FFEE"
FAST_ENV = {
    "STAGETERM_SYNC_RETRY_ATTEMPTS": "2",
    "STAGETERM_SYNC_RETRY_INITIAL": "0.01",
    "STAGETERM_SYNC_RETRY_MAX": "0.05",
    "STAGETERM_SYNC_CONNECT_TIMEOUT": "1",
    "STAGETERM_SYNC_READ_TIMEOUT": "5",
    "STAGETERM_SYNC_POLL": "0.05",
}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver(token=TOKEN).start()
    yield server
    server.release()
    server.stop()


@pytest.fixture
def sync_env(receiver: Receiver) -> dict[str, str]:
    return {**FAST_ENV, "STAGETERM_UPSTREAM_URL": receiver.url, "STAGETERM_UPSTREAM_TOKEN": TOKEN}


def popen(run_cli, store: Store, env: dict[str, str], *args: str) -> subprocess.Popen[str]:  # type: ignore[no-untyped-def]
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "stageterm"), *args],
        cwd=run_cli.home,
        env=run_cli.env(store.url, env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )


def test_sigkill_mid_batch_then_restart_repeats_only_the_batch_in_flight(  # type: ignore[no-untyped-def]
    run_cli, sqlite_store, receiver, sync_env
) -> None:
    events = Site(sqlite_store).stages(200, units=50)
    receiver.hold(skip=2)  # the third request is received, then the process dies waiting
    first = popen(
        run_cli, sqlite_store, {**sync_env, "STAGETERM_SYNC_BATCH": "50"}, "sync", "--once"
    )
    assert receiver.arrived.wait(30), first.communicate()
    os.kill(first.pid, signal.SIGKILL)
    first.wait(10)
    receiver.release()
    assert read_status(sqlite_store).pending == 100  # batches 1 and 2 were marked, 3 was not
    again = run_cli(
        "sync", "--once", db=sqlite_store.url, env={**sync_env, "STAGETERM_SYNC_BATCH": "50"}
    )
    assert again.returncode == 0, again.stderr
    seen = receiver.received_ids()
    everything = [f"urn:uuid:{e.id}" for e in events]
    assert set(seen) == set(everything)
    repeated = {i for i, n in Counter(seen).items() if n > 1}
    assert repeated == set(receiver.requests[2].event_ids)  # the in-flight batch, by eventID
    assert list(dict.fromkeys(seen)) == everything


def test_two_sync_processes_at_once_never_send_the_same_event_and_deliver_all_in_order(  # type: ignore[no-untyped-def]
    run_cli, sqlite_store, receiver, sync_env
) -> None:
    site = Site(sqlite_store)
    early = site.stages(100, units=30)
    env = {**sync_env, "STAGETERM_SYNC_BATCH": "10", "PYTHONUNBUFFERED": "1"}
    receiver.hold()  # T-1's first batch stays in flight until T-2 is up and trying
    first = popen(run_cli, sqlite_store, {**env, "STAGETERM_TERMINAL": "T-1"}, "sync", "--once")
    assert receiver.arrived.wait(30)
    second = popen(run_cli, sqlite_store, {**env, "STAGETERM_TERMINAL": "T-2"}, "sync")
    started = second.stderr.readline() if second.stderr else ""
    assert started.startswith("INFO stageterm-sync: started: sending to")
    time.sleep(0.5)
    assert len(receiver.requests) == 1  # T-2 waits: the head of the queue is T-1's
    late = [e for e in site.stages(40, units=10, prefix="L") if e.seq and e.seq > early[-1].seq]
    receiver.release()
    _out, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    _wait(lambda: len(receiver.accepted) == 140)
    second.send_signal(signal.SIGINT)
    second.communicate(timeout=10)
    assert receiver.received_ids() == [
        f"urn:uuid:{e.id}" for e in early + late
    ]  # once each, in order
    senders = {r.headers["x-stageterm-terminal"] for r in receiver.requests}
    assert senders == {"T-1", "T-2"}  # T-1 sends only what was pending when it started


def test_the_loop_sends_new_events_as_they_come_and_stops_cleanly_on_ctrl_c(  # type: ignore[no-untyped-def]
    run_cli, sqlite_store, receiver, sync_env
) -> None:
    site = Site(sqlite_store)
    site.stages(5)
    proc = popen(run_cli, sqlite_store, sync_env, "sync")
    _wait(lambda: len(receiver.accepted) == 5)
    site.event(EventType.HOLD, "U000001", to_state=None)
    _wait(lambda: len(receiver.accepted) == 6)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0 and "Traceback" not in err
    assert out == ""  # the loop's words are its log, on stderr
    assert err.splitlines()[-1].startswith("INFO stageterm-sync: stopped")


def _wait(condition, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError("timed out waiting")
        time.sleep(0.02)


def test_a_real_process_with_upstream_down_says_one_line_and_exits_5(
    run_cli, sqlite_store, receiver, sync_env
) -> None:  # type: ignore[no-untyped-def]
    Site(sqlite_store).stages(3)
    receiver.stop()
    done = run_cli("sync", "--once", db=sqlite_store.url, env=sync_env)
    assert done.returncode == 5
    assert done.stderr.splitlines() == [done.stderr.strip()]  # no log lines, no traceback
    assert done.stderr.startswith(f"stageterm: upstream {receiver.url} unreachable: ")
    assert done.stderr.rstrip().endswith("3 events kept pending") and done.stdout == ""
