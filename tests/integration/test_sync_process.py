"""`stageterm sync` and `stageterm export` as processes: exit codes, kills, two at once, the token."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from receiver import Receiver, Reply
from sync_site import Site, epcis_errors

from stageterm.config import Secret
from stageterm.domain.model import EventType
from stageterm.store.engine import Store
from stageterm.sync import SyncWorker, read_status

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


def test_without_an_upstream_url_sync_says_so_and_exits_2(run_cli, sqlite_store: Store) -> None:  # type: ignore[no-untyped-def]
    done = run_cli("sync", "--once", db=sqlite_store.url)
    assert done.returncode == 2
    assert "STAGETERM_UPSTREAM_URL is not set" in done.stderr and "Traceback" not in done.stderr


def test_once_delivers_and_exits_0_then_status_shows_it(
    run_cli, sqlite_store, receiver, sync_env
) -> None:  # type: ignore[no-untyped-def]
    events = Site(sqlite_store).stages(30)
    done = run_cli("sync", "--once", db=sqlite_store.url, env=sync_env)
    assert done.returncode == 0, done.stderr
    assert "sent 30 events; 0 pending" in done.stdout
    assert receiver.received_ids() == [f"urn:uuid:{e.id}" for e in events]
    assert all(epcis_errors(r.json) == [] for r in receiver.requests)
    status = json.loads(run_cli("sync", "--status", "--json", db=sqlite_store.url).stdout)
    assert (status["pending"], status["rejected_count"], status["failing"]) == (0, 0, False)
    assert status["last_success_at"] is not None


def test_upstream_down_exits_5_with_one_line_and_keeps_everything(
    run_cli, sqlite_store, receiver, sync_env
) -> None:  # type: ignore[no-untyped-def]
    Site(sqlite_store).stages(12)
    receiver.stop()
    done = run_cli("sync", "--once", db=sqlite_store.url, env=sync_env)
    assert done.returncode == 5
    assert done.stderr.count("\n") == 1 and "upstream unreachable" in done.stderr
    assert "12 events kept pending" in done.stderr
    status = run_cli("sync", "--status", db=sqlite_store.url)
    assert "pending:       12" in status.stdout and "last error:" in status.stdout
    for text in (done.stdout, done.stderr, status.stdout, status.stderr):
        assert TOKEN not in text


def test_the_token_never_shows_even_when_upstream_echoes_it(
    run_cli, sqlite_store, receiver, sync_env
) -> None:  # type: ignore[no-untyped-def]
    events = Site(sqlite_store).stages(2)
    echo = {
        "rejected": [{"eventID": f"urn:uuid:{events[0].id}", "reason": f"not for Bearer {TOKEN}"}]
    }
    receiver.plan(
        Reply(400, echo),
        Reply(503, {"reason": f"auth {TOKEN} expired"}),
        Reply(503, {"message": TOKEN}),
    )
    done = run_cli("sync", "--once", db=sqlite_store.url, env=sync_env)
    assert receiver.requests[0].headers["authorization"] == f"Bearer {TOKEN}"  # it was sent
    status = run_cli("sync", "--status", "--json", db=sqlite_store.url)
    assert "not for Bearer ********" in status.stdout
    with sqlite_store.read() as s:
        stored = (
            s.connection().exec_driver_sql("select group_concat(sync_error) from events").scalar()
        )
        stored = str(stored) + str(
            s.connection().exec_driver_sql("select last_error from sync_status").scalar()
        )
    for text in (done.stdout, done.stderr, status.stdout, stored):
        assert TOKEN not in text


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
    assert "syncing to" in (second.stdout.readline() if second.stdout else "")
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
    assert "sync stopped" in out


def test_retry_rejected_from_the_command_line(run_cli, sqlite_store, receiver, sync_env) -> None:  # type: ignore[no-untyped-def]
    events = Site(sqlite_store).stages(3)
    receiver.reject[f"urn:uuid:{events[1].id}"] = "lot unknown"
    assert run_cli("sync", "--once", db=sqlite_store.url, env=sync_env).returncode == 0
    status = run_cli("sync", "--status", db=sqlite_store.url).stdout
    assert "rejected:      1" in status and f"{events[1].id}  U000001  stage  lot unknown" in status
    receiver.reject.clear()
    retried = run_cli("sync", "--retry-rejected", events[1].id, db=sqlite_store.url)
    assert "1 rejected events back in the queue" in retried.stdout
    worker = SyncWorker(sqlite_store, url=receiver.url, token=Secret(TOKEN))
    assert worker.drain_once().sent == 1
    assert read_status(sqlite_store).rejected == 0


def test_export_writes_the_same_epcis_document_to_a_file(run_cli, sqlite_store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    site = Site(sqlite_store)
    site.unit("R1")
    site.event(EventType.RECEIVE, "R1", payload={"item": "I", "quantity": 1})
    events = [e for e in site.stages(25) if e.type is EventType.STAGE]
    out = tmp_path / "export.jsonld"
    done = run_cli("export", "--out", str(out), db=sqlite_store.url)
    assert done.returncode == 0 and "25 events written" in done.stdout
    document = json.loads(out.read_text())
    assert epcis_errors(document) == []
    assert [e["eventID"] for e in document["epcisBody"]["eventList"]] == [
        f"urn:uuid:{e.id}" for e in events
    ]
    since = run_cli(
        "export", "--since", str(events[19].seq), "--format", "json", db=sqlite_store.url
    )
    assert [e["id"] for e in json.loads(since.stdout)] == [e.id for e in events[20:]]


def _wait(condition, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError("timed out waiting")
        time.sleep(0.02)
