"""The sync service's log as journald gets it: a real `stageterm sync` process against a
loopback upstream that works, fails, comes back and rejects an event; every line on
stderr is `LEVEL stageterm-sync: message`, one an event, and none holds the token."""

from __future__ import annotations

import json
import re
import signal
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from receiver import Receiver
from sync_site import Site

from integration.helpers import start_cli
from stageterm.domain.model import EventType

TOKEN = "tok-SECRET-0xL0G5"
ENV = {
    "STAGETERM_SYNC_RETRY_ATTEMPTS": "2",
    "STAGETERM_SYNC_RETRY_INITIAL": "0.01",
    "STAGETERM_SYNC_RETRY_MAX": "0.05",
    "STAGETERM_SYNC_CONNECT_TIMEOUT": "1",
    "STAGETERM_SYNC_READ_TIMEOUT": "5",
    "STAGETERM_SYNC_POLL": "0.05",
}
LINE = re.compile(r"^(INFO|WARNING|ERROR) stageterm-sync: \S.*$")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver(token=TOKEN).start()
    yield server
    server.stop()


def _wait(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError("timed out waiting")
        time.sleep(0.02)


def test_the_sync_service_logs_one_line_an_event_with_its_level(  # type: ignore[no-untyped-def]
    run_cli, sqlite_store, receiver
) -> None:
    site = Site(sqlite_store)
    site.stages(3)
    env = {**ENV, "STAGETERM_UPSTREAM_URL": receiver.url, "STAGETERM_UPSTREAM_TOKEN": TOKEN}
    proc = start_cli(run_cli, sqlite_store.url, "sync", env=env)
    try:
        _wait(lambda: len(receiver.accepted) == 3)
        receiver.plan(503, 503)  # down for one drain (two tries), then back
        site.event(EventType.HOLD, "U000001", to_state=None)
        _wait(lambda: len(receiver.accepted) == 4)
        rejected = site.event(EventType.HOLD, "U000002", to_state=None)
        receiver.reject[f"urn:uuid:{rejected.id}"] = "unknown location"
        _wait(lambda: any(r.status == 400 for r in receiver.requests))
        time.sleep(0.3)  # the worker records the answer and logs it
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert out == ""  # the service's words are its log
    lines = err.splitlines()
    assert all(LINE.match(line) for line in lines), lines
    assert lines[0] == (
        f"INFO stageterm-sync: started: sending to {receiver.url}; 3 events pending"
    )
    # (How many are pending when a line is written depends on when the test's next event lands.)
    assert any(line.startswith("INFO stageterm-sync: sent 3 events; ") for line in lines)
    retry = [i for i, line in enumerate(lines) if "answered 503; retrying in" in line]
    assert retry and lines[retry[0]].startswith("INFO stageterm-sync: upstream ")
    down = [
        i for i, line in enumerate(lines) if line.startswith("WARNING stageterm-sync: not sent:")
    ]
    assert down and "answered 503" in lines[down[0]]
    backing = lines.index(
        "WARNING stageterm-sync: backing off while upstream fails; 1 events kept pending"
    )
    assert backing > down[0]
    back = lines.index("INFO stageterm-sync: upstream back")
    assert lines[back + 1].startswith("INFO stageterm-sync: sent 1 event; ")
    assert any(line.startswith("WARNING stageterm-sync: 1 events rejected: ") for line in lines), (
        lines
    )
    assert lines[-1] == "INFO stageterm-sync: stopped; 0 pending events stay queued"
    assert TOKEN not in err


def test_the_pull_service_logs_one_line_an_event_with_its_level(  # type: ignore[no-untyped-def]
    run_cli, demo_db: str, tmp_path: Path
) -> None:
    from integration.erp import Erp, inbox_with_a_good_and_a_bad_file, pulling_env

    shown = json.loads(run_cli("unit", "U00003", "--json", db=demo_db).stdout)
    changed = {k: shown[k] for k in ("code", "quantity", "location", "order", "lot")}
    erp = Erp(pages={"units": [[{**changed, "item": "NOT-" + shown["item"]}]]}).start()
    inbox = inbox_with_a_good_and_a_bad_file(tmp_path / "inbox", "S-99,storage,New,,,,,")
    env = pulling_env(erp, inbox)
    proc = start_cli(run_cli, demo_db, "pull", env=env)
    try:
        _wait(lambda: (inbox / "failed" / "units-bad.csv").exists() and len(erp.seen) >= 4)
        time.sleep(0.5)  # the pass ends and logs
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
        erp.stop()
    assert proc.returncode == 0, err
    assert out == ""
    lines = err.splitlines()
    assert all(re.match(r"^(INFO|WARNING|ERROR) stageterm-pull: \S.*$", ln) for ln in lines), lines
    assert lines[0] == "INFO stageterm-pull: started: pulling master data; Ctrl-C stops"
    assert "INFO stageterm-pull: locations-new.csv: pulled 1 new, 0 updated locations" in lines
    assert any(ln.startswith("ERROR stageterm-pull: units-bad.csv failed: ") for ln in lines)
    assert "WARNING stageterm-pull: conflict U00003 item: not applied" in lines, lines
    assert lines[-1] == "INFO stageterm-pull: stopped"
    assert erp.token not in err


def test_pull_with_nothing_to_pull_from_says_so(run_cli, demo_db: str) -> None:  # type: ignore[no-untyped-def]
    for args in (("pull", "--once"), ("pull",)):
        done = run_cli(*args, db=demo_db, timeout=30)
        assert done.returncode == 2
        assert done.stderr.strip() == (
            "stageterm: nothing to pull from: set STAGETERM_MASTER_URL (the ERP's feed) "
            "or STAGETERM_INBOX (a folder for master data files)"
        )


def test_the_board_service_logs_its_start_and_stop(run_cli, demo_db: str) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = start_cli(run_cli, demo_db, "serve", "--port", str(port))
    try:
        _wait(lambda: _listening(port))
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
    assert err.splitlines() == [
        f"INFO stageterm-serve: started: serving the read-only board on http://127.0.0.1:{port}/",
        "INFO stageterm-serve: stopped",
    ]


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0
